"""HEIC at upload: the header's pixel count is checked, the pixels are decoded once, later."""

import pillow_heif.heif
import pytest
import sqlalchemy as sa

from server.extensions import db
from server.media.models import MediaObject
from tests.media.conftest import put, set_media_policy, stored_files
from tests.media.images import encode, photo, sha


def heic(size=(640, 480)) -> bytes:
    return encode(photo(size), "HEIF", quality=80)


@pytest.fixture
def decodes(monkeypatch):
    """How many times libheif really decoded pixels: HeifImage.load decodes only while it
    holds no data (later calls return what it has), so a call in that state is a decode."""
    count = {"n": 0}
    load = pillow_heif.heif.HeifImage.load

    def counting(self):
        if not self._data:
            count["n"] += 1
        return load(self)

    monkeypatch.setattr(pillow_heif.heif.HeifImage, "load", counting)
    return count


def test_a_heic_over_the_pixel_limit_is_refused_from_its_header(
    client, world, app, media_root, decodes
):
    set_media_policy(app, world, max_pixels=100_000)
    data = heic((640, 480))  # 307 200 pixels
    response = put(client, world, data)
    assert response.status_code == 422
    body = response.get_json()
    assert body["type"] == "/problems/too-many-pixels"
    assert "640×480" in body["detail"]
    assert decodes["n"] == 0
    assert stored_files(media_root) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MediaObject)) == 0


def test_a_heic_is_decoded_once_from_upload_to_display(client, world, app, media_root, decodes):
    app.config["MEDIA_PROCESSING"] = "worker"  # the request alone first
    data = heic((1280, 960))
    response = put(client, world, data)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["width"] == 1280
    assert decodes["n"] == 0  # the request read the header only

    from server.media.processing import process

    with app.app_context():
        assert process(sha(data)) == "ready"
        row = db.session.get(MediaObject, sha(data))
        assert (row.display_width, row.display_height) == (1280, 960)
        assert row.thumb_sha256 and row.stripped_sha256
    # Display, thumbnail and the stripped copy, all from one decode.
    assert decodes["n"] == 1


def test_a_heic_cut_inside_its_image_data_is_refused(client, world, media_root):
    from server.media.heif import boxes

    data = heic()
    kind, start, _, end = boxes(data, 0, len(data))[-1]
    assert kind == b"mdat" and end == len(data)
    # The boxes still add up (mdat's size says where the file now ends), but the coded
    # image's extent in the item table runs past it: only a decode would have noticed.
    cut = len(data) - 100
    short = data[:start] + (cut - start).to_bytes(4, "big") + data[start + 4 : cut]
    response = put(client, world, short)
    assert response.status_code == 422
    body = response.get_json()
    assert body["type"] == "/problems/unreadable-image"
    assert "past the end" in body["detail"]
    assert stored_files(media_root) == []


def test_a_heic_whose_coded_pixels_are_broken_fails_in_processing_not_at_upload(
    client, world, app, media_root
):
    from server.media.heif import boxes
    from server.media.processing import MAX_ATTEMPTS, process

    app.config["MEDIA_PROCESSING"] = "worker"
    data = bytearray(heic())
    _, _, payload, end = boxes(bytes(data), 0, len(data))[-1]
    half = (end - payload) // 2
    data[payload + 8 : payload + 8 + half] = bytes(half)  # zeros inside the HEVC stream
    data = bytes(data)
    # The header is sound: the request, which no longer decodes, takes it.
    response = put(client, world, data)
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        statuses = [process(sha(data)) for _ in range(MAX_ATTEMPTS)]
        row = db.session.get(MediaObject, sha(data))
        assert statuses == ["pending"] * (MAX_ATTEMPTS - 1) + ["failed"]
        assert row.display_sha256 is None and row.error == "ValueError"
        # The metadata-free copy needs no decode: the evidence keeps a readable original.
        assert row.stripped_sha256 is not None


def test_the_header_bounds_the_decode_a_bigger_coded_image_is_refused_by_libheif():
    """The request trusts the header's size (ispe); libheif will not decode more pixels."""

    from server.dealers.policy import default_policy
    from server.media.checks import check_image
    from server.media.imaging import normalize, profile_for

    media_policy = default_policy()["media"]
    data = bytearray(heic((640, 480)))
    at = data.find(b"ispe")
    data[at + 8 : at + 16] = (64).to_bytes(4, "big") + (48).to_bytes(4, "big")
    data = bytes(data)
    info = check_image(data, media_policy)
    assert (info.width, info.height) == (64, 48)
    # (Before, the request decoded it and this RuntimeError escaped the check as a 500.)
    with pytest.raises(RuntimeError, match="Security limit exceeded"):
        normalize(data, profile_for(media_policy, None))


def test_an_item_table_cut_off_at_the_end_of_the_file_is_refused_not_a_500(
    client, world, media_root
):
    def box(kind: bytes, payload: bytes) -> bytes:
        return (8 + len(payload)).to_bytes(4, "big") + kind + payload

    iinf = box(b"iinf", bytes(6))
    data = box(b"ftyp", b"heic" + bytes(4) + b"mif1heic") + box(
        b"meta", bytes(4) + iinf + box(b"iloc", b"\x00")
    )
    response = put(client, world, data)
    assert response.status_code == 422
    assert response.get_json()["type"] == "/problems/unreadable-image"
    assert "item table" in response.get_json()["detail"]
    assert stored_files(media_root) == []
