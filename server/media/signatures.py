"""Signature PNGs rendered on the server from signature_pad stroke data.

The evidence never depends on an image the client drew. Input is signature_pad's
`toData()` (v4/v5): point groups `[{points: [{x, y, time, pressure}], penColor,
dotSize, minWidth, maxWidth, velocityFilterWeight, compositeOperation}]`, with
coordinates in CSS pixels of the canvas. Width varies with speed as signature_pad
draws it (fast strokes thin); `destination-out` groups are the eraser.
"""

import hashlib
import itertools
import math
from io import BytesIO

from PIL import Image, ImageDraw
from sqlalchemy.exc import IntegrityError

from server.exceptions import Invalid
from server.extensions import db
from server.media.models import MediaObject
from server.media.storage import get_storage

MAX_GROUPS = 500
MAX_POINTS = 20_000
MAX_SIDE = 4000
MARGIN = 8  # points slightly outside the canvas happen at its edge
SUPERSAMPLE = 2
DEFAULTS = {"minWidth": 0.5, "maxWidth": 2.5, "dotSize": 0.0, "velocityFilterWeight": 0.7}
NUMBER_LIMITS = {"minWidth": 50, "maxWidth": 50, "dotSize": 50, "velocityFilterWeight": 1}


def _invalid(message: str) -> Invalid:
    return Invalid(
        "strokes",
        message,
        detail=f"The signature stroke data is invalid: {message}.",
        slug="invalid-strokes",
    )


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_point(point, g: int, p: int, box: tuple[float, float], last_time):
    where = f"group {g}, point {p}"
    if not isinstance(point, dict):
        raise _invalid(f"{where} is not an object")
    for key in ("x", "y", "time"):
        if not _number(point.get(key)):
            raise _invalid(f"{where} needs a finite number '{key}'")
    if not (-MARGIN <= point["x"] <= box[0] + MARGIN and -MARGIN <= point["y"] <= box[1] + MARGIN):
        raise _invalid(f"{where} lies outside the {box[0]:g}×{box[1]:g} canvas")
    if point["time"] < 0 or (last_time is not None and point["time"] < last_time):
        raise _invalid(f"{where} goes back in time")
    pressure = point.get("pressure", 0.5)
    if not _number(pressure) or not 0 <= pressure <= 1:
        raise _invalid(f"{where} has a pressure outside 0–1")
    return point["time"]


def validate_strokes(strokes, width=None, height=None) -> tuple[int, int]:
    """Refuse malformed stroke data; return the canvas size (derived when not given)."""
    if not isinstance(strokes, list) or not strokes:
        raise _invalid("expected a non-empty list of point groups")
    if len(strokes) > MAX_GROUPS:
        raise _invalid(f"more than {MAX_GROUPS} point groups")
    for side in (width, height):
        if side is not None and (not _number(side) or not 1 <= side <= MAX_SIDE):
            raise _invalid(f"the canvas size must be 1–{MAX_SIDE} pixels")
    box = (width or MAX_SIDE, height or MAX_SIDE)
    total, inked = 0, False
    for g, group in enumerate(strokes):
        if not isinstance(group, dict) or not isinstance(group.get("points"), list):
            raise _invalid(f"group {g} needs a 'points' list")
        if not group["points"]:
            raise _invalid(f"group {g} has no points")
        for key, top in NUMBER_LIMITS.items():
            if key in group and (not _number(group[key]) or not 0 <= group[key] <= top):
                raise _invalid(f"group {g} has an invalid '{key}'")
        for key in ("penColor", "compositeOperation"):
            if key in group and not (isinstance(group[key], str) and len(group[key]) <= 60):
                raise _invalid(f"group {g} has an invalid '{key}'")
        total += len(group["points"])
        if total > MAX_POINTS:
            raise _invalid(f"more than {MAX_POINTS} points")
        last = None
        for p, point in enumerate(group["points"]):
            last = _check_point(point, g, p, box, last)
        inked = inked or group.get("compositeOperation", "source-over") != "destination-out"
    if not inked:
        raise _invalid("nothing is drawn")
    # Without a canvas size, the drawing's own extent (plus a margin) is the canvas.
    points = [pt for group in strokes for pt in group["points"]]
    width = width or min(MAX_SIDE, max(pt["x"] for pt in points) + MARGIN)
    height = height or min(MAX_SIDE, max(pt["y"] for pt in points) + MARGIN)
    return max(1, math.ceil(width)), max(1, math.ceil(height))


def _draw_group(draw: ImageDraw.ImageDraw, group: dict, ink: int) -> None:
    opts = {**DEFAULTS, **{k: group[k] for k in DEFAULTS if k in group}}
    points = group["points"]
    s = SUPERSAMPLE
    if len(points) == 1:
        size = opts["dotSize"] or (opts["minWidth"] + opts["maxWidth"]) / 2
        x, y, r = points[0]["x"] * s, points[0]["y"] * s, max(size * s / 2, 0.5)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=ink)
        return
    velocity = 0.0
    for a, b in itertools.pairwise(points):
        dist = math.dist((a["x"], a["y"]), (b["x"], b["y"]))
        dt = b["time"] - a["time"]
        speed = dist / dt if dt > 0 else 0.0
        weight = opts["velocityFilterWeight"]
        velocity = weight * speed + (1 - weight) * velocity
        width = max(opts["maxWidth"] / (velocity + 1), opts["minWidth"]) * s
        ax, ay, bx, by = a["x"] * s, a["y"] * s, b["x"] * s, b["y"] * s
        draw.line((ax, ay, bx, by), fill=ink, width=max(1, round(width)))
        r = width / 2
        draw.ellipse((bx - r, by - r, bx + r, by + r), fill=ink)


def render_signature(strokes, width=None, height=None) -> tuple[bytes, str]:
    """Validate, then render black ink on white as PNG; returns (png_bytes, sha256)."""
    width, height = validate_strokes(strokes, width, height)
    canvas = Image.new("L", (width * SUPERSAMPLE, height * SUPERSAMPLE), 255)
    draw = ImageDraw.Draw(canvas)
    for group in strokes:
        eraser = group.get("compositeOperation") == "destination-out"
        _draw_group(draw, group, 255 if eraser else 0)
    image = canvas.resize((width, height), Image.Resampling.LANCZOS)
    out = BytesIO()
    image.save(out, "PNG", optimize=True)
    png = out.getvalue()
    return png, hashlib.sha256(png).hexdigest()


def store_signature(strokes, width=None, height=None, uploaded_by=None) -> MediaObject:
    """Render and keep a signature PNG (idempotent); the caller commits.

    For the sync feature's add_signature: set `Signature.png_sha256 = media.sha256`.
    """
    png, sha256 = render_signature(strokes, width, height)
    held = db.session.get(MediaObject, sha256)
    if held is not None:
        return held
    get_storage().put_bytes(sha256, png)
    with Image.open(BytesIO(png)) as img:
        size = img.size
    media = MediaObject(
        sha256=sha256,
        kind="signature",
        status="ready",
        mime="image/png",
        byte_size=len(png),
        width=size[0],
        height=size[1],
        uploaded_by=uploaded_by,
    )
    try:
        with db.session.begin_nested():
            db.session.add(media)
    except IntegrityError:
        return db.session.get(MediaObject, sha256)
    return media
