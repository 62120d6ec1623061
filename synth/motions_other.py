"""Movements that are none of the exercises, so that a recogniser can learn to say so:
standing about, walking and stretching. A rep is a weight shift, a stride or a held stretch.
"""

from __future__ import annotations

import numpy as np

from synth.kinematics import (
    ANKLES,
    ARMS,
    HIPS,
    LEGS,
    SHOULDERS,
    SIDES,
    SIGN,
    Rig,
    X,
    Y,
    Z,
    points,
    rot,
    unit,
)
from synth.motions_common import NECK, SPINE, Scene, Setup, mid, on_floor
from synth.tempo import ease, soft_min

_LEG_REACH = 0.985  # share of a leg's length a standing leg stretches to


def standing(s: Setup) -> Scene:
    """Standing about: the weight shifts from foot to foot (a rep each) and the head looks
    around, the arms hanging or the hands on the hips."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    depth = s.clock.depth * s.clock.extent
    towards = np.where((s.clock.rep + rng.integers(2)) % 2 == 0, 1.0, -1.0) * depth
    tilt = np.radians(s.vary(2, 6)) * towards  # the hips drop on the unloaded side
    rig.local["root"] = rot(Y, tilt)
    rig.bend(SPINE, Y, -0.8 * tilt)
    rig.bend(NECK, Z, _glances(s, s.vary(20, 50)))
    s.sway(("spine05", "spine03", "neck02"), 1.5)
    first = rig.pose().keypoints

    stance = rig.half_width(HIPS) * rng.uniform(0.9, 1.5)
    over = towards * s.vary(0.03, 0.07)  # the hips move over the loaded foot
    placed = _stand(s, first, stance, over, np.zeros(frames))
    if rng.uniform() < 0.6:
        down = np.radians(rng.uniform(4, 12)) + np.radians(4) * _slow(s, 2)
        _arms_towards(s, placed, _hanging(placed, down, rng.uniform(0.02, 0.15)))
    else:
        _hands_on_hips(s, placed)
    return Scene(on_floor(rig.pose(), rig))


def stretching(s: Setup) -> Scene:
    """Stretches held for a few seconds each: bending sideways with the arms overhead,
    folding forwards towards the toes, or twisting the trunk with the arms out."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    depth = s.clock.depth * s.clock.extent
    side = np.where((s.clock.rep + rng.integers(2)) % 2 == 0, 1.0, -1.0)
    kind = int(rng.integers(3))
    back = np.zeros(frames)
    if kind == 0:
        rig.bend(SPINE, Y, np.radians(s.vary(18, 35)) * side * depth)
    elif kind == 1:
        fold = np.radians(s.vary(60, 100)) * depth
        rig.local["root"] = rot(X, 0.6 * fold)
        rig.bend(SPINE, X, 0.4 * fold)
        back = 0.15 * np.sin(0.6 * fold)  # the hips go back to balance
    else:
        rig.bend(SPINE, Z, np.radians(s.vary(30, 60)) * side * depth)
    s.sway(("spine03", "neck02"), 1.0)
    first = rig.pose().keypoints

    stance = rig.half_width(HIPS) * rng.uniform(1.0, 1.8)
    placed = _stand(s, first, stance, np.zeros(frames), back)
    trunk_up = unit(mid(placed, SHOULDERS) - mid(placed, HIPS))
    across = unit(placed[:, SHOULDERS[0]] - placed[:, SHOULDERS[1]])  # to the left
    if kind == 0:  # overhead, along the trunk
        directions = [unit(trunk_up + SIGN[i] * 0.15 * across) for i in SIDES]
    elif kind == 1:  # hanging towards the toes
        ahead = np.array([0.0, -1.0, 0.0]) * (0.3 * depth)[:, None]
        directions = [unit(-Z + ahead + SIGN[i] * 0.1 * across) for i in SIDES]
    else:  # out to the sides
        directions = [unit(SIGN[i] * across - 0.15 * trunk_up) for i in SIDES]
    _arms_towards(s, placed, directions)
    return Scene(on_floor(rig.pose(), rig))


