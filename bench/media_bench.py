"""Media pipeline benchmark against honest references, on a realistic input mix.

    .venv/bin/pip install -e '.[bench]'     # numpy (pyvips comes with the server)
    .venv/bin/python bench/media_bench.py [--quick]

Inputs (bench/media_inputs.py, deterministic): 12 MP phone photos as JPEG q90, the
first of them as a 12 MP HEIC, and a 1170×2532 phone screenshot as PNG. Each goes
through three pipelines that make the same display (long edge 1600, q80 progressive,
4:2:0) and thumbnail (long edge 320, q70) with the same encoder settings:

- project: server.media.imaging.normalize, the background step (Pillow decodes and
  encodes, libvips resizes: server/media/resample.py);
- Pillow, idiomatic: Image.open, draft, Image.thumbnail (its defaults), exif_transpose;
- pyvips, same kernels: shrink-on-load like draft, then `resize` with the kernels the
  project uses (display: linear = Pillow's BILINEAR; thumb: cubic, reducing gap 2).
  `thumbnail` cannot take a kernel (always lanczos3); it is shown for information.

Times are CPU seconds of this process (all its threads), best of N: a per-core cost
that other load on a shared machine disturbs less than wall time. pyvips runs with one
thread. SSIM (luma, 7×7 windows) compares each output with a full decode resized with
LANCZOS, never re-encoded. The last line is one JSON object.
"""

import argparse
import json
import os
import statistics
import sys
import time
from io import BytesIO
from pathlib import Path

import numpy as np
import pyvips
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from media_inputs import heic_of, screenshot, synth_photo
from media_request import put_ms

from server.dealers.policy import default_policy
from server.media.checks import check_image
from server.media.imaging import normalize, profile_for
from server.media.resample import resize, resize_steps

LONG_EDGE, THUMB = 1600, 320
DISPLAY = {"quality": 80, "progressive": True, "optimize": True, "subsampling": 2}
THUMBNAIL = {"quality": 70, "progressive": True, "optimize": True, "subsampling": 2}


def project(data: bytes, profile) -> tuple[bytes, bytes]:
    derived = normalize(data, profile)
    return derived.display, derived.thumb


def _save(img: Image.Image, options: dict) -> bytes:
    out = BytesIO()
    img.save(out, "JPEG", **options)
    return out.getvalue()


def pillow_idiomatic(data: bytes) -> tuple[bytes, bytes]:
    """What Pillow's documentation suggests. draft with the square box thumbnail() asks
    for lets libjpeg reduce only when both edges allow it: never for a 4:3 12 MP photo."""
    with Image.open(BytesIO(data)) as img:
        img.draft("RGB", (LONG_EDGE, LONG_EDGE))
        img.thumbnail((LONG_EDGE, LONG_EDGE))  # BICUBIC, reducing_gap 2.0
        display = ImageOps.exif_transpose(img).convert("RGB")
    thumb = display.copy()
    thumb.thumbnail((THUMB, THUMB))
    return _save(display, DISPLAY), _save(thumb, THUMBNAIL)


