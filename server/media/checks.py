"""What an upload must be: a real still photo in an accepted format, within the limits.

The format is read from the bytes, never from a file name or Content-Type. Every
refusal is a server.exceptions.Refused (415: Unsupported); nothing is kept.
"""

import warnings
from dataclasses import dataclass
from io import BytesIO

import pillow_heif
from PIL import Image, ImageFile

from server.dealers.policy import MAX_PIXELS_CEILING
from server.exceptions import DomainError, Refused, Unsupported
from server.media import heif, png
from server.media.polyglot import carries_other_document

pillow_heif.register_heif_opener()
# Pillow's own guard is the hard ceiling; each dealer's lower limit is checked below.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS_CEILING
ImageFile.LOAD_TRUNCATED_IMAGES = False
warnings.simplefilter("error", Image.DecompressionBombWarning)

# Pillow never gets to guess among its other ~40 formats (a TGA or an EPS has no magic).
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
MIME = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
KNOWN_OTHERS = [
    (b"GIF8", "a GIF"),
    (b"%PDF", "a PDF"),
    (b"<svg", "an SVG"),
    (b"<?xml", "an XML/SVG document"),
    (b"<!doc", "an HTML page"),
    (b"<html", "an HTML page"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"BM", "a BMP"),
    (b"II*\x00", "a TIFF"),
    (b"MM\x00*", "a TIFF"),
]


@dataclass(frozen=True)
class ImageInfo:
    format: str
    mime: str
    width: int
    height: int


def refuse(detail: str, slug: str) -> Refused:
    return Refused(detail, slug=slug)


def sniff(data: bytes) -> str | None:
    """The format the leading bytes announce, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == png.MAGIC:
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp":
        size = int.from_bytes(data[:4], "big")
        box = data[8 : max(16, min(size, 256))]
        brands = {box[i : i + 4] for i in range(0, len(box) - 3, 4)}
        if brands & HEIF_BRANDS:
            return "HEIF"
    return None


def _describe(data: bytes) -> str:
    head = data[:64].lstrip().lower()
    for magic, name in KNOWN_OTHERS:
        if head.startswith(magic.lower()):
            return name
    return "an unknown format"


def check_image(data: bytes, media_policy: dict) -> ImageInfo:
    """Refuse anything but one complete still image in an accepted format, within limits."""
    if not data:
        raise refuse("The upload is empty (zero bytes).", "empty-media")
    fmt = sniff(data)
    if fmt is None:
        raise Unsupported(
            f"The bytes are {_describe(data)}, not a JPEG, PNG, WebP or HEIC image "
            "(the file name and Content-Type are not trusted)."
        )
    if fmt == "HEIF":
        _check_heif_boxes(data)
    if carries_other_document(data, fmt):
        raise refuse(
            "The image carries another document (markup, script, archive or trailing data).",
            "polyglot-media",
        )
    try:
        with Image.open(BytesIO(data), formats=FORMATS) as img:
            info = _check_open_image(img, media_policy)
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise refuse("The image has too many pixels.", "too-many-pixels") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, RuntimeError) as exc:
        # OSError covers truncated data and Pillow's UnidentifiedImageError; RuntimeError is
        # how libheif says no (a coded image larger than its header), should it be asked.
        raise refuse(
            f"The image could not be decoded ({_reason(exc)}).", "unreadable-image"
        ) from exc
    return info


def _check_heif_boxes(data: bytes) -> None:
    """Every byte of a HEIF must belong to one of its boxes."""
    try:
        heif.layout(data)
    except heif.ForeignContent as exc:
        raise refuse(
            f"The HEIF file carries data that is not part of the image ({exc}).",
            "polyglot-media",
        ) from exc
    except heif.MalformedHeif as exc:
        raise refuse(f"The HEIF file is malformed ({exc}).", "unreadable-image") from exc


def _reason(exc: Exception) -> str:
    text = str(exc)
    return "truncated" if "truncated" in text else exc.__class__.__name__


def _check_open_image(img: Image.Image, media_policy: dict) -> ImageInfo:
    if img.format not in MIME:
        raise Unsupported(f"{img.format} images are not accepted.")
    if getattr(img, "n_frames", 1) > 1 and img.format != "MPO":
        raise refuse("Animated images are not accepted; send one still photo.", "animated-image")
    width, height = img.size
    if width < 1 or height < 1:
        raise refuse("The image has no pixels.", "unreadable-image")
    if width * height > media_policy["max_pixels"]:
        raise refuse(
            f"The image has {width}×{height} pixels; the limit is {media_policy['max_pixels']}.",
            "too-many-pixels",
        )
    if img.format == "HEIF":
        # HEVC has no reduced-scale decode: all 12 MP of a phone's HEIC would cost ~0.4 s
        # of the request. The size above is the header's (libheif parses, never decodes);
        # the box walk and item extents (heif.layout) found a file cut short. The pixels
        # are decoded once, by processing; a stream broken inside ends there as "failed".
        return ImageInfo(img.format, MIME[img.format], width, height)
    # Decoding every byte is what finds a truncated file; draft keeps a JPEG decode cheap.
    img.draft("RGB", (max(1, width // 8), max(1, height // 8)))
    img.load()
    return ImageInfo(img.format, MIME[img.format], width, height)
