"""Push: exactly once, in order, and one bad mutation never blocks the rest."""

import uuid

import pytest

from server.field.models import Note
from server.sync.models import SyncClient, SyncMutation
from tests.sync.conftest import Device, count, new_id, note


def test_a_replayed_batch_is_answered_from_the_record_and_applied_once(app, world, tech1):
    job = world.ids["job1"]
    batch = [tech1.mutation("add_note", **note(job, f"n{i}")) for i in range(3)]
    first = tech1.push(*batch)
    assert [r["status"] for r in first["results"]] == ["applied"] * 3
    assert first["last_mutation_id"] == 3

    again = tech1.push(*batch)
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 3
    assert [r["original"]["status"] for r in again["results"]] == ["applied"] * 3
    assert count(app, Note, job_id=uuid.UUID(job)) == 3
    assert count(app, SyncMutation) == 3


def test_a_response_lost_after_commit_is_answered_when_the_device_retries(app, world, tech1):
    job = world.ids["job1"]
    batch = [tech1.mutation("add_note", **note(job)), tech1.mutation("add_note", **note(job))]
    tech1.send(batch)  # the phone never saw this answer
    retry = tech1.push(*batch, tech1.mutation("add_note", **note(job)))
    assert [r["status"] for r in retry["results"]] == ["duplicate", "duplicate", "applied"]
    assert retry["last_mutation_id"] == 3
    assert count(app, Note) == 3


def test_out_of_order_batch_is_applied_in_mutation_id_order(app, world, tech1):
    job = world.ids["job1"]
    a, b, c = (tech1.mutation("add_note", **note(job, t)) for t in "abc")
    body = tech1.push(c, a, b)
    assert [r["mutation_id"] for r in body["results"]] == [1, 2, 3]
    assert body["last_mutation_id"] == 3
    assert count(app, Note) == 3


def test_a_gap_stops_the_batch_and_says_where_to_resume(app, world, tech1):
    job = world.ids["job1"]
    m1, m2, m3, m4 = (tech1.mutation("add_note", **note(job)) for _ in range(4))
    body = tech1.push(m1, m3, m4)  # m2 lost on the phone side
    assert [r["mutation_id"] for r in body["results"]] == [1]
    assert body["gap"] == {"expected": 2, "received": 3}
    assert body["resume_from"] == 2
    assert body["last_mutation_id"] == 1
    assert count(app, Note) == 1
    # The device resends from 2: the rest applies.
    body = tech1.push(m2, m3, m4)
    assert [r["status"] for r in body["results"]] == ["applied"] * 3
    assert count(app, Note) == 4


def test_a_gap_before_anything_new_applies_nothing(app, world, tech1):
    tech1.next_id = 5
    body = tech1.push(tech1.mutation("add_note", **note(world.ids["job1"])))
    assert body["results"] == [] and body["resume_from"] == 1
    assert count(app, Note) == 0


def test_a_rejected_mutation_is_recorded_and_does_not_block_later_ones(app, world, tech1):
    job = world.ids["job1"]
    body = tech1.push(
        tech1.mutation("add_note", **note(job, "first")),
        tech1.mutation("add_note", job_id=job, id=new_id(), body=""),  # empty note
        tech1.mutation("add_note", **note(job, "third")),
    )
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["applied", "rejected", "applied"]
    assert body["results"][1]["reason"] == "invalid_args"
    assert "body" in body["results"][1]["errors"]
    assert body["last_mutation_id"] == 3
    assert count(app, Note) == 2
    assert count(app, SyncMutation, status="rejected") == 1


