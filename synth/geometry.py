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
    `solids`: a box, or a cylinder (a bench press's plates hide a body; a bar, hardly)."""
    hidden = np.zeros(len(points), bool)
    rays = points - eye
    for solid in solids:
        enter, leave = (_box_span if isinstance(solid, Box) else _cylinder_span)(eye, rays, solid)
        hidden |= (enter < leave) & (leave > 0) & (enter < 1)
    return float(hidden.mean()) if len(points) else 0.0


def _box_span(eye: np.ndarray, rays: np.ndarray, box: Box) -> tuple[np.ndarray, np.ndarray]:
    """Where each ray `eye + t * rays` (N, 3) enters and leaves `box`, as t (N,) each (the
    slab test: inside the box on all three axes at once)."""
    rays = np.where(np.abs(rays) < 1e-12, 1e-12, rays)
    half = np.asarray(box.size) / 2
    low = (np.asarray(box.center) - half - eye) / rays
    high = (np.asarray(box.center) + half - eye) / rays
    return np.minimum(low, high).max(axis=1), np.maximum(low, high).min(axis=1)


def _cylinder_span(
    eye: np.ndarray, rays: np.ndarray, cylinder: Cylinder
) -> tuple[np.ndarray, np.ndarray]:
    """Where each ray `eye + t * rays` (N, 3) enters and leaves the capped `cylinder`, as t
    (N,) each: between its caps and within its radius of the axis at once."""
    start = np.asarray(cylinder.start, np.float64)
    axis = np.asarray(cylinder.end, np.float64) - start
    length = max(float(np.linalg.norm(axis)), 1e-12)
    axis /= length
    # Along the axis: a + b t must lie in [0, length].
    a, along = (eye - start) @ axis, rays @ axis
    b = np.where(np.abs(along) < 1e-12, 1e-12, along)
    first, second = -a / b, (length - a) / b
    enter, leave = np.minimum(first, second), np.maximum(first, second)
    # Off the axis: |u + v t| <= radius, with u and v the parts across it.
    u = (eye - start) - a * axis
    v = rays - np.outer(along, axis)
    qa, qb, qc = (v * v).sum(axis=1), 2 * (v @ u), u @ u - cylinder.radius**2
    discriminant = qb**2 - 4 * qa * qc
    root = np.sqrt(np.maximum(discriminant, 0.0))
    across = qa > 1e-12
    qa = np.where(across, qa, 1.0)
    near = np.where(across, (-qb - root) / (2 * qa), np.where(qc <= 0, -np.inf, np.inf))
    far = np.where(across, (-qb + root) / (2 * qa), np.where(qc <= 0, np.inf, -np.inf))
    missed = across & (discriminant < 0)
    near, far = np.where(missed, np.inf, near), np.where(missed, -np.inf, far)
    return np.maximum(enter, near), np.minimum(leave, far)


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
