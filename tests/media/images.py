"""Test images made with Pillow: photo-like content, formats, and deliberately bad files."""

import hashlib
import struct
import zlib
from io import BytesIO

from PIL import Image, ImageDraw

from server.media import png

# What to store so that applying EXIF orientation n gives back the upright image.
UNDO_ORIENTATION = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
QUADRANTS = {"tl": (220, 30, 30), "tr": (30, 200, 30), "bl": (30, 30, 220), "br": (240, 240, 240)}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def photo(size=(800, 600), seed=0) -> Image.Image:
    """Gradients and shapes: compresses like a photo, not like a flat colour."""
    w, h = size
    gradient = Image.linear_gradient("L").resize(size)
    img = Image.merge(
        "RGB", (gradient, gradient.rotate(90).resize(size), Image.effect_noise(size, 40))
    )
    draw = ImageDraw.Draw(img)
    for i in range(12):
        x, y = (seed * 37 + i * 71) % w, (seed * 53 + i * 43) % h
        draw.ellipse((x, y, x + w // 6, y + h // 6), fill=((i * 40) % 255, 120, (i * 90) % 255))
    return img


def encode(img: Image.Image, fmt="JPEG", **options) -> bytes:
    out = BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def jpeg(size=(800, 600), seed=0, **options) -> bytes:
    return encode(photo(size, seed), "JPEG", quality=85, **options)


def quadrant_image(size=(400, 300)) -> Image.Image:
    w, h = size
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w // 2, h // 2), fill=QUADRANTS["tl"])
    draw.rectangle((w // 2, 0, w, h // 2), fill=QUADRANTS["tr"])
    draw.rectangle((0, h // 2, w // 2, h), fill=QUADRANTS["bl"])
    draw.rectangle((w // 2, h // 2, w, h), fill=QUADRANTS["br"])
    return img


def oriented_jpeg(orientation: int) -> bytes:
    """A JPEG that shows quadrant_image() upright only once EXIF orientation is applied."""
    img = quadrant_image()
    if UNDO_ORIENTATION[orientation] is not None:
        img = img.transpose(UNDO_ORIENTATION[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(img, "JPEG", quality=95, exif=exif.tobytes())


def exif_with(capture="2026:11:25 10:30:00", gps=True, huge=0, orientation=None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if orientation is not None:
        exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0x9003] = capture
    exif.get_ifd(0x8769)[0x9011] = "+08:00"
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)})
    if huge:
        exif[0x010E] = "x" * huge  # ImageDescription
    return exif.tobytes()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width×height pixels (a decompression bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def animated(fmt: str) -> bytes:
    frames = [photo((64, 48), seed) for seed in range(3)]
    out = BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def after_pixels(data: bytes, *extra: bytes) -> bytes:
    """`data` with its metadata chunks, and `extra` chunks, moved after the last IDAT (as
    ImageMagick and some editors write them): Pillow finds those only by decoding."""
    parts, moved = [], list(extra)
    for kind, start, stop in png.chunks(data):
        if kind in png.METADATA:
            moved.append(data[start:stop])
        elif kind == b"IEND":
            parts += moved
            parts.append(data[start:stop])
        else:
            parts.append(data[start:stop])
    return png.MAGIC + b"".join(parts)
