"""Walking a HEIF file's ISOBMFF boxes: the structure must account for every byte.

A HEIF is a sequence of boxes (size, type, payload): ftyp, meta (item info, item
locations, properties), mdat (coded pixels and metadata items), maybe free/skip.
The walk refuses a box that runs past the end (truncated), bytes after the last box
(another file appended), and top-level boxes a still image has no business carrying.
It returns the regions worth scanning for markup: every box but mdat, plus the
extents of mdat's non-image items (Exif, XMP), so coded pixels are never scanned.
"""

TOP_LEVEL = {b"ftyp", b"meta", b"mdat", b"free", b"skip", b"uuid"}
# Items that are metadata, not coded image data: their bytes are scanned like a JPEG's APPn.
METADATA_ITEMS = {b"Exif", b"mime", b"uri "}


class MalformedHeif(ValueError):
    """The box structure does not hold together (the message says where)."""


class ForeignContent(MalformedHeif):
    """Bytes that are not a HEIF box where one should start: something appended or hidden."""


def boxes(
    data: bytes, start: int, stop: int, allowed: set[bytes] | None = None
) -> list[tuple[bytes, int, int, int]]:
    """The boxes in data[start:stop] as (type, box start, payload start, box end)."""
    found, i = [], start
    while i < stop:
        if stop - i < 8:
            raise ForeignContent(f"{stop - i} stray bytes at offset {i}")
        size, kind, header = int.from_bytes(data[i : i + 4], "big"), data[i + 4 : i + 8], 8
        if allowed is not None and kind not in allowed:
            raise ForeignContent(f"{kind!r} at offset {i} is not a HEIF box")
        if size == 1:
            if stop - i < 16:
                raise MalformedHeif(f"truncated box header at offset {i}")
            size, header = int.from_bytes(data[i + 8 : i + 16], "big"), 16
        elif size == 0:
            size = stop - i  # "to the end of the file"
        if size < header or i + size > stop:
            raise MalformedHeif(f"box {kind!r} at offset {i} runs past the end")
        found.append((kind, i, i + header, i + size))
        i += size
    return found


def _uint(data: bytes, at: int, size: int) -> tuple[int, int]:
    if at + size > len(data):
        raise MalformedHeif("truncated item table")
    return int.from_bytes(data[at : at + size], "big"), at + size


def _item_types(data: bytes, start: int, stop: int) -> dict[int, bytes]:
    """iinf: item id → item type (version 2/3 'infe' entries, what HEIF uses)."""
    version = data[start]
    at = start + 4 + (2 if version == 0 else 4)
    types = {}
    for kind, _, payload, _end in boxes(data, at, stop):
        if kind == b"infe" and data[payload] >= 2:
            id_size = 2 if data[payload] == 2 else 4
            item_id, at = _uint(data, payload + 4, id_size)
            types[item_id] = data[at + 2 : at + 6]
    return types


def _item_extents(
    data: bytes, start: int, idat: int | None = None
) -> dict[int, list[tuple[int, int]]]:
    """iloc: item id → (file offset, length) of each extent stored in the file, or in the
    meta box's idat (construction method 1) when `idat` gives where its payload starts."""
    version = data[start]
    offset_size, length_size = data[start + 4] >> 4, data[start + 4] & 15
    base_size, index_size = data[start + 5] >> 4, data[start + 5] & 15
    count, at = _uint(data, start + 6, 2 if version < 2 else 4)
    extents: dict[int, list[tuple[int, int]]] = {}
    for _ in range(count):
        item_id, at = _uint(data, at, 2 if version < 2 else 4)
        method = 0
        if version in (1, 2):
            method, at = _uint(data, at, 2)
            method &= 15
        _, at = _uint(data, at, 2)  # data_reference_index
        base, at = _uint(data, at, base_size)
        n, at = _uint(data, at, 2)
        for _ in range(n):
            if version in (1, 2) and index_size:
                _, at = _uint(data, at, index_size)
            offset, at = _uint(data, at, offset_size)
            length, at = _uint(data, at, length_size)
            if method == 0:  # a file offset
                extents.setdefault(item_id, []).append((base + offset, length))
            elif method == 1 and idat is not None:  # inside idat
                extents.setdefault(item_id, []).append((idat + base + offset, length))
    return extents


def metadata_items(data: bytes, top=None, *, in_idat: bool = False) -> list[tuple[bytes, int, int]]:
    """(item type, file offset, length) of every extent of a metadata item (Exif, XMP and
    other mime items, uri items): in mdat, and with `in_idat` also inside the meta box."""
    top = top if top is not None else boxes(data, 0, len(data), TOP_LEVEL)
    found = []
    for kind, _, payload, end in top:
        if kind != b"meta":
            continue
        children = {kind: (p, e) for kind, _, p, e in boxes(data, payload + 4, end)}
        if b"iinf" not in children or b"iloc" not in children:
            continue
        types = _item_types(data, *children[b"iinf"])
        idat = children[b"idat"][0] if in_idat and b"idat" in children else None
        for item_id, spans in _item_extents(data, children[b"iloc"][0], idat).items():
            if types.get(item_id) in METADATA_ITEMS:
                found.extend((types[item_id], offset, length) for offset, length in spans)
    return found


def _check_extents(data: bytes, top) -> None:
    """Every item's data (coded tiles included) must lie inside the file: the upload check
    no longer decodes a HEIF's pixels, so this is what finds one cut short inside mdat."""
    for kind, _, payload, end in top:
        if kind != b"meta":
            continue
        children = {kind: (p, e) for kind, _, p, e in boxes(data, payload + 4, end)}
        if b"iloc" not in children:
            continue
        for item_id, spans in _item_extents(data, children[b"iloc"][0]).items():
            for offset, length in spans:
                if offset + length > len(data):
                    raise MalformedHeif(f"item {item_id}'s data runs past the end of the file")


def layout(data: bytes) -> tuple[list[tuple[int, int]], int]:
    """Regions to scan for markup, and where the last box ends (= len(data) when sound).

    Raises ForeignContent for bytes after the last box or a top-level box a still
    image does not have, MalformedHeif for a truncated box, a broken item table or an
    item whose data lies outside the file.
    """
    top = boxes(data, 0, len(data), TOP_LEVEL)
    if not top or top[0][0] != b"ftyp":
        raise MalformedHeif("the first box is not ftyp")
    regions = [(start, end) for kind, start, _, end in top if kind != b"mdat"]
    try:
        _check_extents(data, top)
        # Items inside idat are scanned with their meta box already.
        for _, offset, length in metadata_items(data, top):
            regions.append((offset, min(offset + length, len(data))))
    except IndexError as exc:  # an item table whose header is cut off at the end of the file
        raise MalformedHeif("truncated item table") from exc
    return regions, top[-1][3]