def test_bad_mutations_inside_a_good_envelope_are_rejected_with_reasons(app, world, tech1):
    mine, theirs = world.ids["job1"], world.ids["job2"]
    body = tech1.push(
        tech1.mutation("launch_rocket", job_id=mine),
        tech1.mutation(
            "add_part", id=new_id(), job_id=mine, part_code="F1", name="PP棉", quantity="three"
        ),
        tech1.mutation("add_note", **note(theirs)),
        tech1.mutation("add_note", **note(str(uuid.uuid4()))),
        tech1.mutation("add_note", **note(mine, "good")),
    )
    results = body["results"]
    assert [r["status"] for r in results] == ["rejected"] * 4 + ["applied"]
    assert [r["reason"] for r in results[:4]] == [
        "unknown_mutation",
        "invalid_args",
        "out_of_scope",
        "unknown_job",
    ]
    assert "quantity" in results[1]["errors"]
    assert count(app, Note) == 1


def test_text_with_a_nul_character_is_rejected_on_every_database(app, world, tech1):
    job = world.ids["job1"]
    body = tech1.push(
        tech1.mutation("add_note", **note(job, "b\x00c")),
        tech1.mutation("add_note", **note(job)),
    )
    assert [r["status"] for r in body["results"]] == ["rejected", "applied"]
    assert body["results"][0]["reason"] == "invalid_args"
    assert "body" in body["results"][0]["errors"]  # the field is named


def test_a_constraint_the_schema_cannot_see_rejects_only_that_mutation(app, world, tech1):
    job = world.ids["job1"]
    body = tech1.push(
        tech1.mutation("add_note", **note(job, visit_id=new_id())),  # no such visit
        tech1.mutation("add_note", **note(job)),
    )
    assert [r["status"] for r in body["results"]] == ["rejected", "applied"]
    assert count(app, Note) == 1


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_malformed_json_is_a_400_and_applies_nothing(app, client, world):
    response = client.post(
        "/api/sync/push",
        data=b'{"client_id": ',
        headers={**world.auth("tech1"), "Content-Type": "application/json"},
    )
    assert _problem(response, 400)["type"].endswith("malformed-json")
    assert count(app, SyncClient) == 0


def test_missing_client_id_is_a_422_naming_the_field(app, client, world):
    response = client.post(
        "/api/sync/push", json={"schema_version": 1, "mutations": []}, headers=world.auth("tech1")
    )
    assert "client_id" in _problem(response, 422)["errors"]


def test_a_batch_over_the_limit_is_a_413_and_applies_nothing(app, world, tech1):
    app.config["SYNC_MAX_BATCH"] = 5
    try:
        batch = [tech1.mutation("add_note", **note(world.ids["job1"])) for _ in range(6)]
        body = _problem(tech1.send(batch), 413)
        assert body["type"].endswith("batch-too-large")
    finally:
        app.config.pop("SYNC_MAX_BATCH")
    assert count(app, Note) == 0 and count(app, SyncClient) == 0