def walking(s: Setup) -> Scene:
    """Walking along a gentle curve, a stride (two steps) a rep: each foot swings from its
    last footprint to the next while the body moves on over them, arms swinging opposite."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    step = rig.reach_of(LEGS[0]) * s.vary(0.75, 0.95)  # footprint to footprint
    strides = _strides_done(s)
    done = 2 * strides  # steps, counted fractionally
    steps = 2 * len(s.clock.reps)
    travelled = [_foot_progress(done, i, steps) for i in SIDES]  # foot's place on the path
    swing = [np.clip(done - _current_step(done, i, steps), 0, 1) for i in SIDES]
    body_at = (travelled[0] + travelled[1]) / 2 * step
    heading_of = _path(rng.uniform(-0.25, 0.25), rng.uniform(-np.pi, np.pi))
    body_xy, heading = heading_of(body_at)
    lean = np.radians(rng.uniform(2, 8))
    sway = np.radians(rng.uniform(3, 8)) * np.sin(np.pi * done)
    rig.local["root"] = rot(Z, heading) @ rot(X, lean) @ rot(Z, sway)
    rig.bend(SPINE, Z, -1.5 * sway)  # the shoulders turn against the hips
    rig.bend(NECK, Z, _glances(s, s.vary(5, 20)))
    s.sway(("spine03", "neck02"), 0.8)
    first = rig.pose().keypoints

    width = rig.half_width(HIPS) * rng.uniform(0.6, 1.0)
    ankles, feet = [], []
    for i in SIDES:
        xy, foot_heading = heading_of(travelled[i] * step)
        left = np.stack([np.cos(foot_heading), np.sin(foot_heading)], -1)
        foot = rot(Z, foot_heading + SIGN[i] * np.radians(rng.uniform(3, 12)))
        lift = s.vary(0.06, 0.12) * np.sin(np.pi * swing[i]) * (swing[i] < 1)
        heel_up = np.radians(25) * np.sin(np.pi * swing[i]) ** 2
        feet.append(foot @ rot(X, heel_up))
        height = rig.clearance(rig.feet[i], ANKLES[i], foot) + lift
        ankles.append(np.concatenate([xy + SIGN[i] * width * left, height[:, None]], -1))
    hips = np.concatenate([body_xy, np.zeros((frames, 1))], -1)
    hips[:, 2] = _hip_height(rig, first, ankles, hips)
    rig.shift = hips - mid(first, HIPS)
    placed = first + rig.shift[:, None]
    ahead = np.stack([np.sin(heading), -np.cos(heading), np.zeros(frames)], -1)
    for i in SIDES:
        rig.reach(LEGS[i], ankles[i], ahead, placed, feet[i])

    arc = np.radians(s.vary(15, 35))
    directions, poles = [], []
    for i in SIDES:  # each arm swings with the opposite leg
        forward = np.clip((travelled[1 - i] * step - body_at) / step * 2, -1, 1) * arc
        out = unit(placed[:, SHOULDERS[i]] - placed[:, SHOULDERS[1 - i]])
        directions.append(
            unit(-Z * np.cos(forward)[:, None] + ahead * np.sin(forward)[:, None] + 0.12 * out)
        )
        poles.append(-ahead)
    _arms_towards(s, placed, directions, poles)
    return Scene(on_floor(rig.pose(), rig))


def _strides_done(s: Setup) -> np.ndarray:
    """Strides done by each frame, fractionally: whole reps finished plus the current one's
    phase."""
    index = np.arange(s.clock.frames)
    finished = np.zeros(s.clock.frames)
    for rep in s.clock.reps:
        finished += index > rep.end
    return finished + s.clock.phase


def _current_step(done: np.ndarray, side: int, steps: int) -> np.ndarray:
    """The step (0, 1, ...) a foot is on or last made: the left foot makes the even steps."""
    mine = np.clip(np.floor((done - side) / 2), 0, (steps - 1 - side) // 2)
    return side + 2 * mine


def _foot_progress(done: np.ndarray, side: int, steps: int) -> np.ndarray:
    """A foot's place on the path in step lengths: step j carries it from footprint j - 1
    (0 for the first step of each foot) to footprint j + 1, eased."""
    current = _current_step(done, side, steps)
    start = np.maximum(current - 1, 0)
    return start + (current + 1 - start) * ease(done - current)


def _path(curvature: float, start: float):
    """The walking path: position (N, 2) and heading (N,) at distances along it, turning at
    `curvature` radians a metre from the heading `start` (0: facing -y)."""
    grid = np.linspace(-1.0, 40.0, 4101)
    heading = start + curvature * grid
    velocity = np.stack([np.sin(heading), -np.cos(heading)], -1)
    position = np.cumsum(velocity, 0) * (grid[1] - grid[0])
    position -= position[np.searchsorted(grid, 0.0)]

    def at(distance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xy = np.stack([np.interp(distance, grid, position[:, k]) for k in range(2)], -1)
        return xy, start + curvature * distance

    return at


def _stand(
    s: Setup, first: np.ndarray, stance: float, over: np.ndarray, back: np.ndarray
) -> np.ndarray:
    """Stands the body on both feet, ankles `stance` from the middle, the hips moved `over`
    to the left and `back` (T,) metres; bends the legs to their ankles and returns the placed
    keypoints of `first`."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    feet = [rot(Z, SIGN[i] * np.radians(rng.uniform(3, 18))) for i in SIDES]
    ankles = [
        points(
            frames,
            SIGN[i] * stance,
            rng.normal(0, 0.03),
            rig.clearance(rig.feet[i], ANKLES[i], feet[i]),
        )
        for i in SIDES
    ]
    hips = np.stack([over, back, np.zeros(frames)], -1)
    hips[:, 2] = _hip_height(rig, first, ankles, hips)
    rig.shift = hips - mid(first, HIPS)
    placed = first + rig.shift[:, None]
    for i in SIDES:
        rig.reach(LEGS[i], ankles[i], points(frames, 0, -1, 0), placed, feet[i])
    return placed


def _hip_height(
    rig: Rig, first: np.ndarray, ankles: list[np.ndarray], hips: np.ndarray
) -> np.ndarray:
    """The height (T,) of the hips' middle, at `hips` (T, 3) in x and y, with the legs as
    straight as a standing leg gets while both ankles stay within reach."""
    offsets = first - mid(first, HIPS)[:, None]
    heights = []
    for i in SIDES:
        span = ankles[i][:, :2] - (hips + offsets[:, HIPS[i]])[:, :2]
        reach = _LEG_REACH * rig.reach_of(LEGS[i])
        heights.append(ankles[i][:, 2] + np.sqrt(np.maximum(reach**2 - (span**2).sum(1), 0)))
    return soft_min(heights[0], heights[1])


def _hanging(placed: np.ndarray, down: np.ndarray, forward: float) -> list[np.ndarray]:
    """Directions (T, 3) of arms hanging `down` radians out from the sides, a little forward."""
    frames = len(placed)
    return [unit(points(frames, SIGN[i] * np.sin(down), -forward, -np.cos(down))) for i in SIDES]


def _arms_towards(
    s: Setup,
    placed: np.ndarray,
    directions: list[np.ndarray],
    poles: list[np.ndarray] | None = None,
) -> None:
    """Reaches both arms from the shoulders along `directions` (T, 3), elbows soft and
    towards `poles` (behind the body by default)."""
    rig, frames = s.rig, s.clock.frames
    for i in SIDES:
        arm = s.rng.uniform(0.9, 0.97) * rig.reach_of(ARMS[i])
        pole = points(frames, SIGN[i] * 0.2, 1, 0) if poles is None else poles[i]
        rig.reach(ARMS[i], placed[:, SHOULDERS[i]] + arm * directions[i], pole, placed)


def _hands_on_hips(s: Setup, placed: np.ndarray) -> None:
    """Rests the hands on the hips, elbows out."""
    rig, frames = s.rig, s.clock.frames
    for i in SIDES:
        wrist = placed[:, HIPS[i]] + points(frames, SIGN[i] * 0.07, 0.0, 0.1)
        rig.reach(ARMS[i], wrist, points(frames, SIGN[i], 0.4, 0), placed)


def _glances(s: Setup, degrees: float) -> np.ndarray:
    """A head turn (T,) in radians that drifts slowly left and right, up to about `degrees`."""
    return np.radians(degrees) * _slow(s, 2) / 2


def _slow(s: Setup, waves: int) -> np.ndarray:
    """A slow wander (T,) in [-waves, waves]: a sum of sines under 0.25 Hz."""
    time = s.clock.time
    return sum(
        np.sin(2 * np.pi * s.rng.uniform(0.03, 0.25) * time + s.rng.uniform(0, 2 * np.pi))
        for _ in range(waves)
    )
