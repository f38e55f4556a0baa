"""Normalization: from the verified upload, a display JPEG and a thumbnail.

Fast path for JPEG: `draft` asks libjpeg to decode at 1/2, 1/4 or 1/8 scale. It is
called with the aspect-matched target *before* `exif_transpose` (which loads the
image); `thumbnail()` alone asks for a square box, which on a 4:3 photo never lets
draft reduce.

Decoding: libvips, for 8-bit grey or RGB PNG and a grey or RGB JPEG decoded at full scale
(resample.decode_steps: the same pixels as Pillow's, streamed into the resize); Pillow
for everything else, and whenever libvips says no. Metadata is Pillow's to read, a PNG's
without decoding its pixels (read_exif).
"""

import logging
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps

from server.media import png
from server.media.checks import FORMATS
from server.media.resample import decode_steps, resize_steps

log = logging.getLogger(__name__)

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
# Capture time (and its offset and sub-seconds) is the only metadata kept.
CAPTURE_TAGS = (0x9003, 0x9011, 0x9291)
IFD0_DATETIME = 0x0132
ORIENTATION = 0x0112


@dataclass(frozen=True)
class Profile:
    long_edge: int
    detail: bool  # 4:4:4 chroma so digits on gauges and nameplates stay sharp
    quality: int
    thumb_px: int
    thumb_quality: int
    keep_gps: bool


@dataclass(frozen=True)
class Derived:
    display: bytes
    thumb: bytes
    width: int
    height: int


def profile_for(media_policy: dict, purpose: str | None) -> Profile:
    detail = purpose in media_policy["detail_purposes"]
    return Profile(
        long_edge=media_policy["detail_long_edge_px" if detail else "general_long_edge_px"],
        detail=detail,
        quality=media_policy["display_quality"],
        thumb_px=media_policy["thumbnail_px"],
        thumb_quality=media_policy["thumbnail_quality"],
        keep_gps=media_policy["keep_gps"],
    )


def _fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, long_edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def kept_exif(exif: Image.Exif, keep_gps: bool, *, orientation: bool = False) -> bytes:
    """A fresh EXIF block holding only the capture time (and GPS when the policy says;
    and the orientation for an image whose pixels are not turned upright)."""
    out = Image.Exif()
    turned = orientation and exif.get(ORIENTATION, 1) != 1
    if turned:
        out[ORIENTATION] = exif[ORIENTATION]
    source = exif.get_ifd(EXIF_IFD)
    capture = {tag: source[tag] for tag in CAPTURE_TAGS if tag in source}
    if not capture and IFD0_DATETIME in exif:
        capture = {0x9003: exif[IFD0_DATETIME]}
    if capture:
        out.get_ifd(EXIF_IFD).update(capture)
    if keep_gps and (gps := exif.get_ifd(GPS_IFD)):
        out.get_ifd(GPS_IFD).update(gps)
    return out.tobytes() if capture or turned or (keep_gps and gps) else b""


def to_display_mode(img: Image.Image) -> Image.Image:
    """RGB or L, whatever came in: CMYK, 16-bit, palette, alpha (flattened onto white)."""
    if img.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit samples: scale down, a plain convert would clip everything above 255.
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif img.mode == "F":
        img = img.convert("L")
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("PA", "LA", "La", "RGBa", "RGBA"):
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if img.mode in ("L", "RGB"):
        return img
    return img.convert("RGB")  # CMYK, YCbCr, LAB, HSV, 1


def _jpeg(img: Image.Image, quality: int, detail: bool, exif: bytes, icc) -> bytes:
    out = BytesIO()
    # comment: Pillow would copy a source JPEG's COM segment (free text) into the output.
    options = {"quality": quality, "progressive": True, "optimize": True, "comment": b""}
    if img.mode == "RGB":
        options["subsampling"] = 0 if detail else 2
    if exif:
        options["exif"] = exif
    if icc:
        options["icc_profile"] = icc
    img.save(out, "JPEG", **options)
    return out.getvalue()


