"""Signature PNGs rendered by the server from signature_pad point groups."""

import math
from io import BytesIO

import pytest
from PIL import Image

from server.errors import status_of
from server.exceptions import Invalid
from server.media.signatures import render_signature
from tests.media.conftest import add_signature, fetch
from tests.media.images import sha


def stroke(n=60, x0=20, y0=60, t0=1_700_000_000_000):
    return {
        "points": [
            {"x": x0 + i * 4, "y": y0 + 25 * math.sin(i / 6), "time": t0 + i * 16, "pressure": 0.5}
            for i in range(n)
        ],
        "dotSize": 0,
        "minWidth": 0.5,
        "maxWidth": 2.5,
        "penColor": "black",
        "velocityFilterWeight": 0.7,
        "compositeOperation": "source-over",
    }


def test_rendering_is_deterministic_and_draws_ink():
    strokes = [stroke(), {"points": [{"x": 300, "y": 30, "time": 5, "pressure": 0.5}]}]
    png, digest = render_signature(strokes, 400, 150)
    assert (png, digest) == render_signature(strokes, 400, 150)
    assert digest == sha(png)
    img = Image.open(BytesIO(png))
    assert img.format == "PNG"
    assert img.size == (400, 150)
    darkest, lightest = img.getextrema()
    assert darkest < 60 and lightest == 255
    assert img.getpixel((300, 30)) < 128  # the dot
    assert img.getpixel((390, 140)) == 255


def test_the_canvas_size_defaults_to_the_drawings_extent():
    png, _ = render_signature([stroke(n=10)])
    assert Image.open(BytesIO(png)).size[0] == math.ceil(20 + 9 * 4 + 8)


def test_an_eraser_stroke_removes_ink():
    inked, _ = render_signature([stroke()], 400, 150)
    eraser = {**stroke(), "minWidth": 20, "maxWidth": 20, "compositeOperation": "destination-out"}
    erased, _ = render_signature([stroke(), eraser], 400, 150)
    assert Image.open(BytesIO(erased)).getextrema()[0] > Image.open(BytesIO(inked)).getextrema()[0]


def _point(**changes):
    return {"points": [{"x": 10, "y": 10, "time": 1, "pressure": 0.5, **changes}]}


INVALID = {
    "not a list": {"points": []},
    "empty list": [],
    "group without points": [{"penColor": "black"}],
    "group with no points": [{"points": []}],
    "point not an object": [{"points": [[10, 10]]}],
    "missing x": [{"points": [{"y": 10, "time": 1}]}],
    "string coordinate": [_point(x="10")],
    "NaN": [_point(x=float("nan"))],
    "infinite": [_point(y=float("inf"))],
    "outside canvas": [_point(x=5000)],
    "negative": [_point(y=-100)],
    "time goes back": [{"points": [{"x": 1, "y": 1, "time": 5}, {"x": 2, "y": 2, "time": 4}]}],
    "pressure above 1": [_point(pressure=2)],
    "bad width option": [{**_point(), "maxWidth": -1}],
    "boolean coordinate": [_point(x=True)],
    "only eraser": [{**_point(), "compositeOperation": "destination-out"}],
    "too many points": [
        {"points": [{"x": 1, "y": 1, "time": t} for t in range(20_001)]},
    ],
}


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_stroke_data_is_refused(name):
    with pytest.raises(Invalid) as raised:
        render_signature(INVALID[name], 400, 150)
    assert status_of(raised.value) == 422
    assert raised.value.errors["strokes"]
    assert raised.value.slug == "invalid-strokes"


def test_the_endpoint_keeps_the_png_and_a_signature_record_makes_it_readable(client, world, app):
    body = {"strokes": [stroke()], "width": 400, "height": 150}
    response = client.post("/api/media/signatures", json=body, headers=world.auth("tech1"))
    assert response.status_code == 201
    media = response.get_json()
    assert media["kind"] == "signature"
    assert media["status"] == "ready"
    assert media["mime"] == "image/png"
    url = f"/api/media/{media['sha256']}/original"
    assert fetch(client, url, headers=world.auth("tech1")).status_code == 404

    add_signature(app, world, media["sha256"])
    png = fetch(client, url, headers=world.auth("dealer1"))
    assert png.status_code == 200
    assert png.mimetype == "image/png"
    assert sha(png.data) == media["sha256"]
    # Its display variant is the PNG itself.
    display = fetch(client, f"/api/media/{media['sha256']}/display", headers=world.auth("tech1"))
    assert display.data == png.data
    assert fetch(client, url, headers=world.auth("dealer2")).status_code == 404


def test_the_endpoint_refuses_bad_strokes_and_roles(client, world, media_root):
    bad = client.post(
        "/api/media/signatures",
        json={"strokes": [{"points": [{"x": 1}]}]},
        headers=world.auth("tech1"),
    )
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["strokes"]
    dealer = client.post(
        "/api/media/signatures", json={"strokes": [stroke()]}, headers=world.auth("dealer1")
    )
    assert dealer.status_code == 403
    assert not (media_root / "blobs").exists()
