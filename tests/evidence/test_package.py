"""The evidence package: built once every photo is in, canonical and hashed, immutable,
versioned, readable by the job's readers only, and verifiable by a stdlib script."""

import hashlib
import io
import json
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from server.evidence.manifest import canonical
from server.evidence.models import EvidencePackage
from server.extensions import db
from tests.evidence.conftest import install, upload
from tests.helpers import assert_problem
from tests.media.images import sha

VERIFY = Path(__file__).resolve().parents[2] / "scripts" / "verify_evidence.py"


def evidence(client, world, job, who="dealer1", **query):
    return client.get(f"/api/jobs/{job}/evidence", query_string=query, headers=world.auth(who))


def test_a_completion_with_its_photos_in_is_built_at_once(app, client, world):
    sent = install(client, world)
    body = evidence(client, world, sent["job"]).get_json()
    assert body["status"] == "built" and body["version"] == 1
    manifest = body["manifest"]
    assert body["manifest_sha256"] == hashlib.sha256(canonical(manifest)).hexdigest()
    assert {p["purpose"]: p["sha256"] for p in manifest["photos"]} == {
        purpose: sha(data) for purpose, data in sent["photos"].items()
    }
    statements = {s["purpose"]: s for s in manifest["signatures"]}
    for s in sent["signatures"]:
        assert statements[s["purpose"]]["statement_sha256"] == s["statement_sha256"]
        assert statements[s["purpose"]]["png_sha256"]  # rendered by the server
    (reading,) = manifest["measurements"]
    assert (reading["value"], reading["unit"], reading["read"]) == (
        "250.0",
        "kPa",
        {"value": "250.0", "unit": "kPa"},
    )
    assert manifest["valve"]["decision"] == "not_needed"
    assert manifest["unit"]["serial"] == "SN-TEST-1"
    assert manifest["job"]["completed_at"] == "2026-11-25T04:00:00+00:00"
    # Device and server times side by side for every record.
    assert all({"at", "recorded_at"} <= set(c) for c in manifest["checklist"])
    # No float anywhere: any language rebuilds the same canonical bytes.
    assert "." not in json.dumps([v for v in _numbers(manifest) if isinstance(v, float)])


def _numbers(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield value


def test_a_completion_before_the_photos_arrive_waits_then_builds_once_they_do(app, client, world):
    sent = install(client, world, bytes_first=False)
    body = evidence(client, world, sent["job"]).get_json()
    assert body["status"] == "waiting_for_media" and body["manifest"] is None
    assert sorted(body["waiting_for"]) == sorted(sha(d) for d in sent["photos"].values())
    first, second = sent["photos"].values()
    upload(client, world, first)
    assert evidence(client, world, sent["job"]).get_json()["status"] == "waiting_for_media"
    upload(client, world, second)
    body = evidence(client, world, sent["job"]).get_json()
    assert body["status"] == "built" and body["waiting_for"] == []
    with app.app_context():
        assert db.session.query(EvidencePackage).count() == 1  # built once, not twice
        db.session.remove()


def test_a_built_package_never_changes_and_a_new_completion_is_the_next_version(app, client, world):
    sent = install(client, world)
    first = evidence(client, world, sent["job"]).get_json()
    with app.app_context():
        package = db.session.get(EvidencePackage, uuid.UUID(first["package_id"]))
        package.manifest = {**package.manifest, "customer_pays_fen": 1}
        with pytest.raises(ValueError, match="cannot change"):
            db.session.flush()
        db.session.rollback()
        db.session.remove()
    # The dealer wants more evidence; the technician completes it again.
    r = client.post(
        f"/api/jobs/{sent['job']}/request-evidence",
        json={"reason": "补拍安装照片"},
        headers=world.auth("dealer1"),
    )
    assert r.status_code == 200, r.get_json()
    device = sent["device"]
    # It reaches the technician as a task on the next pull: the job is open again, with why.
    changes, _ = device.pull_all()
    job_row = next(c for c in changes if c["entity"] == "jobs" and c["id"] == sent["job"])
    assert job_row["data"]["status"] == "in_progress"
    notes = [c["data"]["body"] for c in changes if c["entity"] == "job_notes"]
    assert any("补拍安装照片" in body for body in notes)
    device.push(
        device.mutation(
            "complete_job", job_id=sent["job"], completed_at="2026-11-26T09:00:00+08:00"
        )
    )
    latest = evidence(client, world, sent["job"]).get_json()
    assert latest["version"] == 2
    assert latest["manifest"]["package"]["previous"] == {
        "id": first["package_id"],
        "manifest_sha256": first["manifest_sha256"],
    }
    older = evidence(client, world, sent["job"], version=1).get_json()
    assert older["manifest_sha256"] == first["manifest_sha256"]
    versions = client.get(
        f"/api/jobs/{sent['job']}/evidence/versions", headers=world.auth("dealer1")
    ).get_json()
    assert [v["version"] for v in versions] == [2, 1]


@pytest.mark.parametrize(("who", "status"), [("dealer2", 404), ("tech2", 404), ("admin", 200)])
def test_only_who_may_read_the_job_reads_its_evidence(client, world, who, status):
    sent = install(client, world)
    response = evidence(client, world, sent["job"], who=who)
    if status == 404:
        assert_problem(response, 404)
    else:
        assert response.status_code == 200
    listed = client.get("/api/evidence", headers=world.auth(who)).get_json()["items"]
    assert (len(listed) == 1) == (status == 200)


def test_signed_links_serve_the_delivered_bytes_without_an_account(client, world):
    sent = install(client, world)
    body = evidence(client, world, sent["job"]).get_json()
    assert {m["kind"] for m in body["media"]} == {"photo", "signature"}
    for entry in body["media"]:
        path = entry["url"].split("://", 1)[1].split("/", 1)[1]
        response = client.get("/" + path)
        assert response.status_code == 200
        assert hashlib.sha256(response.get_data()).hexdigest() == entry["delivered_sha256"]
        response.close()


def _verify(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(VERIFY), str(path)], capture_output=True, text=True, timeout=30
    )