def read_exif(img: Image.Image, data: bytes) -> Image.Exif:
    """`img.getexif()` of `img`, which is `data` opened, without decoding a PNG's pixels
    to find it (png.metadata_only: Pillow reads the same chunks from a 1×1 stand-in)."""
    if img.format == "PNG" and "exif" not in img.info and (meta := png.metadata_only(data)):
        try:
            with Image.open(BytesIO(meta), formats=("PNG",)) as stand_in:
                return stand_in.getexif()
        except Exception as exc:  # the stand-in only saves time: the image itself decides
            # e.g. a text chunk with a bad CRC: Pillow checks CRCs before the pixels, not
            # after them. The image answers then, at the cost of its decode.
            log.debug("PNG metadata read from the image itself: %r", exc)
    return img.getexif()


def _steps(size: tuple[int, int], profile: Profile) -> list:
    """Display, then the thumbnail from it (resample.resize_steps)."""
    fitted = _fit(size, profile.long_edge)
    # After draft the ratio left is under 2: a triangle filter is within 0.003 SSIM of
    # LANCZOS there at half the cost (docs/performance.md). Digits get LANCZOS.
    kernel = Image.Resampling.LANCZOS if profile.detail else Image.Resampling.BILINEAR
    thumb = _fit(fitted, profile.thumb_px)
    return [(fitted, kernel, 3.0), (thumb, Image.Resampling.BICUBIC, 2.0)]


def _by_libvips(img: Image.Image, data: bytes, exif: Image.Exif, profile: Profile):
    """Display and thumbnail decoded by libvips (resample.decode_steps), turned upright,
    or None for what it does not take (only grey or RGB JPEG and PNG) and for an
    orientation Pillow's exif_transpose has no turn for.

    A JPEG that draft scales down stays Pillow's: libjpeg's scaled decode is cheap, and
    Pillow's was 1-10 % the faster there; at full scale libvips was 2 % (4 MP) to 18 %
    (12 MP) the faster (docs/performance.md, "Media")."""
    orientation = exif.get(ORIENTATION, 1)
    if img.mode not in ("L", "RGB") or orientation not in range(1, 9):
        return None
    steps = _steps(img.size, profile)
    images = decode_steps(data, img.format, img.mode, img.size, steps)
    if images is None or orientation == 1:
        return images
    # Turned after resizing (the sizes are symmetric in width and height), by Pillow's own
    # exif_transpose: cheaper on 2 MP than on 12, and the rule stays in one place.
    turn = Image.Exif()
    turn[ORIENTATION] = orientation
    for small in images:
        small.info["exif"] = turn.tobytes()
    return [ImageOps.exif_transpose(small) for small in images]


def normalize(data: bytes, profile: Profile) -> Derived:
    """Decode the upload once (a JPEG at reduced scale); return display and thumbnail."""
    with Image.open(BytesIO(data), formats=FORMATS) as img:
        found = read_exif(img, data)
        exif = kept_exif(found, profile.keep_gps)
        # An ICC profile is colour, not personal data; a CMYK one would be wrong after convert.
        icc = img.info.get("icc_profile") if img.mode in ("RGB", "RGBA") else None
        scaled = False
        if img.format in ("JPEG", "MPO"):
            width, target = img.width, _fit(img.size, profile.long_edge)
            drafted = img.draft("RGB" if img.mode in ("RGB", "L", "YCbCr") else None, target)
            scaled = drafted is not None and drafted[1][2] != width  # box: original / scale
        images = None if scaled else _by_libvips(img, data, found, profile)
        if images is None:
            # in_place: no copy of the decoded pixels when the photo is already upright.
            ImageOps.exif_transpose(img, in_place=True)
            upright = to_display_mode(img)
            images = resize_steps(upright, _steps(upright.size, profile))
    display, thumb = images
    return Derived(
        display=_jpeg(display, profile.quality, profile.detail, exif, icc),
        thumb=_jpeg(thumb, profile.thumb_quality, False, b"", icc),
        width=display.width,
        height=display.height,
    )
