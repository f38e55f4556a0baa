"""Media pipeline benchmark: photo-like 12 MP JPEGs through three pipelines.

    .venv/bin/python bench/media_bench.py [--quick]

1. naive Pillow: full decode, exif_transpose, resize to 1600 px and 320 px, save;
2. the project's pipeline (server.media.imaging.normalize, the background step);
3. pyvips `thumbnail` (a libvips reference) if it is installed, else null.
Prints ms per photo, photos/s, output bytes and SSIM (luma, 7×7 windows) against a
full-quality reference: the full decode resized with LANCZOS, never re-encoded.
The last line is one JSON object. Needs the `bench` extras (numpy; pyvips optional).
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
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.dealers.policy import default_policy
from server.media.checks import check_image
from server.media.imaging import normalize, profile_for

SIZE = (4000, 3000)  # 12 MP, 4:3 like a phone camera
LONG_EDGE, THUMB = 1600, 320


def _field(rng, cells: list[int], exponent: float) -> np.ndarray:
    """Multi-octave value noise in 0..1: amplitude falls with frequency, as in real scenes."""
    w, h = SIZE
    acc = np.zeros((h, w), np.float32)
    for n in cells:
        grid = rng.random((max(2, n * 3 // 4), n)).astype(np.float32)
        layer = Image.fromarray(grid, "F").resize((w, h), Image.BICUBIC)
        acc += np.asarray(layer) * n**-exponent
    acc -= acc.min()
    return acc / acc.max()


def synth_photo(seed: int, grain: float = 3.0) -> bytes:
    """A natural-looking 12 MP scene: shaded surfaces, edges, text, texture and grain.

    Luma carries the detail (1/f-like octaves), chroma varies slowly, objects are lit
    by the same uneven light, and a little sensor grain is left after lens blur, as a
    phone's denoised JPEG has.
    """
    rng = np.random.default_rng(seed)
    w, h = SIZE
    luma = 40 + 180 * _field(rng, [3, 6, 12, 24, 48, 96, 192, 384, 768], 0.75)
    cb = 128 + 40 * (_field(rng, [2, 4, 8, 16], 0.5) - 0.5)
    cr = 128 + 40 * (_field(rng, [2, 4, 8, 16], 0.5) - 0.5)
    planes = [Image.fromarray(np.clip(c, 0, 255).astype(np.uint8)) for c in (luma, cb, cr)]
    scene = Image.merge("YCbCr", planes).convert("RGB")
    draw = ImageDraw.Draw(scene)
    for _ in range(25):  # hard-edged objects: housings, pipes, labels
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        dx, dy = int(rng.integers(120, 1000)), int(rng.integers(80, 800))
        colour = tuple(int(c) for c in rng.integers(40, 220, 3))
        kind = rng.integers(0, 3)
        if kind == 0:
            draw.rectangle((x, y, x + dx, y + dy), fill=colour)
        elif kind == 1:
            draw.ellipse((x, y, x + dx, y + dy), fill=colour)
        else:
            draw.line((x, y, x + dx, y + dy), fill=colour, width=int(rng.integers(6, 50)))
    font = ImageFont.load_default(size=44)
    for _ in range(12):  # a nameplate's worth of small print
        x, y = int(rng.integers(0, w - 700)), int(rng.integers(0, h - 60))
        text = f"SN-{rng.integers(10**7, 10**8)}  0.{rng.integers(10, 99)} MPa"
        draw.text((x, y), text, fill=(20, 20, 20), font=font)
    # The same light falls on everything; fine texture covers the objects too.
    light = 0.6 + 0.6 * _field(rng, [2, 3, 5], 0.5)[..., None]
    texture = 26 * (_field(rng, [250, 500, 1000], 0.3) - 0.5)[..., None]
    pixels = np.asarray(scene, np.float32) * light + texture
    scene = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    scene = scene.filter(ImageFilter.GaussianBlur(0.8))  # lens softness
    noise = rng.normal(0, grain, (h, w, 1)).astype(np.float32)
    pixels = np.clip(np.asarray(scene, np.float32) + noise, 0, 255).astype(np.uint8)
    out = BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


def naive(data: bytes) -> tuple[bytes, bytes]:
    img = Image.open(BytesIO(data))
    img.load()
    img = ImageOps.exif_transpose(img).convert("RGB")
    scale = LONG_EDGE / max(img.size)
    display = img.resize((round(img.width * scale), round(img.height * scale)), Image.LANCZOS)
    tscale = THUMB / max(img.size)
    thumb = img.resize((round(img.width * tscale), round(img.height * tscale)), Image.LANCZOS)
    return _save(display, 85), _save(thumb, 70)


def _save(img: Image.Image, quality: int) -> bytes:
    out = BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def project(data: bytes, profile) -> tuple[bytes, bytes]:
    derived = normalize(BytesIO(data), profile)
    return derived.display, derived.thumb


def vips_pipeline(pyvips, data: bytes, quality: int) -> tuple[bytes, bytes]:
    # Like the project: one shrink-on-load decode, the thumbnail made from the display.
    display = pyvips.Image.thumbnail_buffer(data, LONG_EDGE).copy_memory()
    thumb = display.thumbnail_image(THUMB)
    return (
        display.jpegsave_buffer(Q=quality, interlace=True, keep="none"),
        thumb.jpegsave_buffer(Q=70, keep="none"),
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


def reference(data: bytes, size: tuple[int, int]) -> np.ndarray:
    img = ImageOps.exif_transpose(Image.open(BytesIO(data))).convert("RGB")
    return _luma(img.resize(size, Image.LANCZOS))


def run(name: str, fn, photos: list[bytes], refs: list[np.ndarray], repeat: int) -> dict:
    fn(photos[0])  # warm-up: codec tables, imports
    times, sizes, scores = [], [], []
    for data, ref in zip(photos, refs, strict=True):
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            display, _thumb = fn(data)
            best = min(best, time.perf_counter() - start)
        times.append(best)
        sizes.append(len(display))
        out = Image.open(BytesIO(display))
        if out.size != (ref.shape[1], ref.shape[0]):
            out = out.resize((ref.shape[1], ref.shape[0]), Image.LANCZOS)
        scores.append(ssim(_luma(out), ref))
    ms = 1000 * statistics.mean(times)
    result = {
        "name": name,
        "ms_per_photo": round(ms, 1),
        "photos_per_s": round(1000 / ms, 2),
        "median_output_kb": round(statistics.median(sizes) / 1024, 1),
        "min_ssim": round(min(scores), 4),
    }
    print(
        f"{name:<22} {result['ms_per_photo']:>8.1f} ms/photo {result['photos_per_s']:>6.2f} "
        f"photos/s  median {result['median_output_kb']:>6.1f} KB  min SSIM {result['min_ssim']}"
    )
    return result


def _best_ms(fn, items: list[bytes], repeat: int) -> float:
    """Best of `repeat` passes, in ms per item."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, (time.perf_counter() - start) / len(items))
    return 1000 * best


