"""Camera-like JPEGs: photo content, stored sideways with an EXIF orientation, GPS and make."""

from PIL import Image

from tests.media.images import UNDO_ORIENTATION, encode, photo


def camera_jpeg(orientation: int, seed: int, size=(2400, 1800)) -> bytes:
    """Upright as `size` only once EXIF `orientation` is applied, as a phone camera stores it."""
    img = photo(size, seed)
    if UNDO_ORIENTATION[orientation] is not None:
        img = img.transpose(UNDO_ORIENTATION[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestCam"  # Make
    exif[0x0110] = "Model 1"
    return encode(img, "JPEG", quality=92, exif=exif.tobytes())
