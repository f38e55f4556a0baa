"""A pattern must match the whole value: with `$` alone, "SN123\\n" passed for a serial."""

import re
from pathlib import Path

import pytest

from tests.helpers import assert_problem, row_counts
from tests.sync.conftest import NOW, Device, new_id, tech1  # noqa: F401

SHA = "ab" * 32
CUSTOMER = {"name": "王芳", "phone": "13800001111", "address": "杭州市西湖区文三路1号"}
UNIT = {"model": "RO-400G", "serial": "SN123", "customer_id": "{customer1}", "dealer_id": "{org1}"}

# (method, path, body, the field named)
CASES = [
    ("POST", "/api/units", {**UNIT, "serial": "SN123\n"}, "serial"),
    (
        "POST",
        "/api/units",
        {**UNIT, "proof_of_purchase_sha256": SHA + "\n"},
        "proof_of_purchase_sha256",
    ),
    ("POST", "/api/customers", {**CUSTOMER, "phone": "13800001111\n"}, "phone"),
    (
        "POST",
        "/api/users",
        {"username": "tech1\n", "display_name": "一", "role": "technician", "password": "12345678"},
        "username",
    ),
    (
        "POST",
        "/api/jobs/{job1}/photos",
        {"purpose": "gauge", "sha256": SHA + "\n", "taken_at": NOW},
        "sha256",
    ),
    (
        "PUT",
        "/api/dealers/{org1}/webhook",
        {"url": "https://hook.example\n"},
        "url",
    ),
    (
        "PATCH",
        "/api/dealers/{org1}/policy",
        {"working_hours": {"start": "09:00\n"}},
        "working_hours",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), CASES)
def test_a_trailing_newline_does_not_pass_a_pattern(app, client, world, method, path, body, field):
    before = row_counts(app)
    filled = {k: v.format(**world.ids) if isinstance(v, str) else v for k, v in body.items()}
    response = client.open(
        path.format(**world.ids), method=method, json=filled, headers=world.auth("admin")
    )
    assert_problem(response, 422, field=field)
    assert row_counts(app) == before


def test_in_a_push_a_hash_with_a_newline_is_invalid_args(world, tech1):
    job = world.ids["job1"]
    photo = dict(id=new_id(), job_id=job, purpose="gauge", sha256=SHA + "\n", taken_at=NOW)
    (result,) = tech1.push(tech1.mutation("add_photo", **photo))["results"]
    assert result["reason"] == "invalid_args"
    assert "sha256" in result["errors"]


def test_a_media_address_with_a_newline_is_no_address(client, world):
    response = client.get(f"/api/media/{SHA}%0A/status", headers=world.auth("admin"))
    assert_problem(response, 404)


def test_no_pattern_in_the_server_can_match_a_prefix():
    """Patterns go through FullMatch (server/common/schemas.py) or re.fullmatch."""
    root = Path(__file__).resolve().parents[2] / "server"
    offenders = []
    for path in root.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"validate\.Regexp\(|re\.match\(|\.match\(", line):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == []
