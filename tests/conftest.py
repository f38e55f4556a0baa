"""Fixtures: one app per test session on a fresh database (a temporary SQLite file, or
PostgreSQL when TEST_DATABASE_URL is set), built by the real migrations; every table
emptied after each test."""

import os
import secrets
import tempfile
import uuid
from datetime import UTC, datetime, timedelta

import pytest

_tmp = tempfile.mkdtemp(prefix="purifier-tests-")
# Before importing the server: keep the test secret key and files out of the repository.
os.environ["INSTANCE_PATH"] = _tmp

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from server import create_app  # noqa: E402
from server.auth.models import DeviceToken, User  # noqa: E402
from server.auth.service import hash_token  # noqa: E402
from server.dealers.models import Dealer  # noqa: E402
from server.dealers.policy import load_policy  # noqa: E402
from server.desk.models import Customer, Job, Unit  # noqa: E402
from server.extensions import db  # noqa: E402

PASSWORD = "correct horse"
_hash_cache: dict[str, str] = {}


def database_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_tmp}/test.sqlite3"


def is_postgres() -> bool:
    return database_url().startswith("postgresql")


def _reset_schema(url: str) -> None:
    """Start from an empty database, so only the migrations build the schema."""
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()


@pytest.fixture(scope="session")
def app():
    url = database_url()
    _reset_schema(url)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "MEDIA_ROOT": os.path.join(_tmp, "media"),
            "SECRET_KEY": "test-secret",
        }
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    # A test's settings (app.config) end with it: the app lives for the session, and a
    # setting left behind would make later tests pass or fail by the order they run in.
    settings = dict(request.getfixturevalue("app").config) if "app" in request.fixturenames else {}
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    app.config.clear()
    app.config.update(settings)
    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            # DELETE, children first: a test's few rows go ~10x faster than with TRUNCATE,
            # which makes new files for every table (PostgreSQL: ~50-120 ms per test).
            for table in tables:
                conn.execute(table.delete())
            if conn.dialect.name == "postgresql":
                # What TRUNCATE's RESTART IDENTITY did: change-log positions start at 1.
                sequences = conn.scalars(
                    sa.text(
                        "SELECT sequence_name FROM information_schema.sequences"
                        " WHERE sequence_schema = current_schema()"
                    )
                ).all()
                for name in sequences:
                    conn.execute(sa.text(f'ALTER SEQUENCE "{name}" RESTART'))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An app context for tests that talk to the database directly."""
    with app.app_context():
        yield
        db.session.remove()


def make_user(username, role, dealer=None, password=PASSWORD) -> User:
    if password not in _hash_cache:
        probe = User()
        probe.set_password(password)
        _hash_cache[password] = probe.password_hash
    user = User(
        username=username,
        display_name=username,
        role=role,
        dealer_id=dealer.id if dealer else None,
        password_hash=_hash_cache[password],
    )
    db.session.add(user)
    db.session.flush()
    return user


def token_for(user: User, device_name="test") -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        DeviceToken(user_id=user.id, token_hash=hash_token(token), device_name=device_name)
    )
    db.session.flush()
    return token


class World:
    """Two dealers (org1, org2), one user of each role (two technicians, two dealer users), and for
    each dealer a customer with a unit and a job (dealer 1's job is tech1's, dealer 2's
    is tech2's)."""

    def __init__(self):
        self.org1 = Dealer(name="示例净水", policy_doc=load_policy({}))
        self.org2 = Dealer(name="清泉净水", policy_doc=load_policy({}))
        db.session.add_all([self.org1, self.org2])
        db.session.flush()
        self.users = {
            "admin": make_user("admin", "admin"),
            "dispatcher": make_user("dispatcher", "dispatcher"),
            "tech1": make_user("tech1", "technician"),
            "tech2": make_user("tech2", "technician"),
            "dealer1": make_user("dealer1", "dealer", self.org1),
            "dealer2": make_user("dealer2", "dealer", self.org2),
        }
        self.tokens = {name: token_for(user) for name, user in self.users.items()}
        self.customer1, self.unit1, self.job1 = self._household(self.org1, "tech1", "张伟", "1")
        self.customer2, self.unit2, self.job2 = self._household(self.org2, "tech2", "李娜", "2")
        db.session.commit()
        # Plain values, usable after the session closes.
        self.ids = {
            name: str(getattr(self, name).id)
            for name in (
                "org1",
                "org2",
                "customer1",
                "customer2",
                "unit1",
                "unit2",
                "job1",
                "job2",
            )
        }
        self.ids.update({name: str(u.id) for name, u in self.users.items()})

    def _household(self, dealer, tech, name, n):
        customer = Customer(
            name=name, phone=f"1380000000{n}", city="杭州市", address=f"杭州市西湖区文三路{n}号"
        )
        unit = Unit(
            customer=customer,
            dealer_id=dealer.id,
            model="RO-400G",
            serial=f"SN-TEST-{n}",
            purchase_date=datetime.now(UTC).date() - timedelta(days=30),
        )
        db.session.add_all([customer, unit])
        db.session.flush()
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
        job = Job(
            customer_id=customer.id,
            unit_id=unit.id,
            dealer_id=dealer.id,
            kind="installation",
            status="scheduled",
            technician_id=self.users[tech].id,
            address=customer.address,
            window_start=start,
            window_end=start + timedelta(hours=2),
        )
        db.session.add(job)
        db.session.flush()
        return customer, unit, job

    def auth(self, name: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[name]}"}


@pytest.fixture
def world(app):
    with app.app_context():
        w = World()
        db.session.remove()
    return w


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the session (Playwright's sync API allows one driver per thread)."""
    from playwright.sync_api import sync_playwright

    from tests.live import CHROMIUM, CHROMIUM_ARGS

    # Route and cut service-worker requests too (Background Sync), not only the page's.
    os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
