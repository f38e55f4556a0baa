"""HEIF: the ISOBMFF boxes are walked, so every byte must belong to the image."""

import pytest

from tests.media.conftest import put, stored_files
from tests.media.images import encode, photo, sha


def heic(**options) -> bytes:
    return encode(photo((640, 480)), "HEIF", quality=80, **options)


def _box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def _mdat_start(data: bytes) -> int:
    from server.media.heif import boxes

    return next(start for kind, start, _, _ in boxes(data, 0, len(data)) if kind == b"mdat")


def test_a_heic_from_pillow_heif_walks_and_is_accepted(client, world, media_root):
    from server.media.heif import layout

    data = heic(xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>')
    regions, end = layout(data)
    assert end == len(data)
    # ftyp and meta, plus the XMP item's bytes inside mdat; not the coded pixels.
    assert any(data[a:b].startswith(b"<x:xmpmeta") for a, b in regions)
    assert sum(b - a for a, b in regions) < len(data) // 2
    response = put(client, world, data)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["mime"] == "image/heic"


def test_a_64_bit_box_size_and_a_trailing_free_box_are_fine(client, world):
    padding = b"\x00" * 24
    free64 = (1).to_bytes(4, "big") + b"free" + (16 + len(padding)).to_bytes(8, "big") + padding
    response = put(client, world, heic() + _box(b"free", b"\x00" * 10) + free64)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    "name,tail,slug",
    [
        ("html appended", b"<html><script>alert(1)</script></html>", "polyglot-media"),
        ("zip appended", b"PK\x03\x04\x14\x00\x00\x00\x08\x00payload", "polyglot-media"),
        ("a few stray bytes", b"\x00\x01\x02", "polyglot-media"),
        ("a movie box", _box(b"moov", b"\x00" * 32), "polyglot-media"),
        ("an html box", _box(b"html", b"<script>alert(1)</script>"), "polyglot-media"),
        ("markup in a free box", _box(b"free", b"<svg onload=alert(1)>"), "polyglot-media"),
    ],
)
def test_anything_after_the_last_box_is_refused(client, world, media_root, name, tail, slug):
    data = heic() + tail
    response = put(client, world, data)
    assert response.status_code == 422, name
    body = response.get_json()
    assert body["type"] == f"/problems/{slug}"
    assert "HEIF" in body["detail"] or slug == "polyglot-media"
    assert stored_files(media_root) == []
    assert client.head(f"/api/media/{sha(data)}", headers=world.auth("tech1")).status_code == 404


@pytest.mark.parametrize("where", ["mdat", "meta", "ftyp"])
def test_a_truncated_box_is_refused(client, world, media_root, where):
    data = heic()
    cut = {"mdat": len(data) - 100, "meta": 60, "ftyp": 20}[where]
    response = put(client, world, data[:cut])
    assert response.status_code == 422
    body = response.get_json()
    assert body["type"] == "/problems/unreadable-image"
    assert "HEIF" in body["detail"] and "past the end" in body["detail"]
    assert stored_files(media_root) == []


def test_a_box_smaller_than_its_header_is_refused(client, world, media_root):
    data = heic()
    at = _mdat_start(data)
    broken = data[:at] + (4).to_bytes(4, "big") + data[at + 4 :]
    response = put(client, world, broken)
    assert response.status_code == 422
    assert response.get_json()["type"] == "/problems/unreadable-image"
    assert stored_files(media_root) == []


def test_markup_in_a_metadata_item_is_refused_but_not_in_coded_pixels(client, world):
    from server.media.polyglot import carries_other_document

    data = heic(xmp=b"<x:xmpmeta><html><script>alert(1)</script></html></x:xmpmeta>")
    response = put(client, world, data)
    assert response.status_code == 422
    assert response.get_json()["type"] == "/problems/polyglot-media"
    plain = heic()
    # The coded image ends the file: by chance its bytes may spell "<html"; not a polyglot.
    middle = len(plain) - 200
    chance = plain[:middle] + b"<html" + plain[middle + 5 :]
    assert carries_other_document(chance, "HEIF") is False
