"""The format is read from the bytes; everything but one still JPEG/PNG/WebP/HEIC is refused."""

import pytest
from PIL import Image

from tests.media.conftest import fetch, put, set_media_policy, stored_files
from tests.media.images import animated, encode, jpeg, photo, png_chunk, png_header_only, sha

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _jpeg_with_comment(text: bytes) -> bytes:
    data = jpeg()
    segment = b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text
    return data[:2] + segment + data[2:]


def _png_with_trailer() -> bytes:
    return encode(photo((64, 48)), "PNG") + b"<?php system($_GET['c']); ?>"


BAD = {
    "svg": (SVG, 415, "unsupported-media-type"),
    "html": (HTML, 415, "unsupported-media-type"),
    "pdf": (PDF, 415, "unsupported-media-type"),
    "gif still": (encode(photo((64, 48)), "GIF"), 415, "unsupported-media-type"),
    "gif animated": (animated("GIF"), 415, "unsupported-media-type"),
    "bmp": (encode(photo((64, 48)), "BMP"), 415, "unsupported-media-type"),
    "tiff": (encode(photo((64, 48)), "TIFF"), 415, "unsupported-media-type"),
    "webp animated": (animated("WEBP"), 422, "animated-image"),
    "jpeg truncated": (jpeg()[:-4000], 422, "unreadable-image"),
    "png truncated": (encode(photo((300, 200)), "PNG")[:-3000], 422, "unreadable-image"),
    "jpeg header only": (jpeg()[:200], 422, "unreadable-image"),
    "polyglot jpeg+html comment": (
        _jpeg_with_comment(b"<html><script>alert(1)</script></html>"),
        422,
        "polyglot-media",
    ),
    "polyglot jpeg+zip": (jpeg() + b"PK\x03\x04\x14\x00\x00\x00payload", 422, "polyglot-media"),
    "polyglot png+php": (_png_with_trailer(), 422, "polyglot-media"),
    "png with huge text chunk": (
        encode(photo((32, 32)), "PNG")[:33]
        + png_chunk(b"zTXt", b"k\x00\x00" + __import__("zlib").compress(b"A" * 80_000_000))
        + encode(photo((32, 32)), "PNG")[33:],
        422,
        "unreadable-image",
    ),
    "bomb header": (png_header_only(30_000, 30_000), 422, "too-many-pixels"),
    "over the 50 MP policy": (png_header_only(10_000, 8_000), 422, "too-many-pixels"),
    "random bytes": (bytes(range(256)) * 40, 415, "unsupported-media-type"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_files_are_refused_with_a_clear_problem_and_nothing_kept(
    client, world, media_root, name
):
    data, status, slug = BAD[name]
    # The name and Content-Type claim a JPEG: they must not matter.
    response = put(client, world, data, **{"Content-Disposition": 'attachment; filename="a.jpg"'})
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == f"/problems/{slug}"
    assert body["detail"]
    assert stored_files(media_root) == []
    assert client.head(f"/api/media/{sha(data)}", headers=world.auth("tech1")).status_code == 404


def test_pixels_over_the_dealers_limit_are_refused(client, world, app, media_root):
    set_media_policy(app, world, max_pixels=100_000)
    response = put(client, world, jpeg((800, 600)))
    assert response.status_code == 422
    assert response.get_json()["type"] == "/problems/too-many-pixels"
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    "fmt,options,mime",
    [
        ("JPEG", {"quality": 85}, "image/jpeg"),
        ("PNG", {}, "image/png"),
        ("WEBP", {"quality": 80}, "image/webp"),
        ("HEIF", {"quality": 80}, "image/heic"),
    ],
)
def test_accepted_formats_are_read_from_the_bytes(client, world, fmt, options, mime):
    data = encode(photo((640, 480)), fmt, **options)
    response = put(client, world, data, **{"Content-Type": "application/octet-stream"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["mime"] == mime
    assert body["status"] == "ready"
    assert (body["display_width"], body["display_height"]) == (640, 480)


def test_a_jpeg_with_a_vendor_trailer_is_still_a_photo(client, world):
    # Some phones append their own data after the end marker; no file signature in it.
    response = put(client, world, jpeg() + b"SEFH\x00\x00\x01\x00vendor-data")
    assert response.status_code == 201


def test_huge_exif_is_accepted_but_not_carried_into_the_display_image(client, world, app):
    from tests.media.images import exif_with

    data = encode(photo((800, 600)), "JPEG", quality=85, exif=exif_with(huge=60_000))
    assert len(data) > 60_000
    response = put(client, world, data)
    assert response.status_code == 201
    display = fetch(client, f"/api/media/{sha(data)}/display", headers=world.auth("tech1"))
    # Nothing references the photo yet: unreadable, even for its uploader.
    assert display.status_code == 404
    body = response.get_json()
    with app.app_context():
        from server.media.storage import get_storage

        with get_storage().open(body["display_sha256"]) as f, Image.open(f) as img:
            exif = img.getexif()
            assert 0x010E not in exif and 0x010F not in exif
            assert len(img.info.get("exif", b"")) < 200


def _png_with_text(text: bytes) -> bytes:
    data = encode(photo((64, 48)), "PNG")
    return data[:33] + png_chunk(b"tEXt", b"Comment\x00" + text) + data[33:]


def _webp_with_chunk(kind: bytes, body: bytes) -> bytes:
    data = encode(photo((64, 48)), "WEBP", quality=80)
    chunk = kind + len(body).to_bytes(4, "little") + body + (b"\x00" if len(body) % 2 else b"")
    riff = data[12:] + chunk
    return b"RIFF" + (len(riff) + 4).to_bytes(4, "little") + b"WEBP" + riff


@pytest.mark.parametrize(
    "data",
    [
        _png_with_text(b"<script>alert(1)</script>"),
        _webp_with_chunk(b"XMP ", b"<html><body onload=alert(1)></body></html>"),
        _jpeg_with_comment(b"<?php system($_GET['c']); ?>"),
        jpeg() + b"<script>alert(1)</script>",
    ],
    ids=["png text chunk", "webp xmp chunk", "jpeg comment php", "jpeg trailing script"],
)
def test_markup_in_metadata_or_tail_is_refused(client, world, media_root, data):
    response = put(client, world, data)
    assert response.status_code == 422
    assert response.get_json()["type"] == "/problems/polyglot-media"
    assert stored_files(media_root) == []


def test_markup_like_bytes_inside_compressed_pixels_are_not_a_polyglot():
    from server.media.polyglot import _jpeg_layout, carries_other_document

    data = jpeg()
    regions, end = _jpeg_layout(data)
    scan_start = regions[-1][1]  # the last segment before the pixels is the SOS header
    middle = (scan_start + end) // 2
    chance = data[:middle] + b"<html" + data[middle + 5 :]
    assert carries_other_document(chance, "JPEG") is False
    assert carries_other_document(data[:40] + b"<html" + data[45:], "JPEG") is True
