"""Camera and location metadata reach admins only (unless the dealer's policy keeps GPS):
everyone else, and every signed link, gets the original without it, pixels untouched."""

import struct
from io import BytesIO

import pytest
from PIL import Image

from server.media.checks import FORMATS
from tests.media.conftest import add_photo, fetch, put, set_media_policy
from tests.media.images import encode, photo, sha

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
MAKE, MODEL, ORIENTATION, BODY_SERIAL, MAKER_NOTE, CAPTURED = (
    0x010F, 0x0110, 0x0112, 0xA431, 0x927C, 0x9003,
)  # fmt: skip
SECRETS = [
    b"PhoneMaker",
    b"Model X Pro",
    b"SN-CAM-0042",
    b"MAKERNOTE",
    b"xmpmeta",
    "文三路".encode(),
]
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf'
    b'-syntax-ns#"><rdf:Description exif:GPSLatitude="30,15.0N" tiff:Make="PhoneMaker"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def camera_exif(orientation=1) -> bytes:
    exif = Image.Exif()
    exif[MAKE], exif[MODEL], exif[ORIENTATION] = "PhoneMaker", "Model X Pro", orientation
    exif.get_ifd(EXIF_IFD).update(
        {CAPTURED: "2026:11:25 10:30:00", BODY_SERIAL: "SN-CAM-0042", MAKER_NOTE: b"MAKERNOTE"}
    )
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)})
    return exif.tobytes()


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def camera_jpeg(seed=0, orientation=6) -> bytes:
    """A phone's JPEG: EXIF with GPS, make, model, serial and maker note; XMP; a comment
    and an IPTC block naming the street; a vendor trailer after the end marker."""
    data = encode(photo((640, 480), seed), "JPEG", quality=85, exif=camera_exif(orientation))
    extra = _segment(0xFE, "拍摄于 文三路".encode()) + _segment(
        0xED, b"Photoshop 3.0\x00" + "8BIM 文三路".encode()
    )
    xmp = _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP)
    return data[:2] + extra + xmp + data[2:] + b"SEFHvendor trailer SN-CAM-0042"


def decoded(data: bytes) -> bytes:
    with Image.open(BytesIO(data), formats=FORMATS) as img:
        return img.convert("RGB").tobytes()


def exif_of(data: bytes) -> Image.Exif:
    with Image.open(BytesIO(data), formats=FORMATS) as img:
        return img.getexif()


def assert_without_camera_or_location(served: bytes, original: bytes, gps=False):
    for secret in SECRETS:
        assert secret not in served, secret
    exif = exif_of(served)
    assert MAKE not in exif and MODEL not in exif
    assert BODY_SERIAL not in exif.get_ifd(EXIF_IFD)
    assert MAKER_NOTE not in exif.get_ifd(EXIF_IFD)
    assert bool(exif.get_ifd(GPS_IFD)) is gps
    # The capture time stays; the pixels are the very same (not re-encoded).
    assert exif.get_ifd(EXIF_IFD)[CAPTURED] == "2026:11:25 10:30:00"
    assert decoded(served) == decoded(original)


@pytest.fixture
def uploaded(client, world, app):
    data = camera_jpeg()
    assert put(client, world, data).status_code == 201
    add_photo(app, world, sha(data))
    for secret in SECRETS:
        assert secret in data  # the test photo really carries all of it
    return data


def signed_original(client, world, who, data):
    link = client.get(
        f"/api/media/{sha(data)}/link?variant=original", headers=world.auth(who)
    ).get_json()
    return fetch(client, link["url"].replace("http://localhost", ""))


@pytest.mark.parametrize("who", ["dealer1", "tech1", "dispatcher"])
def test_a_non_admin_gets_the_original_without_camera_or_location(client, world, uploaded, who):
    response = fetch(client, f"/api/media/{sha(uploaded)}/original", headers=world.auth(who))
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert_without_camera_or_location(response.data, uploaded)
    assert exif_of(response.data)[ORIENTATION] == 6  # it still displays upright
    assert response.data.endswith(b"\xff\xd9")  # the vendor trailer stayed behind
    assert response.headers["ETag"].strip('"') == sha(response.data) != sha(uploaded)
    assert response.headers["Vary"] == "Authorization"


@pytest.mark.parametrize("who", ["dealer1", "admin"])
def test_a_signed_link_never_carries_camera_or_location(client, world, uploaded, who):
    response = signed_original(client, world, who, uploaded)
    assert response.status_code == 200
    assert_without_camera_or_location(response.data, uploaded)


def test_an_admin_gets_the_original_as_uploaded(client, world, uploaded):
    response = fetch(client, f"/api/media/{sha(uploaded)}/original", headers=world.auth("admin"))
    assert response.status_code == 200
    assert response.data == uploaded  # its hash is the media address: the evidence holds
    assert exif_of(response.data).get_ifd(GPS_IFD)[1] == "N"


