"""Display and thumbnail: upright, sized by purpose, progressive, metadata stripped."""

import pytest
from PIL import Image, JpegImagePlugin

from tests.media.conftest import add_photo, fetch, put, set_media_policy
from tests.media.images import QUADRANTS, encode, exif_with, oriented_jpeg, photo, sha


def _derived(app, body, which="display"):
    from server.media.storage import get_storage

    with app.app_context(), get_storage().open(body[f"{which}_sha256"]) as f:
        img = Image.open(f)
        img.load()
        return img


def _close(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_each_exif_orientation_comes_out_upright(client, world, app, orientation):
    data = oriented_jpeg(orientation)
    response = put(client, world, data)
    assert response.status_code == 201
    img = _derived(app, response.get_json())
    assert img.size == (400, 300)
    w, h = img.size
    assert _close(img.getpixel((w // 4, h // 4)), QUADRANTS["tl"])
    assert _close(img.getpixel((3 * w // 4, h // 4)), QUADRANTS["tr"])
    assert _close(img.getpixel((w // 4, 3 * h // 4)), QUADRANTS["bl"])
    assert _close(img.getpixel((3 * w // 4, 3 * h // 4)), QUADRANTS["br"])
    assert 0x0112 not in img.getexif()  # applied, so not repeated


def test_general_photos_are_capped_progressive_and_420(client, world, app):
    data = encode(photo((4000, 3000)), "JPEG", quality=90)
    body = put(client, world, data).get_json()
    img = _derived(app, body)
    assert img.size == (1600, 1200)
    assert img.info.get("progressive") or img.info.get("progression")
    assert JpegImagePlugin.get_sampling(img) == 2  # 4:2:0
    thumb = _derived(app, body, "thumb")
    assert thumb.size == (320, 240)


def test_gauge_photos_keep_2048_px_and_full_chroma(client, world, app):
    data = encode(photo((4000, 3000)), "JPEG", quality=90)
    body = put(client, world, data, **{"X-Media-Purpose": "gauge"}).get_json()
    img = _derived(app, body)
    assert img.size == (2048, 1536)
    assert JpegImagePlugin.get_sampling(img) == 0  # 4:4:4


def test_a_photo_record_that_came_first_decides_the_purpose(client, world, app):
    data = encode(photo((3000, 4000)), "JPEG", quality=90)
    add_photo(app, world, sha(data), purpose="nameplate")
    body = put(client, world, data).get_json()
    assert (body["display_width"], body["display_height"]) == (1536, 2048)


def test_only_capture_time_survives_unless_policy_keeps_gps(client, world, app):
    data = encode(photo((800, 600)), "JPEG", quality=85, exif=exif_with())
    exif = _derived(app, put(client, world, data).get_json()).getexif()
    assert exif.get_ifd(0x8769)[0x9003] == "2026:11:25 10:30:00"
    assert exif.get_ifd(0x8769)[0x9011] == "+08:00"
    assert not exif.get_ifd(0x8825)
    assert 0x010F not in exif  # camera maker gone

    set_media_policy(app, world, keep_gps=True)
    data = encode(photo((800, 600), seed=3), "JPEG", quality=85, exif=exif_with())
    exif = _derived(app, put(client, world, data).get_json()).getexif()
    assert exif.get_ifd(0x8825)[1] == "N"


def test_cmyk_jpeg_becomes_rgb(client, world, app):
    data = encode(photo((400, 300)).convert("CMYK"), "JPEG", quality=90)
    img = _derived(app, put(client, world, data).get_json())
    assert img.mode == "RGB"


def test_16_bit_png_is_scaled_not_clipped(client, world, app):
    grey = Image.new("I;16", (200, 100), 0x8000)  # half intensity at 16 bits
    body = put(client, world, encode(grey, "PNG")).get_json()
    assert body["status"] == "ready"
    img = _derived(app, body)
    assert 120 <= img.convert("L").getpixel((100, 50)) <= 136


def test_palette_and_alpha_are_flattened_onto_white(client, world, app):
    rgba = Image.new("RGBA", (200, 100), (255, 0, 0, 0))
    rgba.paste((0, 0, 255, 255), (0, 0, 100, 100))
    img = _derived(app, put(client, world, encode(rgba, "PNG")).get_json())
    assert _close(img.getpixel((150, 50)), (255, 255, 255))
    assert _close(img.getpixel((50, 50)), (0, 0, 255))

    palette = photo((200, 100)).convert("P", palette=Image.Palette.ADAPTIVE)
    palette.info["transparency"] = 0
    body = put(client, world, encode(palette, "PNG", transparency=0)).get_json()
    assert _derived(app, body).mode == "RGB"


def test_an_original_over_the_cap_is_normalized_and_only_its_hash_kept(
    client, world, app, media_root
):
    set_media_policy(app, world, original_cap_bytes=50_000)
    data = encode(photo((1200, 900)), "JPEG", quality=95)
    assert len(data) > 50_000
    add_photo(app, world, sha(data))
    body = put(client, world, data).get_json()
    assert body["original_kept"] is False
    assert body["sha256"] == sha(data)
    original = fetch(client, f"/api/media/{sha(data)}/original", headers=world.auth("tech1"))
    assert original.status_code == 410
    display = fetch(client, f"/api/media/{sha(data)}/display", headers=world.auth("tech1"))
    assert display.status_code == 200
    with app.app_context():
        from server.media.storage import get_storage

        assert not get_storage().exists(sha(data))
    # The client still sees the bytes as held: it must not send them again.
    assert client.head(f"/api/media/{sha(data)}", headers=world.auth("tech1")).status_code == 200


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_heic_orientation_is_applied_exactly_once(client, world, app, orientation):
    from tests.media.images import UNDO_ORIENTATION, quadrant_image

    img = quadrant_image().transpose(UNDO_ORIENTATION[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    response = put(client, world, encode(img, "HEIF", quality=90, exif=exif.tobytes()))
    assert response.status_code == 201
    out = _derived(app, response.get_json())
    assert out.size == (400, 300)
    assert _close(out.getpixel((100, 75)), QUADRANTS["tl"])
    assert _close(out.getpixel((300, 225)), QUADRANTS["br"])


def test_a_gauge_record_arriving_after_the_bytes_gets_the_detail_size(client, world, app):
    from server.dealers.policy import default_policy
    from server.extensions import db
    from server.media import processing

    data = encode(photo((4000, 3000)), "JPEG", quality=90)
    body = put(client, world, data).get_json()
    assert body["display_width"] == 1600
    add_photo(app, world, sha(data), purpose="gauge")
    media_policy = default_policy()["media"]
    with app.app_context():
        assert processing.photo_recorded(sha(data), "gauge", media_policy) is True
        db.session.commit()
        processing.schedule(sha(data))
        assert processing.photo_recorded(sha(data), "gauge", media_policy) is False
    status = client.get(f"/api/media/{sha(data)}/status", headers=world.auth("tech1"))
    assert status.get_json()["display_width"] == 2048
