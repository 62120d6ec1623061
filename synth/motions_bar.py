"""Motions that hold a bar in the hands: pull-ups on a fixed bar and the bench press with a
barbell.
"""

from __future__ import annotations

import numpy as np

from synth.body import Region
from synth.geometry import Box, Cylinder, as_point
from synth.kinematics import (
    ANKLES,
    ARMS,
    HIPS,
    LEGS,
    NOSE,
    SHOULDERS,
    SIDES,
    SIGN,
    WRISTS,
    Rig,
    X,
    Y,
    Z,
    curl_fingers,
    hand_rotation,
    points,
    rot,
    shifted,
    unit,
)
from synth.motions_common import Scene, Setup, mid

# Where a gripped bar's axis lies from the wrist keypoint: along the fingers, and out of the palm.
_GRIP = (0.06, 0.03)
_BAR_RADIUS = 0.016
# Equipment colours.
_STEEL = (0.7, 0.7, 0.72)
_IRON = (0.15, 0.15, 0.17)
_PADDING = (0.12, 0.12, 0.14)


def _together(rig: Rig, degrees: float) -> None:
    """Brings the legs from the rest pose's straddle towards each other."""
    for i in SIDES:
        rig.turn(f"upperleg01.{'LR'[i]}", rot(Y, SIGN[i] * np.radians(degrees)))


