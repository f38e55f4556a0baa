"""libvips decodes a plain JPEG or PNG into the resize: Pillow's very pixels, byte for
byte, or None, and then Pillow's way gives the same display and thumbnail."""

import random
import zlib
from io import BytesIO

import pytest
from PIL import Image, ImageChops, ImageStat

from server.dealers.policy import default_policy
from server.media import imaging, jpeg, png
from server.media.imaging import Derived, normalize, profile_for
from server.media.resample import decode_steps, resize_steps
from tests.media.images import UNDO_ORIENTATION, after_pixels, encode, exif_with, photo

R = Image.Resampling
ORIENTATION = 0x0112
STEPS = {
    "down twice": lambda w, h: [((w * 2 // 3, h * 2 // 3), R.BILINEAR, 3.0), ((64, 48), R.BICUBIC, 2.0)],  # noqa: E501
    "same size first": lambda w, h: [((w, h), R.LANCZOS, 3.0), ((80, 60), R.BICUBIC, 2.0)],
    "a large ratio": lambda w, h: [((40, 30), R.LANCZOS, 3.0)],
}  # fmt: skip


def pillows(data: bytes, steps) -> tuple[list[Image.Image], str, tuple]:
    """Pillow's decode resized the project's way."""
    with Image.open(BytesIO(data)) as img:
        img.load()
        return resize_steps(img, steps(*img.size)), img.mode, img.size


def same(a: list[Image.Image], b: list[Image.Image]) -> bool:
    return [i.tobytes() for i in a] == [i.tobytes() for i in b]


JPEGS = {
    "4:2:0": {"subsampling": 2},
    "4:2:2": {"subsampling": 1},
    "4:4:4": {"subsampling": 0},
    "progressive": {"progressive": True, "subsampling": 2},
    "restart markers": {"restart_marker_blocks": 4},
    "optimised q95": {"optimize": True, "quality": 95},
    "q40": {"quality": 40},
}


@pytest.mark.parametrize("steps", STEPS.values(), ids=STEPS.keys())
@pytest.mark.parametrize("options", JPEGS.values(), ids=JPEGS.keys())
@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_a_jpeg_decodes_to_pillows_very_pixels(mode, options, steps):
    for size in ((1000, 664), (1001, 667)):
        data = encode(photo(size, 4).convert(mode), "JPEG", **{"quality": 85, **options})
        expected, got_mode, size = pillows(data, steps)
        ours = decode_steps(data, "JPEG", got_mode, size, steps(*size))
        assert ours is not None and same(ours, expected), size


@pytest.mark.parametrize("steps", STEPS.values(), ids=STEPS.keys())
@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_a_plain_png_decodes_to_pillows_very_samples(mode, steps):
    img = photo((320, 240), 5).convert(mode)
    key = 0 if mode == "L" else (0, 0, 0)  # a tRNS chunk: neither way applies it to L or RGB
    for options in ({}, {"compress_level": 9}, {"optimize": True}, {"transparency": key}):
        data = after_pixels(encode(img, "PNG", exif=exif_with(), **options))
        assert png.plain_8_bit(data)
        expected, _, size = pillows(data, steps)
        ours = decode_steps(data, "PNG", mode, size, steps(*size))
        assert ours is not None and same(ours, expected), options


def _flipped(data: bytes) -> bytes:
    """Bits flipped inside the entropy-coded data (no FF made or unmade): libjpeg warns
    of corrupt data and goes on; Pillow goes on with it, libvips (fail_on) does not."""
    out, start = bytearray(data), data.index(b"\xff\xda") + 100
    for at in range(start, min(start + 2000, len(data) - 4), 97):
        if 0xFF not in out[at - 1 : at + 2] and out[at] ^ 0x10 != 0xFF:
            out[at] ^= 0x10
    return bytes(out)


ONE = [((32, 24), R.BILINEAR, 3.0)]
NOT_TAKEN = {
    "16-bit grey PNG": (lambda: encode(Image.new("I;16", (64, 48), 4000), "PNG"), "PNG", "L"),
    "RGBA PNG": (lambda: encode(photo((64, 48)).convert("RGBA"), "PNG"), "PNG", "RGB"),
    "palette PNG": (lambda: encode(photo((64, 48)).convert("P"), "PNG"), "PNG", "RGB"),
    "a JPEG as PNG": (lambda: encode(photo((64, 48)), "JPEG"), "PNG", "RGB"),
    "a PNG as JPEG": (lambda: encode(photo((64, 48)), "PNG"), "JPEG", "RGB"),
    "RGB PNG asked as L": (lambda: encode(photo((64, 48)), "PNG"), "PNG", "L"),
    "PNG cut short": (lambda: encode(photo((64, 48)), "PNG")[:300], "PNG", "RGB"),
    "CMYK JPEG": (lambda: encode(photo((64, 48)).convert("CMYK"), "JPEG"), "JPEG", "RGB"),
    "JPEG cut short": (lambda: encode(photo((64, 48)), "JPEG")[:600], "JPEG", "RGB"),
    "JPEG without its end": (lambda: encode(photo((64, 48)), "JPEG")[:-2], "JPEG", "RGB"),
    "WebP": (lambda: encode(photo((64, 48)), "WEBP"), "WEBP", "RGB"),
}  # fmt: skip


@pytest.mark.parametrize("make, fmt, mode", NOT_TAKEN.values(), ids=NOT_TAKEN.keys())
def test_libvips_says_none_to_anything_else(make, fmt, mode):
    assert decode_steps(make(), fmt, mode, (64, 48), ONE) is None


def test_a_size_other_than_pillows_is_none():
    data = encode(photo((64, 48)), "JPEG")
    assert decode_steps(data, "JPEG", "RGB", (64, 48), ONE) is not None
    assert decode_steps(data, "JPEG", "RGB", (64, 47), ONE) is None
    assert decode_steps(data, "JPEG", "L", (64, 48), ONE) is None


def test_the_codestream_keeps_what_libjpeg_reads_and_nothing_else():
    exif = exif_with(orientation=6)
    data = encode(photo((64, 48)), "JPEG", exif=exif, icc_profile=b"x" * 40, comment=b"hi")
    data += b"vendor trailer"
    stream = jpeg.codestream(data)
    markers = [marker for marker, _, _ in jpeg.segments(stream)]
    assert 0xE0 in markers  # JFIF
    assert not {0xE1, 0xE2, 0xFE} & set(markers)
    assert stream.endswith(b"\xff\xd9") and b"vendor" not in stream
    with Image.open(BytesIO(stream)) as a, Image.open(BytesIO(data)) as b:
        assert a.tobytes() == b.tobytes()
    with pytest.raises(jpeg.Unwalkable):
        jpeg.codestream(data[:200])


# -- normalize: libvips where it can, Pillow otherwise, the same result ----------------------


def _normalized(data: bytes, detail=False) -> Derived:
    media = default_policy()["media"]
    return normalize(data, profile_for(media, media["detail_purposes"][0] if detail else None))


def _pillow_only(monkeypatch):
    monkeypatch.setattr(imaging, "decode_steps", lambda *args, **kwargs: None)


def _turned(img: Image.Image, orientation: int) -> Image.Image:
    undo = UNDO_ORIENTATION[orientation]
    return img.transpose(undo) if undo is not None else img


INPUTS = {
    "general JPEG": (lambda: encode(photo((3000, 2000), 9), "JPEG", quality=90), False),
    "gauge JPEG": (lambda: encode(photo((3000, 2000), 9), "JPEG", quality=90), True),
    "grey JPEG": (lambda: encode(photo((2400, 1800), 9).convert("L"), "JPEG"), False),
    "RGB PNG, EXIF after the pixels": (
        lambda: after_pixels(encode(photo((2400, 1300), 9), "PNG", exif=exif_with(orientation=1))),
        False,
    ),
    "grey PNG, gauge": (lambda: encode(photo((2400, 1300), 9).convert("L"), "PNG"), True),
}


@pytest.mark.parametrize("make, detail", INPUTS.values(), ids=INPUTS.keys())
def test_libvips_gives_byte_for_byte_what_pillow_gives(make, detail, monkeypatch, decodes):
    data = make()
    with Image.open(BytesIO(data)) as img:
        full = img.size
    fast = _normalized(data, detail)
    assert full not in decodes and not any(w > 2 for w, _ in decodes)  # Pillow decoded none
    _pillow_only(monkeypatch)
    slow = _normalized(data, detail)
    assert decodes  # the spy does see Pillow's decode
    assert fast == slow


@pytest.mark.parametrize("orientation", range(2, 9))
def test_a_turned_photo_comes_out_upright_and_as_pillow_turns_it(orientation, monkeypatch, decodes):
    """Turned after the resize: the same size as turning first, and within a level (the
    kernels are symmetric; a quarter turn swaps which pass, across or down, rounds to 8
    bits first)."""
    upright = photo((3000, 2000), 6)
    data = encode(
        _turned(upright, orientation), "JPEG", quality=90, exif=exif_with(orientation=orientation)
    )
    fast = _normalized(data)
    assert not decodes
    _pillow_only(monkeypatch)
    slow = _normalized(data)
    assert (fast.width, fast.height) == (slow.width, slow.height) == (1600, 1067)
    for a, b in ((fast.display, slow.display), (fast.thumb, slow.thumb)):
        with Image.open(BytesIO(a)) as x, Image.open(BytesIO(b)) as y:
            assert x.size == y.size
            difference = ImageStat.Stat(ImageChops.difference(x, y)).mean
            assert max(difference) < 1.0, difference


def test_a_png_turned_by_its_exif_after_the_pixels_is_turned(decodes):
    data = after_pixels(encode(photo((400, 300), 2), "PNG", exif=exif_with(orientation=6)))
    derived = _normalized(data)
    assert (derived.width, derived.height) == (300, 400)
    assert not decodes


@pytest.mark.parametrize(
    "make",
    [
        lambda: encode(photo((2400, 1800), 3).convert("CMYK"), "JPEG"),
        lambda: encode(photo((800, 600), 3).convert("RGBA"), "PNG"),
        lambda: encode(photo((800, 600), 3).convert("P"), "PNG"),
        lambda: encode(photo((800, 600), 3), "WEBP"),
        lambda: encode(photo((3200, 2400), 3), "JPEG"),  # draft decodes it at 1/2 scale
        lambda: _flipped(encode(photo((3000, 2000), 9), "JPEG")),
    ],
    ids=["CMYK JPEG", "RGBA PNG", "palette PNG", "WebP", "JPEG draft scales", "flipped bits"],
)
def test_what_libvips_does_not_take_pillow_decodes_as_before(make, monkeypatch, decodes):
    data = make()
    fast = _normalized(data)
    assert decodes  # Pillow's way
    _pillow_only(monkeypatch)
    assert _normalized(data) == fast


def _mutants(data: bytes, count: int, seed: int):
    """`data` with a few bytes changed, cut short or a run of it repeated, at random. In a
    PNG the change is made to the inflated rows (filter bytes included) and everything
    is sealed again, as a crafted file would be: Pillow checks every CRC and the
    stream's checksum, so a plain change would only test the check."""
    rng = random.Random(seed)
    sealed = data.startswith(png.MAGIC)
    body = _inflated(data) if sealed else data
    for _ in range(count):
        out = bytearray(body)
        kind = rng.randrange(3)
        if kind == 0:
            for _ in range(rng.randint(1, 6)):
                out[rng.randrange(2, len(out))] = rng.randrange(256)
        elif kind == 1:
            out = out[: rng.randrange(len(out) // 2, len(out))]
        else:
            at, length = rng.randrange(2, len(out)), rng.randint(1, 64)
            out[at:at] = out[at : at + length]
        yield _sealed(data, bytes(out)) if sealed else bytes(out)


def _inflated(data: bytes) -> bytes:
    idat = b"".join(data[s + 8 : e - 4] for k, s, e in png.chunks(data) if k == b"IDAT")
    return zlib.decompress(idat)


def _sealed(data: bytes, rows: bytes) -> bytes:
    """`data` with its pixel data replaced by `rows`, compressed, in one IDAT."""
    out, written = [png.MAGIC], False
    for kind, start, stop in png.chunks(data):
        if kind != b"IDAT":
            out.append(data[start:stop])
        elif not written:
            out.append(png.chunk(b"IDAT", zlib.compress(rows)))
            written = True
    return b"".join(out)


@pytest.mark.parametrize(
    "original",
    [
        encode(photo((800, 600), 11), "JPEG", quality=85),
        encode(
            photo((800, 600), 11),
            "JPEG",
            quality=85,
            progressive=True,
            exif=exif_with(orientation=6),
        ),
        encode(photo((400, 300), 11), "PNG"),
        after_pixels(
            encode(photo((400, 300), 11).convert("L"), "PNG", exif=exif_with(orientation=3))
        ),
    ],
    ids=["JPEG", "progressive JPEG, turned", "PNG", "grey PNG, EXIF after"],
)
def test_damaged_uploads_the_check_lets_through_come_out_as_pillow_makes_them(
    original, monkeypatch
):
    """Whatever passes the upload check, however damaged: where Pillow's way makes a
    display, libvips' way makes the very same one (upright: byte for byte) or leaves it
    to Pillow; where Pillow's way fails, nothing worse than an exception happens."""
    from server.exceptions import DomainError
    from server.media.checks import check_image

    media = default_policy()["media"]
    compared = 0
    for data in _mutants(original, 120, seed=len(original)):
        try:
            check_image(data, media)
        except DomainError:
            continue  # refused in the request: never processed
        with monkeypatch.context() as m:
            m.setattr(imaging, "decode_steps", lambda *args, **kwargs: None)
            try:
                slow = _normalized(data)
            except Exception:
                slow = None
        try:
            fast = _normalized(data)
        except Exception:
            fast = None
        if slow is None:
            continue  # processing marks it failed either way, or libvips made a display
        assert fast is not None
        assert (fast.width, fast.height) == (slow.width, slow.height)
        with Image.open(BytesIO(data)) as img:
            turned = imaging.read_exif(img, data).get(ORIENTATION, 1) != 1
        if not turned:
            assert fast == slow
        compared += 1
    assert compared >= 15  # many mutants are still images the check lets through
