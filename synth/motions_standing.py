"""Standing exercise motions, on both feet on the floor: bodyweight squats, jumping jacks and
lunges.
"""

from __future__ import annotations

import numpy as np

from synth.kinematics import (
    ANKLES,
    ARMS,
    BIG_TOES,
    HIPS,
    KNEES,
    LEGS,
    SHOULDERS,
    SIDES,
    SIGN,
    X,
    Y,
    Z,
    points,
    rot,
    unit,
)
from synth.motions_common import NECK, SPINE, Scene, Setup, mid, on_floor
from synth.tempo import ease, soft_min


def squats(s: Setup) -> Scene:
    """Standing squats, arms raised forwards on the way down. Shallow depth bends the knees
    less; caving knees turn them in; forward lean pitches the trunk further."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    depth = s.clock.depth * s.clock.extent
    deepest = np.radians(s.vary(108, 125)) * (1 - 0.55 * s.fault("shallow_depth"))
    knee = deepest * depth + np.radians(rng.uniform(2, 6))  # flexion: soft knees standing
    shin = knee * rng.uniform(0.3, 0.38)
    thigh = knee - shin
    lean = (
        knee * rng.uniform(0.28, 0.38)
        + np.radians(rng.uniform(0, 6))
        + np.radians(32) * s.fault("forward_lean") * depth
    )
    rig.local["root"] = rot(X, 0.75 * lean) @ s.uneven(Y, depth)
    rig.bend(SPINE[:4], X, 0.25 * lean)
    rig.bend(NECK, X, -0.6 * lean)  # keeps the eyes ahead
    s.sway(("spine03", "neck02"), 1.0)
    raise_ = np.radians(rng.uniform(10, 20)) + np.radians(s.vary(70, 90)) * ease(depth * 1.3)
    for side in SIDES:
        rig.turn(f"clavicle.{'LR'[side]}", rot(Y, -SIGN[side] * 0.1 * raise_))
    first = rig.pose().keypoints

    leg = (
        np.mean([rig.length(HIPS[i], KNEES[i]) for i in SIDES]),
        np.mean([rig.length(KNEES[i], ANKLES[i]) for i in SIDES]),
    )
    stance = rig.half_width(HIPS) * rng.uniform(1.3, 1.8)
    toe_out = np.radians(rng.uniform(5, 20, 2))
    feet = [rot(Z, SIGN[i] * toe_out[i]) for i in SIDES]
    ankle_z = [rig.clearance(rig.feet[i], ANKLES[i], feet[i]) for i in SIDES]
    hip_y = leg[0] * np.sin(thigh) - leg[1] * np.sin(shin)
    hip_z = leg[0] * np.cos(thigh) + leg[1] * np.cos(shin)
    lateral = stance - rig.half_width(HIPS)
    hip_z = soft_min(hip_z, np.sqrt((0.99 * sum(leg)) ** 2 - lateral**2 - hip_y**2))
    rig.shift = points(frames, 0, hip_y, np.mean(ankle_z) + hip_z) - mid(first, HIPS)
    placed = first + rig.shift[:, None]
    caving = np.radians(14) * s.fault("knees_caving") * depth
    for i in SIDES:
        ankle = points(frames, SIGN[i] * stance, rng.normal(0, 0.02), ankle_z[i])
        pole = points(frames, -SIGN[i] * np.sin(caving) + SIGN[i] * 0.15, -np.cos(caving), 0)
        rig.reach(LEGS[i], ankle, pole, placed, feet[i])

    for i in SIDES:
        arm = 0.97 * rig.reach_of(ARMS[i])
        out = SIGN[i] * rng.uniform(0.1, 0.25)
        direction = unit(points(frames, out, -np.sin(raise_), -np.cos(raise_)))
        pole = points(frames, SIGN[i] * 0.3, np.cos(raise_), -np.sin(raise_))
        rig.reach(ARMS[i], placed[:, SHOULDERS[i]] + arm * direction, pole, placed)
    return Scene(on_floor(rig.pose(), rig))


def _standing_arms(s: Setup, placed: np.ndarray, spread: np.ndarray) -> None:
    """Arms hanging or raised sideways by `spread` (T, 2) radians from hanging, elbows back."""
    rig, frames = s.rig, s.clock.frames
    for i in SIDES:
        arm = 0.97 * rig.reach_of(ARMS[i])
        forward = -s.rng.uniform(0.05, 0.15)
        up = spread[:, i]
        direction = unit(points(frames, SIGN[i] * np.sin(up), forward, -np.cos(up)))
        rig.reach(
            ARMS[i], placed[:, SHOULDERS[i]] + arm * direction, points(frames, 0, 1, 0), placed
        )


def jumping_jacks(s: Setup) -> Scene:
    """Hops from feet together, arms down, to feet apart, arms overhead, and back. The faults
    stop the hands below the head or the feet short of apart."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    raw = s.clock.depth
    depth = raw * s.clock.extent
    hop = s.vary(0.04, 0.09) * 4 * raw * (1 - raw)  # airborne between the two stances
    closed = rig.half_width(HIPS) * rng.uniform(0.8, 1.1)
    wide = rig.reach_of(LEGS[0]) * s.vary(0.4, 0.52)
    wide = closed + (wide - closed) * (1 - 0.8 * s.fault("feet_not_apart"))
    stance = closed + (wide - closed) * depth
    overhead = np.radians(s.vary(158, 175))
    top = overhead - (overhead - np.radians(75)) * s.fault("arms_not_overhead")
    low = np.radians(rng.uniform(4, 12))
    spread = low + (top - low) * depth[:, None] * rng.normal(1.0, 0.03, 2)  # per arm
    for i in SIDES:  # the shoulders rise with the arms
        rig.turn(f"clavicle.{'LR'[i]}", rot(Y, -SIGN[i] * 0.12 * spread[:, i]))
    s.sway(("spine03", "neck02"), 1.0)
    first = rig.pose().keypoints

    point = np.radians(rng.uniform(15, 30)) * 4 * raw * (1 - raw)  # toes down in the air
    feet = [rot(X, point) @ rot(Z, SIGN[i] * np.radians(rng.uniform(0, 12))) for i in SIDES]
    ankle_z = [rig.clearance(rig.feet[i], ANKLES[i], feet[i]) for i in SIDES]
    reach = 0.985 * rig.reach_of(LEGS[0])
    lateral = stance - rig.half_width(HIPS)
    hip_z = np.mean(ankle_z, 0) + np.sqrt(reach**2 - lateral**2)
    rig.shift = points(frames, 0, 0, hip_z) - mid(first, HIPS)
    placed = first + rig.shift[:, None]
    for i in SIDES:
        ankle = points(frames, SIGN[i] * stance, 0, ankle_z[i])
        rig.reach(LEGS[i], ankle, points(frames, 0, -1, 0), placed, feet[i])
    _standing_arms(s, placed, spread)
    body = rig.pose()
    return Scene(on_floor(body, rig, hop))


