"""PWA benchmark: size of the app shell, offline cold start with 500 jobs on the device, a
12 MP photo downscaled on the device, and Lighthouse on the sign-in page.

References in the same run: the whole WeUI stylesheet beside the widgets the app takes,
and the naive main-thread canvas downscale beside the app's worker. Debian's Chromium,
headless, on this machine. The last line is one JSON object.

    .venv/bin/python bench/pwa_bench.py [--quick]   (builds nothing: run `make pwa` first)
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BUILD = ROOT / "pwa" / "build"
LIGHTHOUSE = ROOT / "bench" / "lighthouse"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def sizes() -> dict:
    meta = json.loads((BUILD / "build.json").read_text())
    js, css = BUILD / meta["js"].lstrip("/"), BUILD / meta["css"].lstrip("/")
    whole = ROOT / "pwa/node_modules/weui/dist/style/weui.min.css"
    return {
        "shell_js_gz": gz(js),
        "shell_css_gz": gz(css),
        "shell_gz": gz(js) + gz(css),
        "weui_whole_css_gz": gz(whole),
    }


def seed(url: str, jobs: int) -> dict:
    """A technician with `jobs` jobs today and tomorrow, each with its customer and unit."""
    from flask_migrate import upgrade

    from server import create_app
    from server.auth.models import User
    from server.dealers.models import Dealer
    from server.dealers.policy import load_policy
    from server.desk.models import Customer, Job, Unit
    from server.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MEDIA_PROCESSING": "inline"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        dealer = Dealer(name="基准净水", policy_doc=load_policy({}))
        db.session.add(dealer)
        tech = User(username="benchtech", display_name="基准师傅", role="technician")
        tech.set_password("bench-password")
        db.session.add(tech)
        db.session.flush()
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        for n in range(jobs):
            customer = Customer(
                name=f"客户{n}", phone=f"1390000{n:04d}", address=f"杭州市文三路{n}号"
            )
            db.session.add(customer)
            db.session.flush()
            unit = Unit(
                customer_id=customer.id, dealer_id=dealer.id, model="RO-400G", serial=f"SN-B-{n}"
            )
            db.session.add(unit)
            db.session.flush()
            window = start + timedelta(hours=n % 30)
            db.session.add(
                Job(
                    customer_id=customer.id,
                    unit_id=unit.id,
                    dealer_id=dealer.id,
                    kind="installation",
                    status="scheduled",
                    technician_id=tech.id,
                    address=customer.address,
                    window_start=window,
                    window_end=window + timedelta(hours=2),
                )
            )
        db.session.commit()
    app.config["PWA_BUILD"] = str(BUILD)
    from flask import Response

    from tests.pwa.photos import camera_jpeg

    photo = camera_jpeg(6, seed=3, size=(4000, 3000))  # 12 MP, stored sideways, as phones do
    # A bench-only route on the bench's own app: the photo the page downscales.
    app.add_url_rule(
        "/bench/photo.jpg", "bench_photo", lambda: Response(photo, mimetype="image/jpeg")
    )
    return app


def serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def cold_starts(browser, base: str, jobs: int, runs: int) -> list[float]:
    """Sign in and sync once; then, offline, open the app again and time the list of jobs."""
    # bypass_csp: Playwright's polling evaluates strings, which the app's CSP refuses.
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, service_workers="allow", bypass_csp=True
    )
    page = context.new_page()
    page.goto(base + "/")
    page.fill("input[name=username]", "benchtech")
    page.fill("input[name=password]", "bench-password")
    page.click("button[type=submit]")
    page.wait_for_function(f"document.querySelectorAll('a.job').length === {jobs}", timeout=120_000)
    page.evaluate("navigator.serviceWorker.ready")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
        page.wait_for_function(f"document.querySelectorAll('a.job').length === {jobs}")
    context.set_offline(True)
    times = []
    for _ in range(runs):
        page.close()
        page = context.new_page()
        page.goto(base + "/", wait_until="commit")
        page.wait_for_function(
            f"document.querySelectorAll('a.job').length === {jobs}", timeout=60_000
        )
        # From navigation start to the whole list on screen (performance.now is since then).
        times.append(page.evaluate("performance.now()"))
    context.close()
    return times


PHOTO_JS = """async ([workerUrl, useWorker]) => {
  const bytes = await (await fetch('/bench/photo.jpg')).blob();
  const file = new File([bytes], 'IMG.jpg', { type: 'image/jpeg' });
  const started = performance.now();
  let blob;
  if (useWorker) {
    const worker = new Worker(workerUrl);
    const result = await new Promise((ok, fail) => {
      worker.onmessage = ({ data }) => (data.error ? fail(data.error) : ok(data.result));
      const options = { longEdge: 2048, quality: 0.8, thumbEdge: 320 };
      worker.postMessage({ id: 1, file, options });
    });
    worker.terminate();
    blob = result.blob;
  } else {
    // The usual way: the page's own canvas, on the main thread, the same work (photo,
    // thumbnail, SHA-256) but drawing scaled in one step.
    const img = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const draw = async (edge, quality) => {
      const scale = edge / Math.max(img.width, img.height);
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise((ok) => canvas.toBlob(ok, 'image/jpeg', quality));
    };
    blob = await draw(2048, 0.8);
    await draw(320, 0.7);
    await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  }
  return { ms: performance.now() - started, bytes: blob.size, original: bytes.size };
}"""


def photos(browser, base: str, runs: int) -> dict:
    meta = json.loads((BUILD / "build.json").read_text())
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(base + "/")
    out = {}
    for name, worker in (("worker", True), ("main_thread_canvas", False)):
        results = [page.evaluate(PHOTO_JS, [meta["worker"], worker]) for _ in range(runs)]
        out[name] = {
            "ms": round(statistics.median(r["ms"] for r in results), 1),
            "bytes": results[0]["bytes"],
            "original": results[0]["original"],
        }
    context.close()
    return out


def lighthouse(base: str) -> dict | None:
    cli = LIGHTHOUSE / "node_modules/.bin/lighthouse"
    if not cli.exists():
        subprocess.run(
            [
                "npm",
                "ci" if (LIGHTHOUSE / "package-lock.json").exists() else "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ],
            cwd=LIGHTHOUSE,
            check=True,
        )
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        flags = " ".join(["--headless=new", *ARGS])
        subprocess.run(
            [
                str(cli),
                base + "/",
                "--output=json",
                f"--output-path={report}",
                "--quiet",
                f"--chrome-flags={flags}",
                "--only-categories=performance,accessibility,best-practices",
            ],
            check=True,
            env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
            timeout=300,
        )
        categories = json.loads(report.read_text())["categories"]
    return {name: round(c["score"] * 100) for name, c in categories.items()}


def kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-lighthouse", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    jobs, runs = 500, (3 if args.quick else 7)
    r = {"load": os.getloadavg()[0], **sizes()}
    print(
        f"app shell: {kb(r['shell_gz'])} gzipped (JS {kb(r['shell_js_gz'])}, "
        f"CSS {kb(r['shell_css_gz'])}); the whole WeUI CSS alone: {kb(r['weui_whole_css_gz'])}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSTANCE_PATH"] = tmp
        app = seed(f"sqlite:///{tmp}/bench.sqlite3", jobs)
        server, base = serve(app)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                starts = cold_starts(browser, base, jobs, runs)
                r["cold_start_500_jobs_ms"] = round(statistics.median(starts))
                r["cold_start_runs_ms"] = [round(t) for t in starts]
                print(
                    f"offline cold start to {jobs} jobs on screen: median "
                    f"{r['cold_start_500_jobs_ms']} ms (runs {r['cold_start_runs_ms']})"
                )
                shots = photos(browser, base, runs)
                browser.close()
            w, naive = shots["worker"], shots["main_thread_canvas"]
            r.update(
                photo_ms=w["ms"],
                photo_bytes=w["bytes"],
                photo_original_bytes=w["original"],
                photo_ratio=round(w["original"] / w["bytes"], 1),
                photo_main_thread_ms=naive["ms"],
            )
            print(
                f"12 MP photo on the device: {w['ms']} ms in the worker (the same work on the "
                f"main thread: {naive['ms']} ms); {w['original']} → {w['bytes']} bytes "
                f"(1/{r['photo_ratio']})"
            )
            if not args.no_lighthouse:
                r["lighthouse"] = lighthouse(base)
                print(f"Lighthouse 12.2.3 on /: {r['lighthouse']}")
        finally:
            server.shutdown()
    print(json.dumps(r))


if __name__ == "__main__":
    main()