def pull_ups(s: Setup) -> Scene:
    """Overhand pull-ups from a dead hang to the chin over the bar. Partial range stops the
    chin below the bar; kipping swings the body and drives the knees up."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    depth = s.clock.depth * s.clock.extent
    bar = rng.uniform(2.25, 2.4)
    shoulder_half = rig.half_width(SHOULDERS)
    grip = shoulder_half + rng.uniform(0.1, 0.22)
    # Overhand: palms forward, fingers over the bar.
    hands = [hand_rotation(i, Z, -Y) for i in SIDES]
    curl_fingers(rig)
    wrist = np.array([0.0, _GRIP[1], bar - _GRIP[0]])
    arm = min(rig.reach_of(limb) for limb in ARMS)
    hang = wrist[2] - np.sqrt((0.97 * arm) ** 2 - (grip - shoulder_half) ** 2)
    chin = rig.rest[NOSE, 2] - rig.rest_mid(SHOULDERS)[2]
    top = bar + rng.uniform(0.03, 0.09) - chin
    top -= (top - hang) * 0.65 * s.fault("partial_range")
    behind = wrist[1] + rng.uniform(0.0, 0.04)
    behind_top = rng.uniform(0.08, 0.14)
    kip = s.fault("kipping")
    # Back, forward and back again over the rep, starting and ending at rest.
    swing = np.sin(2 * np.pi * s.clock.phase) * np.sin(np.pi * s.clock.phase) ** 2
    drive = np.sin(np.pi * s.clock.phase) ** 2
    lean_back = -np.radians(rng.uniform(5, 15)) * depth
    rig.local["root"] = rot(X, lean_back + np.radians(24) * kip * swing) @ s.uneven(Z, depth)
    for i in SIDES:  # shoulders shrugged in the hang
        rig.turn(f"clavicle.{'LR'[i]}", rot(Y, -SIGN[i] * np.radians(15) * (1 - depth)))
    hips = np.radians(rng.uniform(5, 25)) + np.radians(50) * kip * drive
    knees = np.radians(rng.uniform(15, 90))
    _together(rig, rng.uniform(2, 5))
    for i in SIDES:
        rig.turn(f"upperleg01.{'LR'[i]}", rot(X, -hips))
        rig.turn(f"lowerleg01.{'LR'[i]}", rot(X, knees))
        rig.turn(f"foot.{'LR'[i]}", rot(X, np.radians(rng.uniform(10, 35))))
    s.sway(("spine02", "neck02"), 0.6)
    first = rig.pose().keypoints

    shoulders = points(
        frames,
        0,
        behind + (behind_top - behind) * depth + 0.1 * kip * swing,
        hang + (top - hang) * depth,
    )
    rig.shift = shoulders - mid(first, SHOULDERS)
    placed = first + rig.shift[:, None]
    for i in SIDES:
        out = np.sign(placed[0, SHOULDERS[i], 0])
        hand = points(
            frames, placed[0, SHOULDERS[i], 0] + out * (grip - shoulder_half), wrist[1], wrist[2]
        )
        rig.reach(ARMS[i], hand, points(frames, out, -0.2, -0.3), placed, hands[i])
    body = rig.pose()
    # A bar high enough to hang from with the feet clear of the floor.
    lift = max(0.0, 0.1 - float(body.vertices[..., 2].min()))
    body = shifted(body, np.array([0.0, 0.0, lift]))
    bar += lift
    half = grip + 0.25
    return Scene(
        body,
        (
            Cylinder((-half, 0.0, bar), (half, 0.0, bar), _BAR_RADIUS, _STEEL),
            *(Cylinder((x, 0.0, 0.0), (x, 0.0, bar + 0.05), 0.035, _IRON) for x in (-half, half)),
        ),
    )


def bench_press(s: Setup) -> Scene:
    """Lying on a flat bench, feet on the floor, lowering a barbell from straight arms to the
    chest. Partial range stops the bar above the chest; uneven arms leave one hand low near
    the top."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    depth = s.clock.depth * s.clock.extent
    height = rng.uniform(0.4, 0.45)
    rig.local["root"] = rot(X, -np.pi / 2)  # on the back, head towards +y
    curl_fingers(rig)
    s.sway(("spine03", "neck02"), 0.5)
    first = rig.pose()

    # The back (head to buttocks) lies on the bench top; the bench starts behind the hips.
    hips = mid(first.keypoints, HIPS)
    arms = np.isin(rig.model.regions, (Region.UPPER_ARM, Region.LOWER_ARM, Region.HAND))
    back = (
        ~arms
        & (np.abs(first.vertices[..., 0]) < 0.15)
        & (first.vertices[..., 1] > hips[:, 1:2] - 0.15)
    )
    lowest = np.where(back, first.vertices[..., 2], np.inf).min(1)
    flat = [rot(Z, SIGN[i] * np.radians(rng.uniform(0, 20))) for i in SIDES]
    ankle_z = np.mean([rig.clearance(rig.feet[i], ANKLES[i], flat[i]) for i in SIDES])
    leg = min(rig.reach_of(limb) for limb in LEGS)
    # A short performer gets a lower bench, so that the feet still reach the floor.
    drop = min(float(np.mean(hips[:, 2] - lowest)) + height, ankle_z + 0.8 * leg) - ankle_z
    height = ankle_z + drop - float(np.mean(hips[:, 2] - lowest))
    rig.shift = points(frames, 0, -hips[:, 1], height - lowest)
    placed = shifted(first, rig.shift)
    keypoints = placed.keypoints

    shoulders = mid(keypoints, SHOULDERS)[0]
    shoulder_half = rig.half_width(SHOULDERS)
    grip = shoulder_half + rng.uniform(0.15, 0.25)
    wrist_back = np.radians(rng.uniform(25, 45))  # the bar sits in the palm, wrists bent back
    fingers = np.array([0.0, np.sin(wrist_back), np.cos(wrist_back)])
    palm = np.array([0.0, -np.cos(wrist_back), np.sin(wrist_back)])
    holding = _GRIP[0] * fingers + _GRIP[1] * palm  # bar axis from the wrist keypoint
    arm = min(rig.reach_of(limb) for limb in ARMS)
    top = np.array(
        [
            shoulders[1] - rng.uniform(0.0, 0.04),
            shoulders[2] + holding[2] + np.sqrt((0.96 * arm) ** 2 - (grip - shoulder_half) ** 2),
        ]
    )
    low_y = shoulders[1] - rng.uniform(0.07, 0.13)
    torso = placed.vertices[0][rig.model.regions == Region.TORSO]
    chest = torso[(np.abs(torso[:, 0]) < 0.1) & (np.abs(torso[:, 1] - low_y) < 0.03), 2].max()
    bottom = np.array([low_y, chest + _BAR_RADIUS + 0.01])
    bottom += (top - bottom) * 0.6 * s.fault("partial_range")
    path = top + (bottom - top) * depth[:, None]
    lagging = rng.integers(2)  # uneven arms: this hand stays low near the top
    for i in SIDES:
        lag = (0.12 * s.fault("uneven_arms") * (i == lagging) + rng.normal(0, 0.002)) * (1 - depth)
        hand = points(frames, SIGN[i] * grip, path[:, 0], path[:, 1] - lag) - holding
        rig.reach(
            ARMS[i],
            hand,
            points(frames, SIGN[i], -0.3, -0.5),
            keypoints,
            hand_rotation(i, fingers, palm),
        )

    # Feet planted apart, in front of the hips, and within the legs' reach.
    out, ahead = rng.uniform(0.28, 0.4) - rig.half_width(HIPS), rng.uniform(0.25, 0.4)
    fit = min(1.0, np.sqrt((0.92 * leg) ** 2 - drop**2) / np.hypot(out, ahead))
    for i in SIDES:
        ankle = points(
            frames,
            SIGN[i] * (rig.half_width(HIPS) + fit * out),
            -fit * ahead,
            rig.clearance(rig.feet[i], ANKLES[i], flat[i]),
        )
        rig.reach(
            LEGS[i],
            ankle,
            points(frames, SIGN[i] * 0.4, 0, 1),
            keypoints,
            flat[i],
            (rig.feet[i], Z, 0.0),
        )
    body = rig.pose()

    grips = body.keypoints[:, list(WRISTS)].astype(np.float64) + holding
    centre, along = grips.mean(1), unit(grips[:, 0] - grips[:, 1])
    held = tuple(
        (
            Cylinder(as_point(c - 0.95 * a), as_point(c + 0.95 * a), 0.014, _STEEL),
            *(
                Cylinder(as_point(c + k * 0.72 * a), as_point(c + k * 0.8 * a), 0.225, _IRON)
                for k in (-1, 1)
            ),
        )
        for c, a in zip(centre, along, strict=True)
    )
    bench = Box((0.0, 0.45, height / 2), (0.3, 1.2, height), _PADDING)
    return Scene(body, (bench,), held)
