"""Synthetic inputs for bench/media_bench.py, made deterministically from a seed.

A 12 MP phone photo (JPEG q90), the same photo as a 12 MP HEIC, and a phone
screenshot (PNG). Real files vary; these are built to compress and resample like them.
"""

from io import BytesIO

import numpy as np
import pillow_heif
from PIL import Image, ImageDraw, ImageFilter, ImageFont

pillow_heif.register_heif_opener()
SIZE = (4000, 3000)  # 12 MP, 4:3 like a phone camera
SCREEN = (1170, 2532)  # a phone screenshot, portrait


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


def heic_of(jpeg: bytes) -> bytes:
    """The photo as a 12 MP HEIC (pillow-heif, x265). The `ultrafast` preset only keeps the
    bench short: decoding cost depends on the pixels, not on the encoder's effort."""
    out = BytesIO()
    with Image.open(BytesIO(jpeg)) as img:
        img.save(out, "HEIF", quality=80, enc_params={"preset": "ultrafast"})
    return out.getvalue()


def screenshot(seed: int) -> bytes:
    """A settings-like app screen: flat bars, list rows, icons, text; PNG as phones save."""
    rng = np.random.default_rng(seed)
    w, h = SCREEN
    img = Image.new("RGB", SCREEN, (242, 242, 247))
    draw = ImageDraw.Draw(img)
    small, big = ImageFont.load_default(size=34), ImageFont.load_default(size=52)
    draw.rectangle((0, 0, w, 140), fill=(250, 250, 250))
    draw.text((60, 50), "09:41", fill=(0, 0, 0), font=small)
    draw.text((60, 170), "Service job  SJ-2026-0412", fill=(0, 0, 0), font=big)
    y = 280
    while y < h - 260:
        draw.rounded_rectangle((40, y, w - 40, y + 150), radius=24, fill=(255, 255, 255))
        colour = tuple(int(c) for c in rng.integers(30, 230, 3))
        draw.ellipse((70, y + 35, 150, y + 115), fill=colour)
        words = " ".join(f"{rng.integers(10, 9999)}" for _ in range(3))
        draw.text((180, y + 30), f"Filter cartridge {words}", fill=(20, 20, 20), font=small)
        draw.text(
            (180, y + 85), f"TDS {rng.integers(5, 400)} ppm", fill=(120, 120, 128), font=small
        )
        y += 170
    draw.rounded_rectangle((60, h - 220, w - 60, h - 100), radius=40, fill=(10, 132, 255))
    draw.text((w // 2 - 120, h - 185), "Complete job", fill=(255, 255, 255), font=small)
    out = BytesIO()
    img.save(out, "PNG")
    return out.getvalue()
