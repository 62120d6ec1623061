"""Simple solids for gym equipment and scene props, in world metres (z up)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Box:
    """An axis-aligned box: `center` (3,), full `size` (3,) along x, y, z, RGB `color` in [0, 1]."""

    center: tuple[float, float, float]
    size: tuple[float, float, float]
    color: tuple[float, float, float] = (0.3, 0.3, 0.32)


@dataclass(frozen=True)
class Cylinder:
    """A capped cylinder from `start` to `end` (3,) with `radius`, RGB `color` in [0, 1]."""

    start: tuple[float, float, float]
    end: tuple[float, float, float]
    radius: float
    color: tuple[float, float, float] = (0.6, 0.6, 0.62)


Solid = Box | Cylinder


def as_point(value: np.ndarray) -> tuple[float, float, float]:
    """A (3,) array as a plain tuple, for the frozen dataclasses above."""
    x, y, z = (float(v) for v in value)
    return x, y, z
