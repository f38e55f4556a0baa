"""Accounts: admins deactivate, reactivate and set passwords; users change their own;
`flask create-admin` starts a production install that has no users at all."""

import json

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.auth import service
from server.auth.models import User
from server.extensions import db
from tests.auth.test_auth import bearer, login
from tests.conftest import PASSWORD, new_id
from tests.helpers import assert_problem, count

NEW = "Blue-kettle 42"


def audited(app, action):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def test_an_admin_deactivates_a_user_who_is_signed_out_everywhere(client, world, app):
    phone = login(client, "tech1").get_json()["token"]
    response = client.post(
        f"/api/users/{world.ids['tech1']}/deactivate", headers=world.auth("admin")
    )
    assert response.status_code == 200
    assert response.get_json()["active"] is False
    assert_problem(client.get("/api/auth/me", headers=bearer(phone)), 401)
    assert_problem(client.get("/api/auth/me", headers=world.auth("tech1")), 401)
    assert_problem(login(client, "tech1"), 401)
    [entry] = audited(app, "deactivate")
    assert entry.entity_id == world.ids["tech1"] and entry.data["revoked"] == 2
    assert entry.actor_id is not None

    again = client.post(f"/api/users/{world.ids['tech1']}/reactivate", headers=world.auth("admin"))
    assert again.status_code == 200 and again.get_json()["active"] is True
    assert login(client, "tech1").status_code == 201
    # Reactivation does not revive the tokens of before (a lost phone stays signed out).
    assert_problem(client.get("/api/auth/me", headers=bearer(phone)), 401)
    assert len(audited(app, "reactivate")) == 1


def test_an_admin_cannot_deactivate_themselves(client, world):
    url = f"/api/users/{world.ids['admin']}/deactivate"
    assert_problem(client.post(url, headers=world.auth("admin")), 409)
    assert client.get("/api/auth/me", headers=world.auth("admin")).status_code == 200


@pytest.mark.parametrize("who", ["dispatcher", "tech1", "dealer1"])
def test_only_admins_manage_accounts(client, world, who):
    target = world.ids["tech2"]
    for method, url, body in [
        ("post", f"/api/users/{target}/deactivate", None),
        ("post", f"/api/users/{target}/reactivate", None),
        ("put", f"/api/users/{target}/password", {"password": NEW}),
    ]:
        response = getattr(client, method)(url, json=body, headers=world.auth(who))
        assert_problem(response, 403)
    assert login(client, "tech2").status_code == 201


def test_an_unknown_user_is_a_404(client, world):
    nobody = new_id()
    for method, url, body in [
        ("post", f"/api/users/{nobody}/deactivate", None),
        ("post", f"/api/users/{nobody}/reactivate", None),
        ("put", f"/api/users/{nobody}/password", {"password": NEW}),
    ]:
        response = getattr(client, method)(url, json=body, headers=world.auth("admin"))
        assert_problem(response, 404)


def test_an_admin_sets_a_password_audited_without_it(client, world, app):
    url = f"/api/users/{world.ids['tech1']}/password"
    response = client.put(url, json={"password": NEW}, headers=world.auth("admin"))
    assert response.status_code == 200
    assert response.get_json() == {"revoked": 1}
    assert_problem(login(client, "tech1"), 401)
    assert login(client, "tech1", NEW).status_code == 201
    [entry] = audited(app, "set_password")
    assert entry.entity_id == world.ids["tech1"]
    assert NEW not in json.dumps(entry.data) and "scrypt" not in json.dumps(entry.data)


@pytest.mark.parametrize(
    "weak", ["", "        ", "short1", "aaaaaaaaaa", "abcabcabc", "password", "12345678", "tech1"]
)
def test_weak_or_empty_passwords_are_refused(client, world, weak):
    url = f"/api/users/{world.ids['tech1']}/password"
    assert_problem(
        client.put(url, json={"password": weak}, headers=world.auth("admin")), 422, field="password"
    )
    body = {"current_password": PASSWORD, "new_password": weak}
    assert_problem(
        client.post("/api/auth/password", json=body, headers=world.auth("tech2")),
        422,
        field="new_password",
    )
    user = {"username": "tech9", "display_name": "x", "role": "technician", "password": weak}
    assert_problem(
        client.post("/api/users", json=user, headers=world.auth("admin")), 422, field="password"
    )
    assert login(client, "tech1").status_code == 201
    assert login(client, "tech2").status_code == 201


def test_a_user_changes_their_password_and_other_devices_are_signed_out(client, world, app):
    phone = login(client, "tech1", device_name="phone").get_json()["token"]
    tablet = login(client, "tech1", device_name="tablet").get_json()["token"]
    body = {"current_password": PASSWORD, "new_password": NEW}
    response = client.post("/api/auth/password", json=body, headers=bearer(phone))
    assert response.status_code == 200
    assert response.get_json() == {"revoked": 2}  # the tablet and the world's token
    assert client.get("/api/auth/me", headers=bearer(phone)).status_code == 200
    assert_problem(client.get("/api/auth/me", headers=bearer(tablet)), 401)
    assert_problem(client.get("/api/auth/me", headers=world.auth("tech1")), 401)
    assert_problem(login(client, "tech1"), 401)
    assert login(client, "tech1", NEW).status_code == 201
    [entry] = audited(app, "change_password")
    assert entry.entity_id == world.ids["tech1"] and NEW not in json.dumps(entry.data)
    # Other users keep their devices.
    assert client.get("/api/auth/me", headers=world.auth("tech2")).status_code == 200


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_login(client, world):
    body = {"current_password": "not it at all", "new_password": NEW}
    for _ in range(service.FREE_FAILURES_PER_USER):
        response = client.post("/api/auth/password", json=body, headers=world.auth("tech1"))
        assert_problem(response, 422, field="current_password")
    # A stolen token must not guess the password at full speed.
    response = client.post("/api/auth/password", json=body, headers=world.auth("tech1"))
    assert_problem(response, 429)
    assert client.get("/api/auth/me", headers=world.auth("tech1")).status_code == 200
    assert_problem(login(client, "tech1", NEW, address="10.8.8.8"), 429)


def test_changing_a_password_needs_a_token(client, world):
    body = {"current_password": PASSWORD, "new_password": NEW}
    assert_problem(client.post("/api/auth/password", json=body), 401)
    assert_problem(
        client.post("/api/auth/password", json={"new_password": NEW}, headers=world.auth("tech1")),
        422,
        field="current_password",
    )


def test_a_fresh_install_has_no_users_until_create_admin(app, client):
    with app.app_context():
        assert count(User) == 0  # migrations create no demo users
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--username", "boss"], input=f"{NEW}\n{NEW}\n")
    assert result.exit_code == 0, result.output
    assert "boss" in result.output
    with app.app_context():
        boss = db.session.scalar(sa.select(User).where(User.username == "boss"))
        assert boss.role == "admin" and boss.active and NEW not in boss.password_hash
        assert count(User) == 1
    assert login(client, "boss", NEW).status_code == 201
    assert len(audited(app, "create")) == 1


def test_create_admin_refuses_a_taken_name_a_weak_password_or_a_bad_name(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["create-admin", "--username", "boss", "--password", NEW])
    assert ok.exit_code == 0, ok.output
    for args, says in [
        (["--username", "boss", "--password", NEW], "taken"),
        (["--username", "boss2", "--password", "demo"], "at least"),
        (["--username", "boss 3", "--password", NEW], "username"),
    ]:
        result = runner.invoke(args=["create-admin", *args])
        assert result.exit_code != 0
        assert says in result.output, result.output
    with app.app_context():
        assert count(User) == 1
