"""Media test fixtures: inline processing, an empty media folder per test, helpers."""

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import ImageFile

from server.extensions import db
from server.field.models import Photo, Signature
from tests.media.images import sha


@pytest.fixture(autouse=True)
def media_root(app):
    """A clean media folder, and processing done before the request returns."""
    root = Path(app.config["MEDIA_ROOT"])
    shutil.rmtree(root, ignore_errors=True)
    app.config["MEDIA_PROCESSING"] = "inline"
    yield root
    app.config["MEDIA_PROCESSING"] = "inline"
    shutil.rmtree(root, ignore_errors=True)


def stored_files(root: Path) -> list[Path]:
    """Every file under the media folder (blobs, staging and partial uploads)."""
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def put(client, world, data: bytes, who="tech1", address=None, **headers):
    return client.put(
        f"/api/media/{address or sha(data)}",
        data=data,
        headers={**world.auth(who), "Content-Type": "image/jpeg", **headers},
    )


def add_photo(app, world, address: str, job="job1", purpose="installation") -> str:
    with app.app_context():
        photo = Photo(
            job_id=uuid.UUID(world.ids[job]),
            purpose=purpose,
            sha256=address,
            taken_at=datetime.now(UTC),
        )
        db.session.add(photo)
        db.session.commit()
        return str(photo.id)


def add_signature(app, world, png_sha: str, job="job1") -> str:
    with app.app_context():
        signature = Signature(
            job_id=uuid.UUID(world.ids[job]),
            purpose="acceptance",
            signer_name="张伟",
            statement_text="I accept the installation.",
            statement_sha256=sha(b"I accept the installation."),
            strokes=[{"points": [{"x": 1, "y": 1, "time": 1, "pressure": 0.5}]}],
            png_sha256=png_sha,
            signed_at=datetime.now(UTC),
        )
        db.session.add(signature)
        db.session.commit()
        return str(signature.id)


def set_media_policy(app, world, job="job1", **media):
    """Change the media policy of the dealer of `job` (world.ids["dealer1"] is a user)."""
    from server.dealers.models import Dealer
    from server.desk.models import Job

    with app.app_context():
        dealer_id = db.session.get(Job, uuid.UUID(world.ids[job])).dealer_id
        row = db.session.get(Dealer, dealer_id)
        row.policy_doc = {**row.policy_doc, "media": {**row.policy_doc["media"], **media}}
        db.session.commit()


def fetch(client, url, **kwargs):
    """GET and read the whole body, closing the file send_file opened."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


@pytest.fixture
def decodes(monkeypatch):
    """The sizes of the images Pillow decodes (a PNG's metadata stand-in is 1×1)."""
    seen, load = [], ImageFile.ImageFile.load

    def counting(self):
        if self.tile:
            seen.append(self.size)
        return load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting)
    return seen
