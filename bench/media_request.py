"""The upload request, whole: PUT /api/media/<sha256> through the app (bench/media_bench.py).

A temporary SQLite database (schema by the real migrations) and media folder, one
technician with a device token; processing left to the worker, so the figure is what
the phone waits for: receive and hash the body, check it, store it, record it. Between
repeats the stored media is removed, so every PUT is a first upload.
"""

import hashlib
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def put_ms(bodies: dict[str, bytes], repeat: int) -> dict[str, dict[str, float]]:
    """Best wall and CPU milliseconds of one PUT, per named body."""
    from flask_migrate import upgrade

    from server import create_app
    from server.auth.models import DeviceToken, User
    from server.auth.service import hash_token
    from server.extensions import db
    from server.media.models import MediaObject
    from server.media.storage import get_storage

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "MEDIA_ROOT": f"{tmp}/media",
                "MEDIA_PROCESSING": "worker",
                "SECRET_KEY": "bench",
            }
        )
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            user = User(username="tech", display_name="tech", role="technician")
            user.set_password("bench-password")
            db.session.add(user)
            db.session.flush()
            token = uuid.uuid4().hex
            db.session.add(DeviceToken(user_id=user.id, token_hash=hash_token(token)))
            db.session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"}
        out = {}
        for name, body in bodies.items():
            address = hashlib.sha256(body).hexdigest()
            wall = cpu = float("inf")
            for _ in range(repeat + 1):  # the first is a warm-up
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.put(f"/api/media/{address}", data=body, headers=headers)
                elapsed, elapsed_cpu = time.perf_counter() - start, time.process_time() - start_cpu
                assert response.status_code == 201, response.get_json()
                wall, cpu = min(wall, elapsed), min(cpu, elapsed_cpu)
                with app.app_context():
                    db.session.delete(db.session.get(MediaObject, address))
                    db.session.commit()
                    get_storage().delete(address)
            out[name] = {"wall_ms": round(1000 * wall, 1), "cpu_ms": round(1000 * cpu, 1)}
        return out
