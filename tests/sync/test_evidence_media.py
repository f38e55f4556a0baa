"""Pushed evidence meets the media store: signatures rendered here, photos sized by purpose."""

import uuid

import sqlalchemy as sa

from server.extensions import db
from server.field.models import Note, Signature
from server.media.models import MediaObject
from server.media.signatures import render_signature

# The media fixture (inline processing, a clean media folder) applies here too.
from tests.media.conftest import media_root, put, stored_files  # noqa: F401
from tests.media.images import encode, photo
from tests.media.images import sha as sha_bytes
from tests.sync.conftest import count, new_id, note, signature

STROKES = [
    {
        "penColor": "black",
        "points": [
            {"x": 10, "y": 40, "time": 1000, "pressure": 0.5},
            {"x": 60, "y": 20, "time": 1040, "pressure": 0.6},
            {"x": 120, "y": 50, "time": 1080, "pressure": 0.5},
        ],
    }
]


def test_the_kept_signature_png_is_rendered_by_the_server(client, world, app, tech1):
    sig = {**signature(world.ids["job1"], "acceptance"), "strokes": STROKES}
    result = tech1.push(tech1.mutation("add_signature", **sig))["results"][0]
    assert result["status"] == "applied"
    _png, expected = render_signature(STROKES)
    with app.app_context():
        row = db.session.get(Signature, uuid.UUID(sig["id"]))
        # The device's own png_sha256 is not what is kept.
        assert row.png_sha256 == expected != sig["png_sha256"]
        assert db.session.get(MediaObject, expected).mime == "image/png"
        db.session.remove()
    response = client.get(f"/api/media/{expected}/original", headers=world.auth("tech1"))
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.get_data()[:8] == b"\x89PNG\r\n\x1a\n"
    response.close()


def test_a_resent_signature_is_a_duplicate_and_renders_to_the_same_media(app, world, tech1):
    sig = {**signature(world.ids["job1"], "acceptance"), "strokes": STROKES}
    tech1.push(tech1.mutation("add_signature", **sig))
    again = tech1.push(tech1.mutation("add_signature", **sig))["results"][0]
    assert again["status"] == "duplicate"
    assert count(app, Signature) == 1
    assert count(app, MediaObject) == 1


def test_invalid_strokes_are_rejected_and_the_next_mutation_still_applies(
    app, world, tech1, media_root
):
    bad = {**signature(world.ids["job1"], "acceptance"), "strokes": [{"points": []}]}
    later = note(world.ids["job1"])
    body = tech1.push(tech1.mutation("add_signature", **bad), tech1.mutation("add_note", **later))
    rejected, applied = body["results"]
    assert rejected["status"] == "rejected" and rejected["reason"] == "invalid_args"
    assert "strokes" in rejected["errors"]
    assert applied["status"] == "applied"
    assert count(app, Signature) == 0
    assert count(app, MediaObject) == 0
    assert count(app, Note) == 1
    assert stored_files(media_root) == []


def test_nothing_is_rendered_for_a_job_out_of_scope(app, world, tech1, media_root):
    sig = {**signature(world.ids["job2"], "acceptance"), "strokes": STROKES}
    result = tech1.push(tech1.mutation("add_signature", **sig))["results"][0]
    assert result["status"] == "rejected"
    assert count(app, MediaObject) == 0
    assert stored_files(media_root) == []


def test_a_gauge_photo_recorded_after_its_bytes_is_rederived_at_the_detail_size(
    client, world, app, tech1
):
    data = encode(photo((4000, 3000)), "JPEG", quality=90)
    uploaded = put(client, world, data).get_json()
    assert uploaded["display_width"] == 1600  # no record yet: a general photo
    record = {
        "id": new_id(),
        "job_id": world.ids["job1"],
        "purpose": "gauge",
        "sha256": sha_bytes(data),
        "taken_at": "2026-11-25T10:00:00+08:00",
    }
    assert tech1.push(tech1.mutation("add_photo", **record))["results"][0]["status"] == "applied"
    with app.app_context():
        media = db.session.scalar(
            sa.select(MediaObject).where(MediaObject.sha256 == record["sha256"])
        )
        assert (media.status, media.display_width) == ("ready", 2048)
        db.session.remove()
