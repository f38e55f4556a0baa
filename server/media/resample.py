"""Resizing decoded pixels with libvips' resampler; Pillow stays the codec.

Why: the one step where the media pipeline lost to pyvips was Pillow's resampler (scalar C;
libvips' is vectorised): 2000→1600 took ~23 ms against ~9 ms. Decoding and encoding stay in
Pillow, whose libjpeg-turbo paths are the faster of the two (docs/performance.md, "Media").
The pixels cross by one copy each way (~3 ms for 3 MP). The kernels are the same as Pillow's:
triangle, Catmull-Rom cubic, Lanczos a=3, with the same "reducing gap" (a box reduction by
an integer factor first).
"""

from functools import cache

from PIL import Image

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
    if img.mode not in BANDS:
        raise ValueError(f"resize takes L or RGB pixels, not {img.mode}")
    for size, resample, reducing_gap in steps:
        if resample not in KERNELS:
            raise ValueError(f"no libvips kernel for {resample!r}")
        if size[0] < 1 or size[1] < 1:
            raise ValueError(f"empty size {size}")
        if not reducing_gap >= 1.0:
            raise ValueError(f"reducing gap {reducing_gap} under 1")
    vips, bands = _vips(), BANDS[img.mode]
    pixels, current = img.tobytes(), img.size
    out = []
    for size, resample, reducing_gap in steps:
        if size != current:
            source = vips.Image.new_from_memory(pixels, *current, bands, "uchar")
            scaled = source.resize(
                size[0] / current[0],
                vscale=size[1] / current[1],
                kernel=KERNELS[resample],
                gap=reducing_gap,
            )
            if (scaled.width, scaled.height) != size:  # libvips rounds w × (target / w)
                raise ValueError(f"libvips made {scaled.width}×{scaled.height}, not {size}")
            pixels, current = scaled.write_to_memory(), size
        out.append(Image.frombytes(img.mode, size, pixels))
    return out
