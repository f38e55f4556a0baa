"""Several gunicorn worker processes on one database and media folder, with the background
worker (`flask worker`) deriving what they received, as in production: nothing may assume
one process. The server listens on 127.0.0.1 only and is stopped after the test."""

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.conftest import database_url
from tests.media.images import encode, photo, sha

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(app, media_root, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(media_root),
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path),
        "MEDIA_PROCESSING": "worker",
        "WORKER_POLL_SECONDS": "0.2",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "--workers", "2", "--threads", "2", "--timeout", "60"]
    proc = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    flask = Path(sys.executable).with_name("flask")
    worker = subprocess.Popen(
        [str(flask), "--app", "wsgi", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/api/health", timeout=2).ok:
                    break
            except requests.RequestException:
                # Refused before the bind, or timed out while workers boot.
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        yield base
    finally:
        for process in (proc, worker):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_concurrent_uploads_across_processes_store_once_and_finish_processing(server, world):
    data = encode(photo((2400, 1800), seed=11), "JPEG", quality=90)
    url = f"{server}/api/media/{sha(data)}"
    headers = {**world.auth("tech1"), "Content-Type": "image/jpeg"}

    def put(_):
        return requests.put(url, data=data, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(put, range(6)))
    assert statuses.count(201) == 1
    assert set(statuses) == {200, 201}

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = requests.get(f"{url}/status", headers=headers, timeout=5).json()
        if body["status"] in ("ready", "failed"):
            break
        time.sleep(0.2)
    assert body["status"] == "ready"
    assert body["display_width"] == 1600


def test_racing_chunks_at_one_offset_append_exactly_once(server, world):
    data = encode(photo((1600, 1200), seed=12), "JPEG", quality=95)
    url = f"{server}/api/media/{sha(data)}/upload"
    tus = {**world.auth("tech1"), "Tus-Resumable": "1.0.0"}
    created = requests.post(url, headers={**tus, "Upload-Length": str(len(data))}, timeout=10)
    assert created.status_code == 201
    chunk = data[: 256 * 1024]

    def patch(_):
        response = requests.patch(
            url,
            data=chunk,
            headers={
                **tus,
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
            },
            timeout=30,
        )
        return response.status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(patch, range(4)))
    assert statuses.count(204) == 1
    assert statuses.count(409) == 3
    head = requests.head(url, headers=tus, timeout=5)
    assert head.headers["Upload-Offset"] == str(len(chunk))
    rest = requests.patch(
        url,
        data=data[len(chunk) :],
        headers={
            **tus,
            "Upload-Offset": str(len(chunk)),
            "Content-Type": "application/offset+octet-stream",
        },
        timeout=30,
    )
    assert rest.status_code == 204
    assert rest.headers["Upload-Offset"] == str(len(data))
