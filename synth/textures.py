"""Textures for backdrops and floors: RGB uint8 images (H, W, 3), seeded.

Procedural ones are built from a few cheap primitives (fractal value noise, stripes, tiles,
blurred blobs) with random colours; photographic ones are random crops, flips and colour
shifts of the openly licensed images that scikit-image ships in its wheel (CC0 photos
`coffee` and `chelsea`, the public-domain `rocket`, CC0 textures `brick`, `grass` and
`gravel`). No two scenes look alike, so a model cannot learn the room instead of the person.
`SHIFTED_BACKDROPS` and `SHIFTED_FLOORS` are families no training scene uses, for measuring
how a model copes with rooms unlike any it learnt from.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import cv2
import numpy as np

TextureMaker = Callable[[np.random.Generator, int], np.ndarray]


def fractal_noise(rng: np.random.Generator, size: int, octaves: int = 5) -> np.ndarray:
    """Value noise in [0, 1], shape (size, size), summed over octaves."""
    total = np.zeros((size, size), np.float32)
    amplitude, weight = 1.0, 0.0
    for octave in range(octaves):
        cells = 2 ** (octave + 2)
        grid = rng.random((cells, cells)).astype(np.float32)
        total += amplitude * cv2.resize(grid, (size, size), interpolation=cv2.INTER_CUBIC)
        weight += amplitude
        amplitude *= 0.5
    return np.clip(total / weight, 0, 1)


def _colour(rng: np.random.Generator, dark: float = 0.1, light: float = 0.9) -> np.ndarray:
    hsv = np.uint8([[[rng.integers(0, 180), rng.integers(0, 160), 255 * rng.uniform(dark, light)]]])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)


def _mix(mask: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * (1 - mask[..., None]) + b * mask[..., None]).clip(0, 255).astype(np.uint8)


def plaster(rng: np.random.Generator, size: int) -> np.ndarray:
    """A painted wall with soft stains."""
    return _mix(fractal_noise(rng, size) * rng.uniform(0.3, 1.0), _colour(rng), _colour(rng))


def stripes(rng: np.random.Generator, size: int) -> np.ndarray:
    """Wallpaper or curtain stripes, vertical or slanted, with noise."""
    x = np.arange(size)[None, :] + np.arange(size)[:, None] * rng.uniform(-0.3, 0.3)
    period = rng.uniform(8, 60)
    mask = (np.sin(2 * np.pi * x / period) > rng.uniform(-0.5, 0.5)).astype(np.float32)
    mask = mask * 0.8 + fractal_noise(rng, size, 3) * 0.2
    return _mix(mask, _colour(rng), _colour(rng))


def tiles(rng: np.random.Generator, size: int) -> np.ndarray:
    """Tiles or bricks with grout lines."""
    rows = int(rng.integers(4, 16))
    cols = int(rng.integers(2, 10))
    y, x = np.mgrid[0:size, 0:size] / size
    offset = (np.floor(y * rows) % 2) * 0.5 * (rng.uniform() < 0.5)
    u, v = (x * cols + offset) % 1, (y * rows) % 1
    grout = ((u < 0.05) | (v < 0.05)).astype(np.float32)
    shade = rng.random((rows + 1, cols + 2))[
        np.floor(y * rows).astype(int), np.floor(x * cols + offset).astype(int)
    ]
    base = _mix(shade.astype(np.float32) * 0.35, _colour(rng), _colour(rng))
    return _mix(grout, base.astype(np.float32), _colour(rng, 0.05, 0.6))


def planks(rng: np.random.Generator, size: int) -> np.ndarray:
    """Wooden floor planks with grain."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    boards = int(rng.integers(4, 12))
    board = np.floor(y / size * boards)
    grain = np.sin(x / size * rng.uniform(20, 60) + fractal_noise(rng, size, 4) * 8 + board * 3)
    mask = (grain * 0.5 + 0.5) * 0.5 + ((y / size * boards) % 1 < 0.04) * 0.5
    wood = np.array([rng.uniform(90, 200), rng.uniform(55, 130), rng.uniform(20, 80)], np.float32)
    return _mix(mask.astype(np.float32), wood, wood * rng.uniform(0.4, 0.7))


