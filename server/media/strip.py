"""The original without camera or location metadata: what everyone but an admin receives.

The untouched upload stays as evidence (its SHA-256 is the media address); this copy
drops every metadata segment, chunk or item — EXIF (GPS, Make, Model, serial numbers,
MakerNote, the embedded thumbnail), XMP, IPTC, comments, vendor trailers — and carries a
fresh EXIF with only the capture time, the orientation (so it displays as the original
does) and, where the dealer's policy keeps it, GPS. The coded pixels are copied byte for
byte, never re-encoded:

- JPEG: marker segments are walked; APP0 JFIF, APP2 ICC profile and APP14 Adobe (colour
  transform) stay, every other APPn and COM goes, nothing after the end marker is kept
  (vendor trailers, an MPO's second image). A JPEG the walk cannot follow is re-encoded
  once with its own quantization tables (`quality="keep"`).
- PNG: critical and rendering chunks stay (IHDR, PLTE, IDAT, tRNS, gAMA, cHRM, sRGB, iCCP,
  …); eXIf, text, time and private chunks go.
- WebP: VP8/VP8L/ALPH/ICCP (and VP8X with its EXIF/XMP flags updated) stay; EXIF, XMP and
  unknown chunks go.
- HEIF: the Exif, XMP (mime) and uri items are overwritten in place, at the same length,
  so the item locations still hold; the coded images are untouched.
"""

import struct
from io import BytesIO

from PIL import Image

from server.media import heif, jpeg, png
from server.media.checks import FORMATS
from server.media.imaging import kept_exif, read_exif
from server.media.jpeg import Unwalkable

EXIF_PREFIX = b"Exif\x00\x00"
PNG_KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP",
    b"sBIT", b"bKGD", b"pHYs", b"cICP", b"mDCv", b"cLLI", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip
WEBP_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ICCP", b"ANIM", b"ANMF"}
WEBP_EXIF_FLAG, WEBP_XMP_FLAG = 0x08, 0x04


def strip(data: bytes, keep_gps: bool) -> bytes:
    """The copy of `data` for everyone but admins (see the module docstring)."""
    with Image.open(BytesIO(data), formats=FORMATS) as img:
        fmt, size = img.format, img.size
        exif = kept_exif(read_exif(img, data), keep_gps, orientation=True)
    if fmt in ("JPEG", "MPO"):
        try:
            out = _jpeg(data, exif)
        except Unwalkable:
            out = _jpeg_reencoded(data, exif)
    else:
        out = {"PNG": _png, "WEBP": _webp, "HEIF": _heif}[fmt](data, exif)
    with Image.open(BytesIO(out), formats=FORMATS) as check:
        if check.size != size:
            raise Unwalkable("the stripped copy does not describe the same image")
    return out


def _jpeg(data: bytes, exif: bytes) -> bytes:
    out, exif_written = [b"\xff\xd8"], not exif
    for marker, start, stop in jpeg.segments(data):
        if jpeg.is_metadata(marker):
            if _jpeg_keeps(marker, data[start + 4 : stop]):
                out.append(data[start:stop])
            continue
        if not exif_written:
            # After JFIF/ICC/Adobe, before the tables: where readers look for it.
            out.append(b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif)
            exif_written = True
        out.append(data[start:stop])
    # The end marker ends the walk: trailers and appended images stay behind.
    return b"".join(out)


def _jpeg_keeps(marker: int, payload: bytes) -> bool:
    """What libjpeg reads (JFIF, Adobe's colour transform), and the ICC profile (colour)."""
    return jpeg.read_by_decoder(marker, payload) or (
        marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00")
    )


def _jpeg_reencoded(data: bytes, exif: bytes) -> bytes:
    with Image.open(BytesIO(data), formats=FORMATS) as img:
        out = BytesIO()
        # Its own tables and subsampling: as little generation loss as a re-encode allows.
        options: dict = {"quality": "keep" if img.format == "JPEG" else 95, "comment": b""}
        if icc := img.info.get("icc_profile"):
            options["icc_profile"] = icc
        if exif:
            options["exif"] = exif
        img.save(out, "JPEG", **options)
        return out.getvalue()


def _png(data: bytes, exif: bytes) -> bytes:
    if not data.startswith(png.MAGIC):
        raise Unwalkable("not a PNG")
    out, exif_written = [png.MAGIC], not exif
    for kind, start, stop in png.chunks(data):
        if stop > len(data):
            raise Unwalkable("chunk runs past the end")
        if kind in (b"IDAT", b"fdAT", b"acTL") and not exif_written:
            out.append(png.chunk(b"eXIf", exif.removeprefix(EXIF_PREFIX)))
            exif_written = True
        if kind in PNG_KEEP:
            out.append(data[start:stop])
        if kind == b"IEND":
            return b"".join(out)
    raise Unwalkable("no IEND chunk")


def _webp(data: bytes, exif: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise Unwalkable("not a WebP")
    end = min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    chunks, i = [], 12
    while i + 8 <= end:
        kind = data[i : i + 4]
        stop = i + 8 + int.from_bytes(data[i + 4 : i + 8], "little")
        if stop > end:
            raise Unwalkable("chunk runs past the end")
        if kind in WEBP_KEEP:
            chunks.append([kind, data[i + 8 : stop]])
        i = stop + (stop & 1)
    extended = chunks and chunks[0][0] == b"VP8X"
    if extended:
        header = bytearray(chunks[0][1])
        header[0] &= ~(WEBP_EXIF_FLAG | WEBP_XMP_FLAG) & 0xFF
        if exif:
            # EXIF is legal only in the extended format; a simple file never had any.
            header[0] |= WEBP_EXIF_FLAG
            chunks.append([b"EXIF", exif.removeprefix(EXIF_PREFIX)])
        chunks[0][1] = bytes(header)
    body = b"".join(
        kind + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)
        for kind, payload in chunks
    )
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def _heif(data: bytes, exif: bytes) -> bytes:
    out = bytearray(data)
    try:
        items = heif.metadata_items(data, in_idat=True)
    except heif.MalformedHeif as exc:
        raise Unwalkable(str(exc)) from exc
    for kind, offset, length in items:
        if offset + length > len(data):
            raise Unwalkable("a metadata item runs past the end")
        out[offset : offset + length] = _heif_item(kind, exif, length)
    return bytes(out)


def _heif_item(kind: bytes, exif: bytes, length: int) -> bytes:
    """What overwrites a metadata item of `length` bytes: for Exif, the kept EXIF (4-byte
    TIFF header offset, then TIFF) padded with zeros, or an empty TIFF when it does not
    fit; for XMP and other items, spaces (an XMP packet may be padded so)."""
    if kind != b"Exif":
        return b" " * length
    tiff = exif.removeprefix(EXIF_PREFIX) if exif else b""
    if 4 + len(tiff) > length:
        tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00"  # no tags
    item = (b"\x00\x00\x00\x00" + tiff)[:length]
    return item + b"\x00" * (length - len(item))