def lunges(s: Setup) -> Scene:
    """Forward lunges on alternating legs: step out, sink until the back knee nears the
    floor, rise and step back. Short steps shorten the step; knee past toe tilts the front
    shin until the knee passes the toes."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    raw = s.clock.depth
    step = ease(raw / 0.45)
    sink = ease((raw - 0.3) / 0.7) * s.clock.extent
    front = (rng.integers(2) + s.clock.rep) % 2  # alternating legs, per frame
    thigh_length = np.mean([rig.length(HIPS[i], KNEES[i]) for i in SIDES])
    shin_length = np.mean([rig.length(KNEES[i], ANKLES[i]) for i in SIDES])
    length = rig.reach_of(LEGS[0]) * s.vary(0.95, 1.12) * (1 - 0.5 * s.fault("short_step"))
    shin = np.radians(rng.uniform(0, 8) + 34 * s.fault("knee_past_toe"))
    thigh = np.radians(s.vary(78, 92))
    heel = np.radians(rng.uniform(50, 70)) * step
    rig.local["root"] = rot(X, np.radians(rng.uniform(0, 6)) * sink) @ s.uneven(Y, sink)
    s.sway(("spine03", "neck02"), 1.0)
    first = rig.pose().keypoints

    width = rig.half_width(HIPS) * rng.uniform(1.0, 1.25)
    flat = [rot(Z, SIGN[i] * np.radians(rng.uniform(0, 12))) for i in SIDES]
    ankles, feet = [], []
    for i in SIDES:
        leading = front == i
        flat_z = rig.clearance(rig.feet[i], ANKLES[i], flat[i])
        # The back foot rolls onto its toes: it turns about the big toe, heel up.
        raised = rot(X, heel)
        toe = rig.rest[BIG_TOES[i]] - rig.rest[ANKLES[i]]
        rolled = toe - raised @ toe
        forward = np.where(leading, length * step, 0.0)
        lift = np.where(leading, 0.06 * np.sin(np.pi * step), 0.0)
        ankles.append(
            points(frames, SIGN[i] * width, -forward, flat_z + lift)
            + np.where(leading[:, None], 0.0, rolled)
        )
        feet.append(np.where(leading[:, None, None], flat[i], raised @ flat[i]))
    ankle_z = rig.clearance(rig.feet[0], ANKLES[0], flat[0])
    # At the bottom: front ankle `length` ahead, knee ahead of it by the shin's tilt, hip
    # behind the knee by the thigh's.
    hip_y = -length - shin_length * np.sin(shin) + thigh_length * np.sin(thigh)
    hip_z = ankle_z + shin_length * np.cos(shin) + thigh_length * np.cos(thigh)
    standing = ankle_z + 0.99 * rig.reach_of(LEGS[0])
    hips = points(frames, 0, hip_y * step, standing + (hip_z - standing) * sink)
    offsets = first - mid(first, HIPS)[:, None]
    for i in SIDES:  # never further than a leg can reach
        span = ankles[i] - (hips + offsets[:, HIPS[i]])
        most = np.sqrt(
            np.maximum((0.985 * rig.reach_of(LEGS[i])) ** 2 - span[:, 0] ** 2 - span[:, 1] ** 2, 0)
        )
        hips[:, 2] = soft_min(hips[:, 2], ankles[i][:, 2] + most)
    rig.shift = hips - mid(first, HIPS)
    placed = first + rig.shift[:, None]
    for i in SIDES:
        rig.reach(LEGS[i], ankles[i], points(frames, 0, -1, 0), placed, feet[i])
    _standing_arms(s, placed, np.radians(rng.uniform(6, 14, 2)) + np.zeros((frames, 1)))
    body = rig.pose()
    return Scene(on_floor(body, rig))
