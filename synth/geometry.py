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

WALL_THINNESS = 0.1  # a box thinner than this share of its next side is a wall


def as_point(value: np.ndarray) -> tuple[float, float, float]:
    """A (3,) array as a plain tuple, for the frozen dataclasses above."""
    x, y, z = (float(v) for v in value)
    return x, y, z


def hidden_share(eye: np.ndarray, points: np.ndarray, solids: tuple[Solid, ...]) -> float:
    """The share of `points` (N, 3) whose line of sight from `eye` (3,) passes through one of
    the boxes among `solids` (cylinders, the bars, are too thin to hide a body)."""
    hidden = np.zeros(len(points), bool)
    rays = points - eye
    rays = np.where(np.abs(rays) < 1e-12, 1e-12, rays)
    for solid in solids:
        if not isinstance(solid, Box):
            continue
        half = np.asarray(solid.size) / 2
        low = (np.asarray(solid.center) - half - eye) / rays
        high = (np.asarray(solid.center) + half - eye) / rays
        enter = np.minimum(low, high).max(axis=1)  # where each ray is inside the box on all axes
        leave = np.maximum(low, high).min(axis=1)
        hidden |= (enter < leave) & (leave > 0) & (enter < 1)
    return float(hidden.mean()) if len(points) else 0.0


def behind_a_wall(eye: np.ndarray, points: np.ndarray, solids: tuple[Solid, ...]) -> bool:
    """Whether `eye` (3,) stands on the other side of a wall among `solids` (a box far thinner
    than it is wide or tall) from the centre of `points` (N, 3)."""
    centre = points.mean(axis=0)
    for solid in solids:
        if not isinstance(solid, Box):
            continue
        size = np.asarray(solid.size)
        axis = int(np.argmin(size))
        if size[axis] > WALL_THINNESS * np.sort(size)[1]:
            continue
        plane = solid.center[axis]
        if (eye[axis] - plane) * (centre[axis] - plane) < 0:
            return True
    return False
