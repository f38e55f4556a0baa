"""Finding a second document hidden in an image (a polyglot).

Markup or script is looked for where a file can carry it: metadata segments and
chunks (JPEG APPn/COM, PNG ancillary chunks, WebP metadata chunks) and anything after
the image's own end. Compressed pixel data is not scanned: by chance alone it would
contain "<html" or "<svg " about once in 30 000 photos, a refusal the technician
could never get past, and the bytes are served typed and `nosniff` anyway. A HEIF's
boxes are walked (server/media/heif.py; checks.py refuses a file that does not walk):
its meta box and metadata items are scanned, its coded pixels are not.
"""

import re

from server.media import heif, jpeg, png

ACTIVE_CONTENT = re.compile(
    rb"<(?:script|html|svg[\s>]|\?php|!doctype|iframe|body[\s>]|object|embed)|%PDF-",
    re.IGNORECASE,
)
# Another file glued after a JPEG's end (ZIP, PDF, image, archive signatures).
APPENDED_FILE = re.compile(rb"PK\x03\x04|PK\x05\x06|%PDF|GIF8|\x89PNG|Rar!|7z\xbc\xaf|ftyp")
PIXEL_CHUNKS = {b"IDAT", b"VP8 ", b"VP8L", b"ALPH", b"ANMF"}

Layout = tuple[list[tuple[int, int]], int] | None


def carries_other_document(data: bytes, fmt: str) -> bool:
    """True when markup, script or another file hides in the image's metadata or tail."""
    layout = {
        "JPEG": _jpeg_layout,
        "PNG": _png_layout,
        "WEBP": _webp_layout,
        "HEIF": heif.layout,
    }.get(fmt)
    found = layout(data) if layout else None
    if found is None:
        return ACTIVE_CONTENT.search(data) is not None
    regions, end = found
    if any(ACTIVE_CONTENT.search(data, start, stop) for start, stop in regions):
        return True
    if fmt == "JPEG":
        # Some phones append vendor trailers after the end marker: only another file's
        # signature or markup there is refused.
        return bool(APPENDED_FILE.search(data, end) or ACTIVE_CONTENT.search(data, end))
    return end < len(data)


def _jpeg_layout(data: bytes) -> Layout:
    """Marker segments (not entropy-coded scans) and the offset past the end marker."""
    regions = []
    try:
        for marker, start, stop in jpeg.segments(data):
            if marker == jpeg.EOI:
                return regions, stop
            if marker != jpeg.SCAN and stop - start > 2:  # not a standalone marker
                regions.append((start, stop))
    except jpeg.Unwalkable:
        return None
    return None


def _png_layout(data: bytes) -> Layout:
    regions, n = [], len(data)
    for kind, start, stop in png.chunks(data):
        if kind not in PIXEL_CHUNKS:
            regions.append((start, min(stop, n)))
        if kind == b"IEND":
            return regions, stop
    return None


def _webp_layout(data: bytes) -> Layout:
    regions, i = [], 12
    end = min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    while i + 8 <= end:
        kind = data[i : i + 4]
        stop = i + 8 + int.from_bytes(data[i + 4 : i + 8], "little")
        if kind not in PIXEL_CHUNKS:
            regions.append((i, min(stop, end)))
        i = stop + (stop & 1)  # chunks are padded to even sizes
    return regions, 8 + int.from_bytes(data[4:8], "little")
