"""A JPEG's marker structure, walked in one place: the polyglot check, the stripped copy
and the codestream libvips decodes all use it."""

import re
from collections.abc import Iterator

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
SCAN = -1  # the entropy-coded data after an SOS segment: not a marker of its own
# Entropy-coded data stuffs FF as FF 00 and may hold restart markers: anything else ends it.
SCAN_END = re.compile(rb"\xff[\x01\xc0-\xcf\xd8-\xfe]")


class Unwalkable(ValueError):
    """The container does not hold together the way the walk expects."""


def segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, start, stop) of each piece after SOI, through EOI: marker segments (from
    their FF to the end of their payload), standalone markers (2 bytes), and each scan's
    entropy-coded data as SCAN. Raises Unwalkable where the structure breaks."""
    i, n = 2, len(data)
    while i + 2 <= n:
        if data[i] != 0xFF:
            raise Unwalkable(f"no marker at {i}")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == EOI:
            yield marker, i, i + 2
            return
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            yield marker, i, i + 2
            i += 2
            continue
        if i + 4 > n:
            raise Unwalkable("truncated segment")
        stop = i + 2 + int.from_bytes(data[i + 2 : i + 4], "big")
        if stop > n:
            raise Unwalkable("segment runs past the end")
        yield marker, i, stop
        i = stop
        if marker == SOS:
            found = SCAN_END.search(data, i)
            if found is None:
                raise Unwalkable("scan without an end")
            yield SCAN, i, found.start()
            i = found.start()
    raise Unwalkable("no end marker")


def is_metadata(marker: int) -> bool:
    """APPn and COM: what a decoder may skip."""
    return 0xE0 <= marker <= 0xEF or marker == 0xFE


def read_by_decoder(marker: int, payload: bytes) -> bool:
    """The metadata libjpeg itself reads: JFIF (not JFXX: a thumbnail) and Adobe's colour
    transform, which says whether three components are YCbCr or RGB."""
    return (marker == 0xE0 and payload.startswith(b"JFIF\x00")) or (
        marker == 0xEE and payload.startswith(b"Adobe")
    )


def codestream(data: bytes) -> bytes:
    """The image as libjpeg needs it and nothing more: no EXIF, XMP, ICC profile, comment
    or trailer, so a decoder's own metadata parsers (libvips': libexif) never see an
    upload. Raises Unwalkable."""
    out = [data[:2]]
    for marker, start, stop in segments(data):
        if is_metadata(marker) and not read_by_decoder(marker, data[start + 4 : stop]):
            continue
        out.append(data[start:stop])
    return b"".join(out)