def test_a_body_over_the_json_limit_is_a_413(app, world, tech1):
    huge = "水" * (app.config["MAX_JSON_BYTES"] // 3 + 10)
    response = tech1.send([tech1.mutation("add_note", **note(world.ids["job1"], huge))])
    _problem(response, 413)
    assert count(app, Note) == 0


def test_another_users_client_id_is_refused_and_applies_nothing(app, client, world, tech1):
    tech1.push(tech1.mutation("add_note", **note(world.ids["job1"])))
    thief = Device(client, world.auth("tech2"), client_id=tech1.client_id)
    thief.next_id = 2
    response = thief.send([thief.mutation("add_note", **note(world.ids["job2"]))])
    assert _problem(response, 403)["type"].endswith("client-not-yours")
    assert count(app, Note) == 1


def test_an_unknown_schema_version_is_refused(app, world, tech1):
    response = tech1.send(
        [tech1.mutation("add_note", **note(world.ids["job1"]))], schema_version=99
    )
    body = {"schema_version": 99}
    assert "schema_version" in _problem(response, 400)["errors"], body
    assert count(app, Note) == 0


def test_a_mutation_without_an_id_makes_the_envelope_invalid(app, world, tech1):
    response = tech1.send([{"name": "add_note", "args": note(world.ids["job1"])}])
    _problem(response, 422)
    assert count(app, Note) == 0


def test_push_needs_a_token_and_a_syncing_role(client, world):
    body = {"schema_version": 1, "client_id": new_id(), "mutations": []}
    assert client.post("/api/sync/push", json=body).status_code == 401
    response = client.post("/api/sync/push", json=body, headers=world.auth("dealer1"))
    assert response.status_code == 403


def test_a_resent_create_under_a_new_mutation_id_is_a_duplicate(app, world, tech1):
    n = note(world.ids["job1"])
    body = tech1.push(
        tech1.mutation("add_note", **n),
        tech1.mutation("add_note", **n),
        tech1.mutation("add_note", **note(world.ids["job1"])),  # the transaction still works
    )
    assert [r["status"] for r in body["results"]] == ["applied", "duplicate", "applied"]
    assert count(app, Note) == 2


def test_an_id_taken_by_another_jobs_record_is_rejected(app, client, world, tech1):
    n = note(world.ids["job1"])
    tech1.push(tech1.mutation("add_note", **n))
    with app.app_context():
        from server.desk.models import Job
        from server.extensions import db

        db.session.get(Job, uuid.UUID(world.ids["job2"])).technician_id = uuid.UUID(
            world.ids["tech1"]
        )
        db.session.commit()
    body = tech1.push(tech1.mutation("add_note", **{**n, "job_id": world.ids["job2"]}))
    assert body["results"][0]["reason"] == "id_taken"
    assert count(app, Note) == 1


def test_an_unreachable_database_is_a_503_with_retry_after(app, world, tech1):
    """The app pointed at a PostgreSQL port where nothing listens: the driver's connection
    is refused, the push answers 503 and the device keeps its batch."""
    import sqlalchemy as sa

    engines = app.extensions["sqlalchemy"]._app_engines[app]  # no public way to swap it
    original = engines[None]
    dead = sa.create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:1/nowhere", connect_args={"connect_timeout": 2}
    )
    engines[None] = dead
    batch = [tech1.mutation("add_note", **note(world.ids["job1"]))]
    try:
        response = tech1.send(batch)
    finally:
        engines[None] = original
        dead.dispose()
    body = _problem(response, 503)
    assert body["type"].endswith("database-unavailable")
    assert int(response.headers["Retry-After"]) > 0
    assert count(app, Note) == 0 and count(app, SyncClient) == 0
    # Back online, the same batch goes through.
    assert [r["status"] for r in tech1.push(*batch)["results"]] == ["applied"]


def test_the_envelope_reads_a_well_formed_mutation_as_the_schema_does():
    """Mutations reads plain mutations without the schema; it must agree with it exactly,
    and hand anything else to it (so errors keep their words)."""
    from marshmallow import ValidationError, fields

    from server.sync.schemas import Mutations, MutationSchema

    good = [
        {"mutation_id": 1, "name": "add_note", "args": {"x": 1}},
        {"mutation_id": 2**53, "name": "n" * 60, "args": {}, "at": "2026-11-25T03:00:00+08:00"},
        {"mutation_id": 3, "name": "a", "args": {}, "at": None},
    ]
    schema_way = fields.List(fields.Nested(MutationSchema()))
    assert Mutations().deserialize(good) == schema_way.deserialize(good)
    for bad in (
        {"mutation_id": True, "name": "a", "args": {}},
        {"mutation_id": 2**53 + 1, "name": "a", "args": {}},
        {"mutation_id": 1.0, "name": "a", "args": {}},
        {"mutation_id": 1, "name": "", "args": {}},
        {"mutation_id": 1, "name": "a\x00", "args": {}},
        {"mutation_id": 1, "name": "a", "args": []},
        {"mutation_id": 1, "name": "a", "args": {}, "at": "0001-01-01T00:00:00+14:00"},
        {"mutation_id": 1, "name": "a", "args": {}, "extra": 1},
        {"name": "a", "args": {}},
    ):
        with pytest.raises(ValidationError) as ours:
            Mutations().deserialize([good[0], bad])
        with pytest.raises(ValidationError) as theirs:
            schema_way.deserialize([good[0], bad])
        assert ours.value.messages == theirs.value.messages