def test_display_and_thumbnail_carry_neither(client, world, uploaded):
    for variant in ("display", "thumb"):
        response = fetch(
            client, f"/api/media/{sha(uploaded)}/{variant}", headers=world.auth("dealer1")
        )
        for secret in SECRETS:
            assert secret not in response.data
        assert not exif_of(response.data).get_ifd(GPS_IFD)


def test_a_policy_that_keeps_gps_keeps_gps_but_not_the_camera(client, world, app):
    set_media_policy(app, world, keep_gps=True)
    data = camera_jpeg(seed=5)
    put(client, world, data)
    add_photo(app, world, sha(data))
    response = fetch(client, f"/api/media/{sha(data)}/original", headers=world.auth("dealer1"))
    served = response.data
    assert_without_camera_or_location(served, data, gps=True)
    assert exif_of(served).get_ifd(GPS_IFD)[2] == (30.0, 15.0, 0.0)


XMP_OPTIONS = {"PNG": {}, "WEBP": {"xmp": XMP, "quality": 80}, "HEIF": {"xmp": XMP, "quality": 60}}


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "HEIF"])
def test_other_formats_lose_camera_and_location_too(client, world, app, fmt):
    data = encode(photo((320, 240), 7), fmt, exif=camera_exif(), **XMP_OPTIONS[fmt])
    assert exif_of(data).get_ifd(GPS_IFD) and b"PhoneMaker" in data
    assert put(client, world, data).status_code == 201
    add_photo(app, world, sha(data))
    served = fetch(client, f"/api/media/{sha(data)}/original", headers=world.auth("dealer1")).data
    assert_without_camera_or_location(served, data)
    if fmt == "HEIF":
        assert len(served) == len(data)  # metadata items overwritten in place
    admin = fetch(client, f"/api/media/{sha(data)}/original", headers=world.auth("admin")).data
    assert admin == data


def test_before_processing_only_an_admin_gets_the_original(client, world, app):
    app.config["MEDIA_PROCESSING"] = "off"
    data = camera_jpeg(seed=8)
    put(client, world, data)
    add_photo(app, world, sha(data))
    url = f"/api/media/{sha(data)}/original"
    waiting = fetch(client, url, headers=world.auth("dealer1"))
    assert waiting.status_code == 409
    assert waiting.get_json()["type"] == "/problems/media-processing"
    assert waiting.headers["Retry-After"]
    assert fetch(client, url, headers=world.auth("admin")).data == data


def test_a_record_whose_dealer_drops_gps_re_derives_without_it(client, world, app):
    """tech1's only dealer keeps GPS, so the upload's copies had it; a record of a dealer
    that does not keep GPS makes processing derive them again, without it."""
    import uuid

    from server.dealers.models import Dealer
    from server.desk.models import Job
    from server.extensions import db
    from server.media import processing

    set_media_policy(app, world, job="job1", keep_gps=True)
    data = camera_jpeg(seed=9)
    put(client, world, data)
    add_photo(app, world, sha(data), job="job2")  # as a push records it, then asks
    with app.app_context():
        dealer = db.session.get(Dealer, db.session.get(Job, uuid.UUID(world.ids["job2"])).dealer_id)
        assert processing.photo_recorded(sha(data), "installation", dealer.policy["media"])
        db.session.commit()
        processing.process(sha(data))
    served = fetch(client, f"/api/media/{sha(data)}/original", headers=world.auth("dealer2")).data
    assert_without_camera_or_location(served, data, gps=False)


def test_a_jpeg_the_walk_cannot_follow_is_re_encoded_without_metadata():
    from server.media.strip import strip

    data = camera_jpeg(seed=10)
    scan = data.index(b"\xff\xda")
    # Stray bytes between two segments: libjpeg skips them, the segment walk cannot.
    broken = data[:scan] + b"\x00\x00" + data[scan:]
    served = strip(broken, keep_gps=False)
    for secret in SECRETS:
        assert secret not in served
    assert exif_of(served)[ORIENTATION] == 6
    assert not exif_of(served).get_ifd(GPS_IFD)


def test_the_orphan_sweep_keeps_the_stripped_copy(client, world, app, uploaded, media_root):
    import os
    import time
    from datetime import timedelta

    from server.media import gc

    old = time.time() - 2 * 24 * 3600
    for path in media_root.rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))
    with app.app_context():
        assert gc.sweep_orphans(timedelta(hours=24))["deleted"] == 0
    response = fetch(client, f"/api/media/{sha(uploaded)}/original", headers=world.auth("dealer1"))
    assert response.status_code == 200
