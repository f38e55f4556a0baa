"""Resizing with libvips' resampler: Pillow's decoded pixels (resize_steps), or rows
streamed from libvips' own decode of a plain JPEG or PNG (decode_steps). Pillow encodes.

Why: Pillow's resampler is scalar C and libvips' vectorised: 2000→1600 took ~23 ms against
~9 ms. The kernels are the same as Pillow's: triangle, Catmull-Rom cubic, Lanczos a=3, with
the same "reducing gap" (a box reduction by an integer factor first). Results cross back
into Pillow by one copy each; Pillow encodes (docs/performance.md, "Media").
"""

from functools import cache

from PIL import Image

from server.media import jpeg, png

KERNELS = {
    Image.Resampling.BILINEAR: "linear",
    Image.Resampling.BICUBIC: "cubic",
    Image.Resampling.LANCZOS: "lanczos3",
}
BANDS = {"L": 1, "RGB": 3}  # what imaging.to_display_mode leaves


@cache
def _vips():
    """Imported on first use, not at app start: a worker process initialises libvips after
    the fork, never before it."""
    import pyvips

    # Photos are derived by worker threads already; libvips' own pool would only compete
    # with requests for the same cores. No operation cache: it would keep decoded buffers.
    pyvips.concurrency_set(1)
    pyvips.cache_set_max(0)
    return pyvips


def resize(
    img: Image.Image,
    size: tuple[int, int],
    resample: Image.Resampling,
    reducing_gap: float,
) -> Image.Image:
    """`img.resize(size, resample, reducing_gap=reducing_gap)`, computed by libvips.

    The gap is required: past a ratio of ~10 libvips' fixed-point weights lose a level (a
    flat 200 comes out 198), so a large reduction is always a box reduction first and the
    kernel's share stays under 2 × gap (tests/media/test_resample.py)."""
    return resize_steps(img, [(size, resample, reducing_gap)])[0]


def resize_steps(img: Image.Image, steps) -> list[Image.Image]:
    """Each step `(size, resample, reducing_gap)` resizes the previous step's result, as
    `resize` would; the pixels cross into libvips once (a thumbnail from the display costs
    no second copy)."""
    _check(img.mode, steps)
    pixels = img.tobytes()
    source = _vips().Image.new_from_memory(pixels, *img.size, BANDS[img.mode], "uchar")
    return _run(source, pixels, img.mode, steps)


def decode_steps(data: bytes, fmt: str, mode: str, size, steps) -> list | None:
    """`resize_steps` of the JPEG or PNG `data`, decoded by libvips, or None: the caller
    decodes it with Pillow.

    Why: libvips streams the decoder's rows into the first resize, where Pillow decodes
    the whole image into memory and `resize_steps` copies it across: a 12 MP gauge photo
    costs ~68 ms against ~96, a screenshot PNG ~18 against ~51. Both decode JPEG with
    libjpeg-turbo at the same settings and 8-bit grey or RGB PNG to the same samples: the
    same pixels, byte for byte (tests/media/test_decode.py). Pillow has decoded every byte
    of the upload once already, in its request (checks.check_image; a JPEG at 1/8 scale).

    libvips is given what the decoder needs and nothing more (jpeg.codestream,
    png.pixels_only): its own metadata parsers (libexif, ICC, XMP) never see an upload.
    `mode` and `size` are what Pillow's header says the decode gives (at full scale); any
    other answer, any other kind of image and any fault libvips finds is None."""
    _check(mode, steps)
    vips = _vips()
    if fmt in ("JPEG", "MPO"):
        try:
            stream, load = jpeg.codestream(data), vips.Image.jpegload_buffer
        except jpeg.Unwalkable:
            return None
    elif fmt == "PNG" and png.plain_8_bit(data):
        stream, load = png.pixels_only(data), vips.Image.pngload_buffer
    else:
        return None
    try:
        source = load(stream, access="sequential", fail_on="warning")
        if (source.format, source.bands, source.width, source.height) != (
            "uchar",
            BANDS[mode],
            *size,
        ):
            return None
        return _run(source, None, mode, steps)
    except vips.Error:
        return None


def _check(mode: str, steps) -> None:
    if mode not in BANDS:
        raise ValueError(f"resize takes L or RGB pixels, not {mode}")
    for size, resample, reducing_gap in steps:
        if resample not in KERNELS:
            raise ValueError(f"no libvips kernel for {resample!r}")
        if size[0] < 1 or size[1] < 1:
            raise ValueError(f"empty size {size}")
        if not reducing_gap >= 1.0:
            raise ValueError(f"reducing gap {reducing_gap} under 1")


def _run(source, pixels: bytes | None, mode: str, steps) -> list[Image.Image]:
    """The steps from a libvips image; `pixels` are its samples when already in memory."""
    vips, current, out = _vips(), (source.width, source.height), []
    for size, resample, reducing_gap in steps:
        if size != current:
            source = source.resize(
                size[0] / current[0],
                vscale=size[1] / current[1],
                kernel=KERNELS[resample],
                gap=reducing_gap,
            )
            if (source.width, source.height) != size:  # libvips rounds w × (target / w)
                raise ValueError(f"libvips made {source.width}×{source.height}, not {size}")
            current, pixels = size, None
        if pixels is None:
            pixels = source.write_to_memory()
            # The next step starts from these samples, not from the whole pipeline again.
            source = vips.Image.new_from_memory(pixels, *size, BANDS[mode], "uchar")
        out.append(Image.frombytes(mode, size, pixels))
    return out