def heic_at_upload(photos: list[bytes], media_policy: dict, profile, repeat: int) -> None:
    """12 MP HEICs (as an iPhone sends, pillow-heif/x265) against the same JPEGs.

    HEVC has no reduced-scale decode like JPEG's draft, so both the upload check and
    the derivation decode all 12 MP. Encoded with x265's ultrafast preset only to keep
    --quick short; decode cost depends on the pixels, not on the encoder's effort.
    """
    try:
        heics = []
        for data in photos:
            out = BytesIO()
            with Image.open(BytesIO(data)) as img:
                img.save(out, "HEIF", quality=80, enc_params={"preset": "ultrafast"})
            heics.append(out.getvalue())
    except (OSError, ValueError, KeyError) as exc:
        print(f"HEIC encoding unavailable ({exc.__class__.__name__}): HEIC line skipped")
        return
    check = _best_ms(lambda d: check_image(d, media_policy), heics, repeat)
    check_jpeg = _best_ms(lambda d: check_image(d, media_policy), photos, repeat)
    derive = _best_ms(lambda d: project(d, profile), heics, repeat)
    derive_jpeg = _best_ms(lambda d: project(d, profile), photos, repeat)
    print(
        f"{'HEIC 12 MP at upload':<22} {check:>8.1f} ms/photo check ({check / check_jpeg:.1f}× "
        f"the JPEG's {check_jpeg:.1f}), {derive:.1f} ms derive ({derive / derive_jpeg:.1f}× "
        f"the JPEG's {derive_jpeg:.1f}); {len(heics)} photos, median "
        f"{statistics.median(map(len, heics)) / 1e6:.2f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer photos, one pass (< 60 s)")
    args = parser.parse_args()
    count, repeat = (4, 1) if args.quick else (10, 3)

    media_policy = default_policy()["media"]
    profile = profile_for(media_policy, None)
    started = time.perf_counter()
    photos = [synth_photo(seed) for seed in range(count)]
    print(
        f"{count} synthetic {SIZE[0]}×{SIZE[1]} JPEGs, median "
        f"{statistics.median(map(len, photos)) / 1e6:.2f} MB (made in "
        f"{time.perf_counter() - started:.1f} s); display {LONG_EDGE} px q"
        f"{profile.quality}, thumb {THUMB} px; CPU threads {os.cpu_count()}"
    )
    refs = [reference(p, (LONG_EDGE, LONG_EDGE * 3 // 4)) for p in photos]

    naive_r = run("naive Pillow", naive, photos, refs, repeat)
    project_r = run("project pipeline", lambda d: project(d, profile), photos, refs, repeat)
    start = time.perf_counter()
    for p in photos:
        check_image(p, media_policy)
    check_ms = 1000 * (time.perf_counter() - start) / len(photos)
    print(f"{'upload check (request)':<22} {check_ms:>8.1f} ms/photo (format, bomb, truncation)")

    vips_ms = None
    try:
        import pyvips

        pyvips.concurrency_set(1)  # one core, like one Pillow worker: a per-core comparison
        vips_r = run(
            "pyvips thumbnail",
            lambda d: vips_pipeline(pyvips, d, profile.quality),
            photos,
            refs,
            repeat,
        )
        vips_ms = vips_r["ms_per_photo"]
        pyvips.concurrency_set(os.cpu_count() or 1)
        run(
            "pyvips, all cores",
            lambda d: vips_pipeline(pyvips, d, profile.quality),
            photos,
            refs,
            repeat,
        )
    except (ImportError, OSError) as exc:
        print(f"pyvips unavailable ({exc.__class__.__name__}): reference skipped")

    heic_at_upload(photos[: 1 if args.quick else 2], media_policy, profile, repeat)

    # Stress case, not a target: heavy sensor grain (a dark room, no phone denoising).
    grainy = [synth_photo(100 + seed, grain=8.0) for seed in range(2)]
    grainy_refs = [reference(p, (LONG_EDGE, LONG_EDGE * 3 // 4)) for p in grainy]
    run("project, heavy grain", lambda d: project(d, profile), grainy, grainy_refs, 1)

    speedup = naive_r["ms_per_photo"] / project_r["ms_per_photo"]
    print(f"speed-up over naive: {speedup:.2f}× (target ≥ 2.5×)")
    if vips_ms:
        print(f"project vs pyvips: {project_r['ms_per_photo'] / vips_ms:.2f}× the time (≤ 1 goal)")
    print(
        json.dumps(
            {
                "ms_per_photo": project_r["ms_per_photo"],
                "naive_ms_per_photo": naive_r["ms_per_photo"],
                "pyvips_ms_per_photo": vips_ms,
                "median_output_kb": project_r["median_output_kb"],
                "min_ssim": project_r["min_ssim"],
            }
        )
    )


if __name__ == "__main__":
    main()
