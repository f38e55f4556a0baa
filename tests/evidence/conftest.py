"""A whole installation pushed as a phone would, with real photo bytes."""

import pytest

from tests.media.images import jpeg, sha
from tests.sync.conftest import NOW, Device, answer, new_id, pressure, signature

COMPLETED_AT = "2026-11-25T12:00:00+08:00"


@pytest.fixture(autouse=True)
def _processed_at_once(app):
    app.config["MEDIA_PROCESSING"] = "inline"


def upload(client, world, data: bytes, who="tech1"):
    response = client.put(
        f"/api/media/{sha(data)}",
        data=data,
        headers={**world.auth(who), "Content-Type": "image/jpeg", "X-Media-Purpose": "site"},
    )
    assert response.status_code in (200, 201), response.get_json()


def install(
    client, world, *, bytes_first=True, job_key="job1", pressure_kpa=250, complete=True
) -> dict:
    """Push a complete installation of `job_key` and complete it; returns what was sent."""
    device = Device(client, world.auth("tech1"))
    job = world.ids[job_key]
    photos = {"finished_installation": jpeg(seed=1), "gauge": jpeg(seed=2)}
    if bytes_first:
        for data in photos.values():
            upload(client, world, data)
    signatures = [signature(job, p) for p in ("unbox_verification", "acceptance")]
    mutations = [
        device.mutation("answer_checklist", **answer(job, "unbox_check", True)),
        device.mutation("add_signature", **signatures[0]),
        device.mutation("answer_checklist", **answer(job, "floor_drain", True)),
        device.mutation("add_measurement", **pressure(job, pressure_kpa, "kPa")),
        device.mutation("answer_checklist", **answer(job, "install_steps", True)),
        *[
            device.mutation(
                "add_photo", id=new_id(), job_id=job, purpose=p, sha256=sha(d), taken_at=NOW
            )
            for p, d in photos.items()
        ],
        device.mutation("answer_checklist", **answer(job, "leak_check", True)),
        device.mutation("answer_checklist", **answer(job, "briefing", True)),
        device.mutation("add_signature", **signatures[1]),
    ]
    if complete:
        mutations.append(device.mutation("complete_job", job_id=job, completed_at=COMPLETED_AT))
    body = device.push(*mutations)
    assert body["results"][-1]["status"] == "applied", body["results"][-1]
    return {"device": device, "photos": photos, "signatures": signatures, "job": job}
