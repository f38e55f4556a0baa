"""Sign-in: device tokens that last, can be revoked, and resist guessing."""

import hashlib

import pytest
import sqlalchemy as sa

from server.auth import service
from server.auth.models import DeviceToken, LoginAttempt, User
from server.extensions import db
from tests.conftest import PASSWORD
from tests.helpers import assert_problem, count


def login(client, username, password=PASSWORD, address="10.1.1.1", **extra):
    return client.post(
        "/api/auth/login",
        json={"username": username, "password": password, **extra},
        environ_base={"REMOTE_ADDR": address},
    )


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_login_returns_a_token_that_identifies_the_user(client, world):
    response = login(client, "tech1", device_name="王师傅的手机")
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert len(token) >= 40
    me = client.get("/api/auth/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.get_json()["username"] == "tech1"
    assert me.get_json()["role"] == "technician"
    assert "password" not in me.get_json() and "password_hash" not in me.get_json()


def test_the_token_is_stored_only_as_a_hash(client, world, app):
    token = login(client, "tech1").get_json()["token"]
    with app.app_context():
        hashes = db.session.scalars(sa.select(DeviceToken.token_hash)).all()
        assert hashlib.sha256(token.encode()).hexdigest() in hashes
        assert token not in hashes


def test_passwords_are_hashed_with_scrypt(ctx, world):
    user = db.session.scalar(sa.select(User).where(User.username == "tech1"))
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    ("username", "password"), [("tech1", "wrong"), ("nobody", PASSWORD), ("tech1", "")]
)
def test_wrong_credentials_are_a_401_and_issue_no_token(client, world, app, username, password):
    response = login(client, username, password)
    assert_problem(response, 401 if password else 422)
    with app.app_context():
        assert count(DeviceToken) == len(world.tokens)


def test_a_deactivated_user_cannot_sign_in_or_use_old_tokens(client, world, app):
    with app.app_context():
        db.session.execute(sa.update(User).where(User.username == "tech1").values(active=False))
        db.session.commit()
    assert_problem(login(client, "tech1"), 401)
    assert_problem(client.get("/api/auth/me", headers=world.auth("tech1")), 401)


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ", "Bearer not-a-real-token", "Basic dGVjaDE6ZGVtbw==", "token"],
)
def test_missing_or_wrong_tokens_are_a_401(client, world, header):
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/auth/me", headers=headers)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_logout_revokes_only_this_device(client, world):
    phone = login(client, "tech1", device_name="phone").get_json()["token"]
    tablet = login(client, "tech1", device_name="tablet").get_json()["token"]
    assert client.post("/api/auth/logout", headers=bearer(phone)).status_code == 204
    assert_problem(client.get("/api/auth/me", headers=bearer(phone)), 401)
    assert client.get("/api/auth/me", headers=bearer(tablet)).status_code == 200


def test_admin_revokes_all_of_a_users_devices(client, world):
    token = login(client, "tech1").get_json()["token"]
    url = f"/api/users/{world.ids['tech1']}/devices/revoke"
    response = client.post(url, headers=world.auth("admin"))
    assert response.status_code == 200
    assert response.get_json()["revoked"] == 2  # the world's token and this login
    assert_problem(client.get("/api/auth/me", headers=bearer(token)), 401)
    assert_problem(client.get("/api/auth/me", headers=world.auth("tech1")), 401)
    # Other users keep theirs.
    assert client.get("/api/auth/me", headers=world.auth("tech2")).status_code == 200
    devices = client.get(f"/api/users/{world.ids['tech1']}/devices", headers=world.auth("admin"))
    assert all(d["revoked_at"] for d in devices.get_json())


def test_only_admins_revoke_devices(client, world):
    url = f"/api/users/{world.ids['tech1']}/devices/revoke"
    assert_problem(client.post(url, headers=world.auth("dispatcher")), 403)
    assert_problem(client.post(url, headers=world.auth("tech2")), 403)
    assert client.get("/api/auth/me", headers=world.auth("tech1")).status_code == 200


def test_a_device_lists_its_own_sessions(client, world):
    response = client.get("/api/auth/devices", headers=world.auth("tech1"))
    devices = response.get_json()
    assert len(devices) == 1 and devices[0]["current"] is True


def test_repeated_failures_for_one_user_are_slowed_down(client, world, app):
    for _ in range(service.FREE_FAILURES_PER_USER):
        assert_problem(login(client, "tech1", "wrong"), 401)
    response = login(client, "tech1", "wrong")
    assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    # Even the right password waits: otherwise the lockout would tell a guesser nothing.
    assert_problem(login(client, "tech1"), 429)
    # Another user from another address is not affected.
    assert login(client, "tech2", address="10.9.9.9").status_code == 201


def test_repeated_failures_from_one_address_are_slowed_down(client, world):
    for i in range(service.FREE_FAILURES_PER_ADDRESS):
        assert_problem(login(client, f"guess{i}", "wrong", address="10.6.6.6"), 401)
    assert_problem(login(client, "tech2", address="10.6.6.6"), 429)
    assert login(client, "tech2", address="10.7.7.7").status_code == 201


def test_the_wait_expires(client, world, app):
    for _ in range(service.FREE_FAILURES_PER_USER):
        login(client, "tech1", "wrong")
    assert_problem(login(client, "tech1"), 429)
    with app.app_context():
        # Move the failures into the past, beyond the lockout.
        past = service.utcnow() - service.FAILURE_WINDOW
        db.session.execute(sa.update(LoginAttempt).values(at=past))
        db.session.commit()
    assert login(client, "tech1").status_code == 201


def test_lockout_grows_exponentially_and_is_capped():
    free = service.FREE_FAILURES_PER_USER
    waits = [service._lockout_seconds(n, free) for n in range(free - 1, free + 20)]
    assert waits[0] == 0
    assert waits[1] < waits[2] < waits[3]
    assert max(waits) == service.MAX_LOCKOUT_SECONDS


def test_admin_creates_users_and_dealer_users_need_a_dealer(client, world, app):
    new = {
        "username": "tech3",
        "display_name": "师傅 赵勇",
        "role": "technician",
        "password": "long enough",
    }
    response = client.post("/api/users", json=new, headers=world.auth("admin"))
    assert response.status_code == 201
    assert login(client, "tech3", "long enough").status_code == 201
    bad = {**new, "username": "dealer3", "role": "dealer"}
    assert_problem(
        client.post("/api/users", json=bad, headers=world.auth("admin")), 422, field="dealer_id"
    )
    assert_problem(client.post("/api/users", json=new, headers=world.auth("admin")), 409)
    assert_problem(
        client.post("/api/users", json={**new, "username": "x4"}, headers=world.auth("dispatcher")),
        403,
    )
    with app.app_context():
        assert count(User) == len(world.users) + 1
