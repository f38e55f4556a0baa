"""Normalization: from the verified upload, a display JPEG and a thumbnail.

Fast path for JPEG: `draft` asks libjpeg to decode at 1/2, 1/4 or 1/8 scale. It is
called with the aspect-matched target *before* `exif_transpose` (which loads the
image); `thumbnail()` alone asks for a square box, which on a 4:3 photo never lets
draft reduce.
"""

from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps

from server.media.checks import FORMATS
from server.media.resample import resize_steps

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


def normalize(source, profile: Profile) -> Derived:
    """Decode `source` (path or file) once at reduced scale; return display and thumbnail."""
    with Image.open(source, formats=FORMATS) as img:
        exif = kept_exif(img.getexif(), profile.keep_gps)
        # An ICC profile is colour, not personal data; a CMYK one would be wrong after convert.
        icc = img.info.get("icc_profile") if img.mode in ("RGB", "RGBA") else None
        target = _fit(img.size, profile.long_edge)
        if img.format in ("JPEG", "MPO"):
            img.draft("RGB" if img.mode in ("RGB", "L", "YCbCr") else None, target)
        # in_place: no copy of the decoded pixels when the photo is already upright.
        ImageOps.exif_transpose(img, in_place=True)
        display = to_display_mode(img)
    fitted = _fit(display.size, profile.long_edge)
    # After draft the ratio left is under 2: a triangle filter is within 0.003 SSIM of
    # LANCZOS there at half the cost (docs/performance.md). Digits get LANCZOS.
    kernel = Image.Resampling.LANCZOS if profile.detail else Image.Resampling.BILINEAR
    display, thumb = resize_steps(
        display,
        [(fitted, kernel, 3.0), (_fit(fitted, profile.thumb_px), Image.Resampling.BICUBIC, 2.0)],
    )
    return Derived(
        display=_jpeg(display, profile.quality, profile.detail, exif, icc),
        thumb=_jpeg(thumb, profile.thumb_quality, False, b"", icc),
        width=display.width,
        height=display.height,
    )
