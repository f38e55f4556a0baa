"""A PNG's metadata read without decoding its pixels: exactly what Pillow's own way reads,
and where the stand-in cannot give it, the image itself answers. (libvips decoding a
plain PNG: tests/media/test_decode.py.)"""

import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image

from server.media import png
from server.media.imaging import read_exif
from server.media.strip import strip
from tests.media.images import after_pixels, encode, exif_with, photo

ORIENTATION, EXIF_IFD, CAPTURED = 0x0112, 0x8769, 0x9003


def text(key: bytes, value: bytes) -> bytes:
    return png.chunk(b"tEXt", key + b"\x00" + value)


def raw_profile(exif: bytes) -> bytes:
    """ImageMagick's way: the EXIF block as hex in a text chunk."""
    body = exif.hex()
    return text(b"Raw profile type exif", f"\nexif\n{len(exif)}\n{body}\n".encode())


def xmp(orientation: int) -> bytes:
    packet = f'<x:xmpmeta><rdf:Description tiff:Orientation="{orientation}"/></x:xmpmeta>'
    return png.chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + packet.encode())


def pillows_own(data: bytes) -> dict:
    with Image.open(BytesIO(data)) as img:
        exif = img.getexif()  # loads the whole image when it must
        return {**dict(exif), "ifd": dict(exif.get_ifd(EXIF_IFD))}


PLAIN = encode(photo((320, 240), 3), "PNG")
CASES = {
    "eXIf before the pixels": encode(photo((320, 240), 3), "PNG", exif=exif_with(orientation=6)),
    "eXIf after the pixels": after_pixels(
        encode(photo((320, 240), 3), "PNG", exif=exif_with(orientation=6))
    ),
    "raw profile text after": after_pixels(PLAIN, raw_profile(exif_with(orientation=3))),
    "XMP orientation after": after_pixels(PLAIN, xmp(8)),
    "eXIf and XMP after": after_pixels(
        encode(photo((320, 240), 3), "PNG", exif=exif_with()), xmp(5)
    ),
    "no metadata": PLAIN,
}


@pytest.mark.parametrize("data", CASES.values(), ids=CASES.keys())
def test_metadata_is_what_pillow_reads_without_decoding_the_pixels(data, decodes):
    with Image.open(BytesIO(data)) as img:
        exif = read_exif(img, data)
        got = {**dict(exif), "ifd": dict(exif.get_ifd(EXIF_IFD))}
    assert (320, 240) not in decodes
    assert got == pillows_own(data)
    if b"eXIf" not in data[: data.index(b"IDAT")]:
        assert (320, 240) in decodes  # Pillow's own way decodes them: the spy sees it


def test_the_cases_carry_what_they_say():
    assert pillows_own(CASES["eXIf after the pixels"])[ORIENTATION] == 6
    assert pillows_own(CASES["raw profile text after"])[ORIENTATION] == 3
    assert pillows_own(CASES["XMP orientation after"])[ORIENTATION] == 8
    both = pillows_own(CASES["eXIf and XMP after"])
    assert both[ORIENTATION] == 5 and both["ifd"][CAPTURED] == "2026:11:25 10:30:00"


def test_a_text_chunk_pillow_would_not_check_falls_back_to_the_image(decodes):
    """After the pixels Pillow skips a chunk's CRC; on the stand-in it would check it.
    The image itself answers then: the same EXIF, at the cost of a decode."""
    bad = bytearray(text(b"Comment", b"hello"))
    bad[-1] ^= 0xFF
    data = after_pixels(
        encode(photo((320, 240), 3), "PNG", exif=exif_with(orientation=6)), bytes(bad)
    )
    with Image.open(BytesIO(data)) as img:
        exif = read_exif(img, data)
        assert exif[ORIENTATION] == 6
    assert (320, 240) in decodes


def test_an_animated_png_or_other_bytes_get_no_stand_in():
    frames = [photo((64, 48), s) for s in range(2)]
    animated = encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
    assert b"acTL" in animated
    assert png.metadata_only(animated) is None
    assert png.metadata_only(encode(photo((64, 48)), "JPEG")) is None
    assert png.metadata_only(PLAIN) is not None


def test_chunks_walk_to_iend_and_show_a_chunk_cut_short():
    kinds = [kind for kind, _, _ in png.chunks(PLAIN + b"trailing")]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    cut = PLAIN[: PLAIN.index(b"IDAT") + 20]
    *_, (kind, _, stop) = png.chunks(cut)
    assert kind == b"IDAT" and stop > len(cut)


def test_plain_8_bit_reads_the_header_only():
    assert png.plain_8_bit(encode(photo((8, 8)), "PNG"))
    assert png.plain_8_bit(encode(photo((8, 8)).convert("L"), "PNG"))
    assert not png.plain_8_bit(encode(photo((8, 8)).convert("RGBA"), "PNG"))
    assert not png.plain_8_bit(encode(photo((8, 8)).convert("P"), "PNG"))
    assert not png.plain_8_bit(encode(Image.new("I;16", (8, 8)), "PNG"))
    assert not png.plain_8_bit(encode(photo((8, 8)).convert("1"), "PNG"))
    assert not png.plain_8_bit(b"\x89PNG\r\n\x1a\n")


def test_pixels_only_keeps_what_a_decoder_needs():
    data = after_pixels(
        encode(photo((64, 48)), "PNG", exif=exif_with(orientation=6), icc_profile=b"x" * 40),
        text(b"Comment", b"hello"),
        xmp(3),
    )
    kinds = [kind for kind, _, _ in png.chunks(data)]
    assert {b"eXIf", b"iCCP", b"tEXt", b"iTXt"} <= set(kinds)
    only = png.pixels_only(data)
    assert [kind for kind, _, _ in png.chunks(only)] == [k for k in kinds if k in png.PIXELS]
    with Image.open(BytesIO(only)) as img, Image.open(BytesIO(data)) as original:
        assert img.tobytes() == original.tobytes()


# -- the stripped copy and the stand-in itself ---------------------------------------------


def test_strip_reads_a_pngs_metadata_without_decoding_it(decodes):
    data = after_pixels(encode(photo((400, 300), 2), "PNG", exif=exif_with(orientation=6)))
    out = strip(data, keep_gps=False)
    assert (400, 300) not in decodes
    with Image.open(BytesIO(out)) as copy:
        exif = copy.getexif()
        assert exif[ORIENTATION] == 6
        assert exif.get_ifd(EXIF_IFD)[CAPTURED] == "2026:11:25 10:30:00"


def test_a_stand_in_is_a_png_pillow_reads_as_1_by_1():
    meta = png.metadata_only(CASES["eXIf and XMP after"])
    with Image.open(BytesIO(meta)) as img:
        assert img.size == (1, 1) and img.mode == "L"
    length, kind = struct.unpack(">I4s", meta[8:16])
    assert kind == b"IHDR" and length == 13
    assert zlib.crc32(meta[12:29]) == int.from_bytes(meta[29:33], "big")
