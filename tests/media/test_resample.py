"""libvips resizes Pillow's pixels: Pillow's kernels, exact sizes, nothing else accepted."""

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image, ImageChops, ImageStat

from server.media.resample import KERNELS, resize, resize_steps
from tests.media.images import photo

R = Image.Resampling


def _mean_difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per sample, in levels of 0-255."""
    bands = ImageStat.Stat(ImageChops.difference(a, b)).mean
    return sum(bands) / len(bands)


@pytest.mark.parametrize(
    "target, gap",
    [((960, 720), 3.0), ((240, 180), 2.0), ((200, 150), 3.0), ((400, 300), 2.0)],
    ids=["display residual", "thumbnail", "6x with a box first", "3x, kernel alone"],
)
@pytest.mark.parametrize("kernel", list(KERNELS))
def test_each_kernel_is_pillows_own(kernel, target, gap):
    """Within a fraction of a level of Pillow's resize with the same kernel, and nearer it
    than to either other kernel: a kernel mapped wrongly would be nearer another one."""
    img = photo((1200, 900))
    ours = resize(img, target, kernel, gap)
    distance = {
        other: _mean_difference(ours, img.resize(target, other, reducing_gap=gap))
        for other in KERNELS
    }
    assert distance[kernel] < 0.35, distance
    assert all(distance[kernel] < 0.5 * d for k, d in distance.items() if k != kernel), distance


def test_sizes_come_out_exact_and_flat_stays_flat_in_both_modes():
    rng = random.Random(12)
    cases = [((1, 1), (1, 1)), ((7, 1), (3, 1)), ((1, 9000), (1, 1600)), ((4000, 3), (1600, 1))]
    for _ in range(60):
        w, h = rng.randint(1, 3000), rng.randint(1, 3000)
        cases.append(((w, h), (rng.randint(1, w), rng.randint(1, h))))
    for i, (size, target) in enumerate(cases):
        mode = "L" if i % 2 else "RGB"
        img = Image.new(mode, size, 128 if mode == "L" else (10, 200, 30))
        kernel = list(KERNELS)[i % 3]
        out = resize(img, target, kernel, 2.0 if i % 4 else 3.0)
        assert (out.mode, out.size) == (mode, target), (size, target, kernel)
        # A flat image stays flat: no edge effects, no channel mix-up, weights summing to 1
        # (without the box reduction first, libvips gives 198 for 200 past a ratio of ~10).
        assert out.getextrema() == img.getextrema()


def test_grey_stays_grey_and_channels_stay_apart():
    grey = photo((600, 400)).convert("L")
    pillows = grey.resize((300, 200), R.BILINEAR, reducing_gap=3.0)
    assert _mean_difference(resize(grey, (300, 200), R.BILINEAR, 3.0), pillows) < 0.35
    bands = [Image.new("L", (50, 40), level) for level in (250, 5, 120)]
    out = resize(Image.merge("RGB", bands), (20, 16), R.BICUBIC, 2.0)
    assert out.getpixel((10, 8)) == (250, 5, 120)


def test_steps_give_what_one_resize_after_another_gives():
    """The display and its thumbnail in one crossing: the same pixels as two resizes."""
    img = photo((1000, 750))
    steps = [
        ((1000, 750), R.BILINEAR, 3.0),
        ((800, 600), R.LANCZOS, 3.0),
        ((160, 120), R.BICUBIC, 2.0),
    ]
    same, display, thumb = resize_steps(img, steps)
    assert same.tobytes() == img.tobytes()
    assert display.tobytes() == resize(img, (800, 600), R.LANCZOS, 3.0).tobytes()
    assert thumb.tobytes() == resize(display, (160, 120), R.BICUBIC, 2.0).tobytes()
    with pytest.raises(ValueError):  # a bad later step refuses before any work
        resize_steps(img, [((800, 600), R.BILINEAR, 3.0), ((0, 120), R.BICUBIC, 2.0)])


def test_the_same_size_is_a_copy_not_the_same_object():
    img = photo((64, 48))
    out = resize(img, img.size, R.BILINEAR, 3.0)
    assert out is not img and out.tobytes() == img.tobytes()


@pytest.mark.parametrize(
    "mode, size, kernel, gap",
    [
        ("RGBA", (10, 10), R.BILINEAR, 2.0),  # to_display_mode flattens alpha first
        ("P", (10, 10), R.BILINEAR, 2.0),
        ("I;16", (10, 10), R.BILINEAR, 2.0),
        ("RGB", (0, 10), R.BILINEAR, 2.0),
        ("RGB", (10, 0), R.BICUBIC, 2.0),
        ("RGB", (10, 10), R.NEAREST, 2.0),
        ("RGB", (10, 10), R.BOX, 2.0),
        ("RGB", (10, 10), R.LANCZOS, 0.5),
        ("RGB", (10, 10), R.LANCZOS, float("nan")),
    ],
)
def test_what_it_does_not_take_is_refused(mode, size, kernel, gap):
    with pytest.raises(ValueError):
        resize(Image.new(mode, (40, 30)), size, kernel, gap)


def test_threads_resizing_at_once_get_what_one_thread_gets():
    """Photos are derived by worker threads; libvips is shared by all of them."""
    images = [photo((900, 600), seed=s) for s in range(8)]
    alone = [resize(img, (720, 480), R.BILINEAR, 3.0).tobytes() for img in images]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda i: resize(i, (720, 480), R.BILINEAR, 3.0), images * 3))
    assert [out.tobytes() for out in together] == alone * 3