def blurred_room(rng: np.random.Generator, size: int) -> np.ndarray:
    """An out-of-focus room: a gradient with large soft blobs of furniture and windows."""
    image = np.zeros((size, size, 3), np.float32)
    top, bottom = _colour(rng), _colour(rng)
    ramp = np.linspace(0, 1, size, dtype=np.float32)[:, None, None]
    image[:] = top * (1 - ramp) + bottom * ramp
    for _ in range(int(rng.integers(3, 12))):
        x0, y0 = rng.integers(0, size, 2)
        w, h = rng.integers(size // 12, size // 2, 2)
        cv2.rectangle(
            image,
            (int(x0), int(y0)),
            (int(x0 + w), int(y0 + h)),
            _colour(rng, 0.05, 1.0).tolist(),
            -1,
        )
    return (
        cv2.GaussianBlur(image, (0, 0), size / rng.uniform(40, 120)).clip(0, 255).astype(np.uint8)
    )


def carpet(rng: np.random.Generator, size: int) -> np.ndarray:
    """A fine-grained carpet or rubber gym floor."""
    speckle = rng.random((size, size)).astype(np.float32)
    mask = fractal_noise(rng, size, 6) * 0.6 + speckle * 0.4
    return _mix(mask, _colour(rng, 0.1, 0.6), _colour(rng, 0.2, 0.8))


@functools.cache
def _photo(name: str) -> np.ndarray:
    import skimage.data  # the gym extra; loads the image bundled in the wheel

    image = getattr(skimage.data, name)()
    return np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image[..., :3]


def _photo_crop(rng: np.random.Generator, size: int, names: tuple[str, ...]) -> np.ndarray:
    """A random crop of a random photo, flipped and tinted, resized to (size, size, 3)."""
    image = _photo(names[int(rng.integers(len(names)))])
    height, width = image.shape[:2]
    side = int(rng.uniform(0.5, 1.0) * min(height, width))
    top, left = int(rng.integers(0, height - side + 1)), int(rng.integers(0, width - side + 1))
    crop = image[top : top + side, left : left + side]
    if rng.uniform() < 0.5:
        crop = crop[:, ::-1]
    grey = np.ptp(crop.astype(np.int16), axis=2).mean() < 2
    tint = rng.uniform(0.5, 1.3, 3) if grey else rng.uniform(0.85, 1.15, 3)
    crop = cv2.resize(np.ascontiguousarray(crop), (size, size), interpolation=cv2.INTER_AREA)
    return np.clip(crop * tint * rng.uniform(0.7, 1.2), 0, 255).astype(np.uint8)


def photo_backdrop(rng: np.random.Generator, size: int) -> np.ndarray:
    """A photograph behind the performer."""
    return _photo_crop(rng, size, ("coffee", "chelsea", "rocket", "brick"))


def photo_floor(rng: np.random.Generator, size: int) -> np.ndarray:
    """A photographed ground texture, tinted."""
    return _photo_crop(rng, size, ("gravel", "grass", "brick"))


def chequer(rng: np.random.Generator, size: int) -> np.ndarray:
    """A chequerboard of two colours, slightly turned, with noise."""
    cells = rng.uniform(3, 14)
    turn = rng.uniform(-0.3, 0.3)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) * cells / size
    u, v = x * np.cos(turn) - y * np.sin(turn), x * np.sin(turn) + y * np.cos(turn)
    mask = ((np.floor(u) + np.floor(v)) % 2).astype(np.float32)
    return _mix(mask * 0.85 + fractal_noise(rng, size, 3) * 0.15, _colour(rng), _colour(rng))


def dots(rng: np.random.Generator, size: int) -> np.ndarray:
    """Polka dots on a plain ground."""
    period = rng.uniform(12, 60)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    x += (np.floor(y / period) % 2) * period / 2  # staggered rows
    near = np.hypot(x % period - period / 2, y % period - period / 2)
    mask = (near < period * rng.uniform(0.15, 0.4)).astype(np.float32)
    return _mix(mask, _colour(rng), _colour(rng))


def shifted_photo_backdrop(rng: np.random.Generator, size: int) -> np.ndarray:
    """A photograph no training scene shows: the public-domain `astronaut` and
    `hubble_deep_field`, the unrestricted `immunohistochemistry`."""
    return _photo_crop(rng, size, ("astronaut", "hubble_deep_field", "immunohistochemistry"))


def shifted_photo_floor(rng: np.random.Generator, size: int) -> np.ndarray:
    """A ground of photographs no training scene shows: `camera` (CC0) and `coins` (no known
    copyright restrictions), tinted."""
    return _photo_crop(rng, size, ("camera", "coins"))


BACKDROPS: tuple[TextureMaker, ...] = (plaster, stripes, tiles, blurred_room, photo_backdrop)
FLOORS: tuple[TextureMaker, ...] = (planks, carpet, tiles, plaster, photo_floor)
# Families kept out of training, for the appearance-shift test set.
SHIFTED_BACKDROPS: tuple[TextureMaker, ...] = (chequer, dots, shifted_photo_backdrop)
SHIFTED_FLOORS: tuple[TextureMaker, ...] = (chequer, dots, shifted_photo_floor)


def random_texture(
    rng: np.random.Generator, makers: tuple[TextureMaker, ...], size: int = 256
) -> np.ndarray:
    """One texture from a random maker of `makers`, in shape (size, size, 3)."""
    return makers[int(rng.integers(len(makers)))](rng, size)