def _rewrite(source: bytes, target: Path, change) -> None:
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            new.writestr(name, change(name, old.read(name)))


def test_a_downloaded_package_verifies_and_any_flipped_byte_fails(client, world, tmp_path):
    sent = install(client, world)
    response = client.get(
        f"/api/jobs/{sent['job']}/evidence/download", headers=world.auth("dealer1")
    )
    assert response.mimetype == "application/zip"
    original = response.get_data()
    good = tmp_path / "good.zip"
    good.write_bytes(original)
    checked = _verify(good)
    assert checked.returncode == 0, checked.stdout
    package = json.loads(zipfile.ZipFile(good).read("package.json"))
    photo = package["manifest"]["photos"][0]["delivered_sha256"]

    def flip(data: bytes, at: int) -> bytes:
        return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]

    tampered = {
        "the manifest": lambda n, d: (
            d.replace(b'"leak_check"', b'"leak_chec\\u006b "') if n == "package.json" else d
        ),
        "a photo": lambda n, d: flip(d, len(d) // 2) if n == f"media/{photo}" else d,
        "a statement": lambda n, d: (
            d.replace("本人确认".encode(), "本人否认".encode()) if n == "package.json" else d
        ),
    }
    for what, change in tampered.items():
        bad = tmp_path / f"bad-{len(what)}.zip"
        _rewrite(original, bad, change)
        result = _verify(bad)
        assert result.returncode == 1, (what, result.stdout)


def test_a_repairs_package_records_who_pays_and_the_rule_that_decided(app, client, world):
    from tests.helpers import set_job
    from tests.sync.conftest import answer, signature

    set_job(app, world.ids["job1"], kind="repair")
    device = install(client, world, complete=False)["device"]
    job = world.ids["job1"]
    device.push(
        device.mutation(
            "update_job",
            job_id=job,
            fields={
                "diagnosis": {"from": None, "to": "滤瓶爆裂"},
                "fault_category": {"from": None, "to": "bottle_burst"},
            },
        ),
        device.mutation("answer_checklist", **answer(job, "test_run", True)),
        device.mutation("add_signature", **signature(job, "repair_slip")),
        device.mutation("complete_job", job_id=job, completed_at="2026-11-25T12:00:00+08:00"),
    )
    manifest = evidence(client, world, job).get_json()["manifest"]
    decision = manifest["liability"]
    assert (decision["fault_category"], decision["charge"]) == ("bottle_burst", "free")
    assert decision["rule"] in ("L2", "W1") and decision["explanation"]["zh-CN"]