def _shrink_on_load(data: bytes, target: int) -> dict:
    """JPEG: the largest of 1/2, 1/4, 1/8 that stays ≥ the target, as Pillow's draft picks."""
    if data[:3] != b"\xff\xd8\xff":
        return {}
    with Image.open(BytesIO(data)) as img:
        long = max(img.size)
    shrink = max((s for s in (1, 2, 4, 8) if long // s >= target), default=1)
    return {"shrink": shrink} if shrink > 1 else {}


def vips_same_kernel(data: bytes, edge=LONG_EDGE, kernel="linear", sampling="on"):
    """The project's steps in libvips; a gauge photo: 2048 px, lanczos3, 4:4:4. Sequential
    access, as libvips' "How it opens files" advises for one pass top to bottom: rows
    stream from the decoder into the resize (4-11 % less CPU here than random access,
    the same bytes out; the inputs are upright, so autorot never needs random access)."""
    shrink = _shrink_on_load(data, edge)
    img = pyvips.Image.new_from_buffer(data, "", access="sequential", **shrink).autorot()
    if img.hasalpha():
        img = img.flatten(background=255)
    display = img.resize(edge / max(img.width, img.height), kernel=kernel, gap=3.0)
    display = display.copy_memory()
    thumb = display.resize(THUMB / max(display.width, display.height), kernel="cubic", gap=2.0)
    return _vips_save(display, 80, sampling), _vips_save(thumb, 70)


def vips_thumbnail(data: bytes) -> tuple[bytes, bytes]:
    display = pyvips.Image.thumbnail_buffer(data, LONG_EDGE).copy_memory()
    return _vips_save(display, 80), _vips_save(display.thumbnail_image(THUMB), 70)


def _vips_save(img, quality: int, sampling="on") -> bytes:
    return img.jpegsave_buffer(
        Q=quality, interlace=True, optimize_coding=True, subsample_mode=sampling, keep="none"
    )


def _luma(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L"), np.float64)


def _box(a: np.ndarray, k: int = 7) -> np.ndarray:
    """Mean over k×k windows (valid region) via an integral image."""
    s = np.pad(a, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    return (s[k:, k:] - s[:-k, k:] - s[k:, :-k] + s[:-k, :-k]) / (k * k)


def ssim(x: np.ndarray, y: np.ndarray) -> float:
    """Mean SSIM (Wang et al. 2004) with 7×7 uniform windows, sample covariance."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    n = 49
    ux, uy = _box(x), _box(y)
    vx = (_box(x * x) - ux * ux) * n / (n - 1)
    vy = (_box(y * y) - uy * uy) * n / (n - 1)
    vxy = (_box(x * y) - ux * uy) * n / (n - 1)
    num = (2 * ux * uy + c1) * (2 * vxy + c2)
    den = (ux * ux + uy * uy + c1) * (vx + vy + c2)
    return float((num / den).mean())


def references(data: bytes, edges=(LONG_EDGE, THUMB)) -> dict:
    """Full decode, LANCZOS to the display and the thumbnail size: the quality yardstick."""
    with Image.open(BytesIO(data)) as img:
        full = ImageOps.exif_transpose(img).convert("RGB")
    refs = {}
    for edge in edges:
        scale = min(1.0, edge / max(full.size))
        size = (max(1, round(full.width * scale)), max(1, round(full.height * scale)))
        refs[edge] = _luma(full.resize(size, Image.LANCZOS))
    return refs


def cpu_ms(fn, data, repeat: int) -> float:
    """Best of `repeat` runs, CPU milliseconds of this process (every thread)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn(data)
        best = min(best, time.process_time() - start)
    return 1000 * best


def measure(fn, data: bytes, refs: dict, repeat: int, edge=LONG_EDGE) -> dict:
    display, thumb = fn(data)  # warm-up: codec tables, imports
    out = {"ms": cpu_ms(fn, data, repeat), "kb": len(display) / 1024, "thumb_kb": len(thumb) / 1024}
    for key, blob, size in (("ssim", display, edge), ("thumb_ssim", thumb, THUMB)):
        with Image.open(BytesIO(blob)) as img:
            ref = refs[size]
            out[key.replace("ssim", "size")] = img.size
            if img.size != (ref.shape[1], ref.shape[0]):  # a size mismatch would be a bug
                out[key] = None
                continue
            out[key] = ssim(_luma(img), ref)
    return out


def stages(jpeg: bytes, repeat: int) -> None:
    """Where a 12 MP JPEG's time goes, step by step, in Pillow, in libvips and in the
    project (Pillow's codec, libvips' resampler; its resizes include the copies), CPU ms."""

    def decode(data):
        img = Image.open(BytesIO(data))
        img.draft("RGB", (LONG_EDGE, LONG_EDGE * 3 // 4))
        img.load()
        return img

    half = decode(jpeg)
    dsize, tsize = (LONG_EDGE, LONG_EDGE * 3 // 4), (THUMB, THUMB * 3 // 4)
    display = half.resize(dsize, Image.BILINEAR)
    thumb = display.resize(tsize, Image.BICUBIC, reducing_gap=2.0)
    print("stages, ms (decode 1/2 / display resize / thumb resize / encode display / thumb):")
    encode = [
        cpu_ms(decode, jpeg, repeat),
        cpu_ms(lambda i: _save(i, DISPLAY), display, repeat),
        cpu_ms(lambda i: _save(i, THUMBNAIL), thumb, repeat),
    ]
    rows = {
        "Pillow": [
            cpu_ms(lambda i: i.resize(dsize, Image.BILINEAR, reducing_gap=3.0), half, repeat),
            cpu_ms(lambda i: i.resize(tsize, Image.BICUBIC, reducing_gap=2.0), display, repeat),
        ],
    }
    # The project makes both in one crossing into libvips: its thumb is the difference.
    both = [(dsize, Image.BILINEAR, 3.0), (tsize, Image.BICUBIC, 2.0)]
    alone = cpu_ms(lambda i: resize(i, dsize, Image.BILINEAR, 3.0), half, repeat)
    rows["project"] = [alone, cpu_ms(lambda i: resize_steps(i, both), half, repeat) - alone]
    for label, (rdisplay, rthumb) in rows.items():
        steps = [encode[0], rdisplay, rthumb, *encode[1:]]
        print(f"  {label:<8}{' / '.join(f'{v:.1f}' for v in steps)} = {sum(steps):.1f}")
    vhalf = pyvips.Image.new_from_buffer(jpeg, "", shrink=2).copy_memory()
    vdisplay = vhalf.resize(0.8, kernel="linear", gap=3.0).copy_memory()
    vthumb = vdisplay.resize(0.2, kernel="cubic", gap=2.0).copy_memory()
    vips = [
        cpu_ms(lambda d: pyvips.Image.new_from_buffer(d, "", shrink=2).copy_memory(), jpeg, repeat),
        cpu_ms(lambda i: i.resize(0.8, kernel="linear", gap=3.0).copy_memory(), vhalf, repeat),
        cpu_ms(lambda i: i.resize(0.2, kernel="cubic", gap=2.0).copy_memory(), vdisplay, repeat),
        cpu_ms(lambda i: _vips_save(i, 80), vdisplay, repeat),
        cpu_ms(lambda i: _vips_save(i, 70), vthumb, repeat),
    ]
    print(f"  libvips {' / '.join(f'{v:.1f}' for v in vips)} = {sum(vips):.1f}")


def gauge(data: bytes, profile, repeat: int) -> dict:
    """A gauge photo: 2048 px (no reduced decode from 4000), lanczos3, 4:4:4."""
    edge = profile.long_edge
    refs = references(data, (edge, THUMB))
    ours = measure(lambda d: project(d, profile), data, refs, repeat, edge)
    vips = measure(lambda d: vips_same_kernel(d, edge, "lanczos3", "off"), data, refs, repeat, edge)
    entry = {
        "project_ms": round(ours["ms"], 1),
        "pyvips_ms": round(vips["ms"], 1),
        "ratio_to_pyvips": round(ours["ms"] / vips["ms"], 2),
        "project_ssim": round(ours["ssim"] or 0, 4),
        "pyvips_ssim": round(vips["ssim"] or 0, 4),
        "kb": [round(ours["kb"]), round(vips["kb"])],
    }
    print(
        f"gauge photo ({edge} px, lanczos3, 4:4:4): project {entry['project_ms']} ms, pyvips "
        f"{entry['pyvips_ms']} ms ({entry['ratio_to_pyvips']}×); SSIM {entry['project_ssim']} / "
        f"{entry['pyvips_ssim']}; {entry['kb'][0]} / {entry['kb'][1]} KB"
    )
    return entry


def load() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def heic_request(heic: bytes, jpeg: bytes, media_policy: dict, repeat: int) -> dict:
    """The upload check (request time) for the HEIC and the JPEG it came from, and what the
    check cost while it decoded a HEIC's pixels (before 2026-12-07): the same + a decode."""

    def decode(data):
        with Image.open(BytesIO(data)) as img:
            img.load()

    check = cpu_ms(lambda d: check_image(d, media_policy), heic, repeat)
    return {
        "heic_check_ms": round(check, 1),
        "heic_check_before_ms": round(check + cpu_ms(decode, heic, repeat), 1),
        "jpeg_check_ms": round(cpu_ms(lambda d: check_image(d, media_policy), jpeg, repeat), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 photos, 2 passes (~1 min)")
    args = parser.parse_args()
    count, repeat = (3, 2) if args.quick else (8, 5)
    print(f"start: {load()}; {os.cpu_count()} CPU threads")

    media_policy = default_policy()["media"]
    profile = profile_for(media_policy, None)
    photos = [synth_photo(seed) for seed in range(count)]
    inputs = [(f"jpeg-{i}", "jpeg", p) for i, p in enumerate(photos)]
    inputs += [("heic-0", "heic", heic_of(photos[0])), ("png-shot", "png", screenshot(0))]

    pyvips.concurrency_set(1)  # one core, like one Pillow worker: a per-core comparison
    pyvips.cache_set_max(0)  # no cached results between repeats
    pipelines = {
        "project": lambda d: project(d, profile),
        "pillow thumbnail": pillow_idiomatic,
        "pyvips same kernel": vips_same_kernel,
        "pyvips thumbnail (info)": vips_thumbnail,
    }
    print(f"pyvips {pyvips.__version__}, libvips {pyvips.version(0)}.{pyvips.version(1)}")

    print(f"{'image':<10} {'pipeline':<24} {'CPU ms':>8} {'×project':>9} {'display':>16} "
          f"{'SSIM':>7} {'thumb':>14} {'SSIM':>7}")  # fmt: skip
    rows: dict[str, dict[str, list]] = {}
    for name, kind, data in inputs:
        refs = references(data)
        results = {}
        for label, fn in pipelines.items():
            try:
                results[label] = measure(fn, data, refs, repeat)
            except Exception as exc:  # pyvips-binary's libheif has no HEVC decoder
                reason = (getattr(exc, "detail", "") or str(exc)).strip().splitlines()[0]
                print(f"{name:<10} {label:<24} skipped: {reason[:110]}")
                continue
            rows.setdefault(kind, {}).setdefault(label, []).append(results[label])
        mine = results["project"]["ms"]
        for label, r in results.items():
            size, tsize = "×".join(map(str, r["size"])), "×".join(map(str, r["thumb_size"]))
            print(
                f"{name:<10} {label:<24} {r['ms']:>8.1f} {r['ms'] / mine:>8.2f}× "
                f"{size:>9} {r['kb']:>5.0f}KB {_fmt(r['ssim'])} {tsize:>7} "
                f"{r['thumb_kb']:>4.0f}KB {_fmt(r['thumb_ssim'])}"
            )

    summary: dict = {}
    for kind, by_label in rows.items():
        mean = {label: statistics.mean(r["ms"] for r in rs) for label, rs in by_label.items()}
        worst = min(r["ssim"] or 0 for r in by_label["project"])
        entry = {"project_ms": round(mean["project"], 1), "project_min_ssim": round(worst, 4)}
        for label, key in (("pillow thumbnail", "pillow"), ("pyvips same kernel", "pyvips")):
            if label in mean:
                entry[f"{key}_ms"] = round(mean[label], 1)
                entry[f"ratio_to_{key}"] = round(mean["project"] / mean[label], 2)
                entry[f"{key}_min_ssim"] = round(min(r["ssim"] or 0 for r in by_label[label]), 4)
        summary[kind] = entry
        ratios = ", ".join(f"{k[9:]} {v}×" for k, v in entry.items() if k.startswith("ratio_to"))
        print(f"{kind}: project {entry['project_ms']} ms, time ratio to {ratios or '-'}")

    summary["jpeg_gauge"] = gauge(photos[0], profile_for(media_policy, "gauge"), repeat)
    stages(photos[0], repeat)
    request = heic_request(inputs[-2][2], photos[0], media_policy, repeat)
    print(
        f"upload check (request): HEIC {request['heic_check_ms']} ms (was "
        f"{request['heic_check_before_ms']} ms with its full decode), JPEG "
        f"{request['jpeg_check_ms']} ms"
    )
    whole = put_ms({"heic": inputs[-2][2], "jpeg": photos[0]}, repeat)
    request.update({f"{k}_put": v for k, v in whole.items()})
    print(
        "whole PUT request, best wall / CPU ms: "
        + ", ".join(f"{k.upper()} {v['wall_ms']} / {v['cpu_ms']}" for k, v in whole.items())
    )
    print(f"end: {load()}")
    print(json.dumps({**summary, **request, "load_end": os.getloadavg()[0]}))


def _fmt(value) -> str:
    return f"{value:>7.4f}" if value is not None else "   size?"


if __name__ == "__main__":
    main()
