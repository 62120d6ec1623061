"""Push-up motions, the body held straight as a plank and pushed up by the arms: push-ups on
the floor, wall push-ups and handstand push-ups against a wall.
"""

from __future__ import annotations

import numpy as np

from synth.body import PosedBody, Region
from synth.geometry import Box
from synth.kinematics import (
    ANKLES,
    ARMS,
    BIG_TOES,
    HIPS,
    SHOULDERS,
    SIDES,
    SIGN,
    WRISTS,
    Rig,
    X,
    Y,
    Z,
    hand_rotation,
    points,
    rot,
    shifted,
    transposed,
    unit,
)
from synth.motions_common import LOW_SPINE, NECK, Scene, Setup, lowest_z, mid, on_floor

# The wall's colour.
_WALL = (0.82, 0.8, 0.76)


def _chest(rig: Rig) -> float:
    """How far the chest's front lies ahead of the shoulder keypoints, in the rest pose."""
    shoulders = rig.rest_mid(SHOULDERS)
    torso = rig.rest_vertices[rig.model.regions == Region.TORSO]
    below = shoulders[2] - torso[:, 2]
    near = (np.abs(torso[:, 0]) < 0.12) & (below > 0.05) & (below < 0.25)
    return float((shoulders[1] - torso[near, 1]).max())


def _plank(rig: Rig, base: np.ndarray, bend: float, together: float) -> None:
    """Holds the body straight, turned from the rest pose by `base` (T, 3, 3), but for `bend`
    radians (> 0: the hips pushed to the front, bent at the lower back; < 0: piked at the
    hips), with the legs brought `together` radians towards each other. Unbent, the shoulder,
    hip and ankle keypoints line up."""

    def hold(angle: float) -> None:
        rig.local["root"] = base @ rot(X, abs(angle) / 2)
        for bone in LOW_SPINE:
            rig.local[bone] = rot(X, -max(angle, 0.0) / len(LOW_SPINE))
        for i in SIDES:
            adduct = rot(Y, SIGN[i] * together)
            rig.local[f"upperleg01.{'LR'[i]}"] = adduct @ rot(X, min(angle, 0.0))

    # Anny's hip keypoints lie a little in front of its shoulder-ankle line: a slight pike
    # brings them onto it, so that a clean plank is straight by its keypoints.
    hold(0.0)
    keypoints = rig.probe()
    shoulders, hips, ankles = (keypoints[list(pair)].mean(0) for pair in (SHOULDERS, HIPS, ANKLES))
    along = unit(ankles - shoulders)
    front = base[0] @ -Y
    front = unit(front - (front @ along) * along)
    upper, lower = np.linalg.norm(hips - shoulders), np.linalg.norm(ankles - hips)
    hold(bend - (hips - shoulders) @ front * (upper + lower) / (upper * lower))


def _pitch(span: np.ndarray, axis: int, value: np.ndarray) -> np.ndarray:
    """The smallest turns (T,) about x that bring the y (axis 1) or z (axis 2) component of
    vectors `span` (T, 3) to `value` (T,)."""
    angle = np.arctan2(span[:, 2], span[:, 1])
    ratio = np.clip(value / np.hypot(span[:, 1], span[:, 2]), -1, 1)
    if axis == 1:
        options = np.arccos(ratio), -np.arccos(ratio)
    else:
        options = np.arcsin(ratio), np.pi - np.arcsin(ratio)
    turns = [np.angle(np.exp(1j * (option - angle))) for option in options]
    return np.where(np.abs(turns[0]) <= np.abs(turns[1]), turns[0], turns[1])


def _pitched(rig: Rig, body: PosedBody, turn: np.ndarray) -> PosedBody:
    """Turns the root (and a body posed from it) about x by `turn` (T,) radians."""
    rotation = rot(X, turn)
    rig.local["root"] = rotation @ rig.local["root"]
    return PosedBody(
        body.vertices @ transposed(rotation).astype(np.float32),
        body.keypoints @ transposed(rotation).astype(np.float32),
    )


def _trunk_and_head(rig: Rig) -> np.ndarray:
    return np.isin(rig.model.regions, (Region.TORSO, Region.FACE, Region.HAIR, Region.HIPS))


def push_ups(s: Setup) -> Scene:
    """Push-ups from a plank on hands and toes, the chest lowered to just off the floor.
    Sagging hips drop them below the shoulder-ankle line, piked hips raise them above it and
    partial range stops the chest higher."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    depth = s.clock.depth * s.clock.extent
    shoulder_half = rig.half_width(SHOULDERS)
    grip = shoulder_half + rng.uniform(0.04, 0.12)
    hands = [
        hand_rotation(i, rot(Z, SIGN[i] * np.radians(rng.uniform(-5, 20))) @ -Y, -Z) for i in SIDES
    ]
    wrist_z = [rig.clearance(rig.hands[i], WRISTS[i], hands[i]) for i in SIDES]
    arm = min(rig.reach_of(limb) for limb in ARMS)
    top = np.mean(wrist_z) + np.sqrt((0.96 * arm) ** 2 - (grip - shoulder_half) ** 2)
    line = np.linalg.norm(rig.rest_mid(SHOULDERS) - rig.rest_mid(ANKLES))
    guess = top + (_chest(rig) - top) * depth  # shoulder height, refined below
    incline = np.arcsin((guess - 0.1) / line)  # shoulder-ankle line, ankles ~0.1 m up
    bend = np.radians(20) * s.fault("sagging_hips") - np.radians(22) * s.fault("piked_hips")
    rig.bend(NECK, X, -np.radians(rng.uniform(5, 25)))
    for i in SIDES:  # toes tucked under
        rig.turn(f"foot.{'LR'[i]}", rot(X, -np.radians(rng.uniform(0, 15))))
    base = rot(X, np.pi / 2 - incline) @ s.uneven(Z, depth)
    _plank(rig, base, bend, np.radians(rng.uniform(2, 6)))
    s.sway(("spine02", "neck02"), 0.6)
    first = rig.pose()

    # The body turns about its planted toes until the shoulders are at their height for the
    # frame: arms' reach at the top, the chest just off the floor at the bottom.
    feet = rig.feet[0] | rig.feet[1]
    clearance = s.vary(0.05, 0.1)
    for _ in range(2):  # the second turn corrects for the first changing what it measures
        toes = mid(first.keypoints, BIG_TOES)
        shoulders = mid(first.keypoints, SHOULDERS)
        low = shoulders[:, 2] - lowest_z(first, _trunk_and_head(rig)) + clearance
        low += (top - low) * 0.6 * s.fault("partial_range")
        toe_height = toes[:, 2] - lowest_z(first, feet)
        height = top + (low - top) * depth
        first = _pitched(rig, first, _pitch(shoulders - toes, 2, height - toe_height))
    toes = mid(first.keypoints, BIG_TOES)
    rig.shift = points(frames, 0, -toes[:, 1], -lowest_z(first, feet))
    placed = first.keypoints + rig.shift[:, None]
    shoulders = placed[0, list(SHOULDERS)]
    ahead = rng.uniform(-0.03, 0.05)
    for i in SIDES:
        out = np.sign(shoulders[i, 0])
        hand = points(
            frames,
            shoulders[i, 0] + out * (grip - shoulder_half),
            shoulders[:, 1].mean() - ahead,
            wrist_z[i],
        )
        pole = points(frames, out * rng.uniform(0.3, 0.8), 1, 0)
        rig.reach(ARMS[i], hand, pole, placed, hands[i], (rig.hands[i], Z, 0.0))
    return Scene(rig.pose())


def wall_push_ups(s: Setup) -> Scene:
    """Push-ups leaning on a wall in front, hands flat on it, feet on the floor. Partial
    range stops further from the wall; sagging hips push them towards it."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    depth = s.clock.depth * s.clock.extent
    shoulder_half = rig.half_width(SHOULDERS)
    grip = shoulder_half + rng.uniform(0.05, 0.15)
    hands = [
        hand_rotation(i, rot(Y, SIGN[i] * np.radians(rng.uniform(0, 25))) @ Z, -Y) for i in SIDES
    ]
    palm = np.mean([rig.clearance(rig.hands[i], WRISTS[i], hands[i], -Y) for i in SIDES])
    flat = [rot(Z, SIGN[i] * np.radians(rng.uniform(0, 12))) for i in SIDES]
    arm = min(rig.reach_of(limb) for limb in ARMS)
    below = rng.uniform(0.0, 0.1)  # hands below the shoulders at the top
    reach = np.sqrt((0.96 * arm) ** 2 - (grip - shoulder_half) ** 2 - below**2)
    lean = np.radians(s.vary(10, 18)) + np.radians(20) * depth  # refined below
    sag = np.radians(14) * s.fault("sagging_hips")  # hips pushed towards the wall
    _plank(rig, rot(X, lean) @ s.uneven(Z, depth), sag, np.radians(rng.uniform(0, 4)))
    for i in SIDES:
        rig.orient(f"foot.{'LR'[i]}", flat[i])
    s.sway(("spine02", "neck02"), 0.6)
    first = rig.pose()

    # The body leans about its ankles until the shoulders are as far from the wall as the
    # frame wants: arms' reach at the top, the face or chest just off the wall at the bottom.
    # The wall's y from the ankles, which stay put (the top frame is the first pass's).
    wall = (mid(first.keypoints, SHOULDERS) - mid(first.keypoints, ANKLES))[0, 1]
    wall -= reach + palm
    clearance = s.vary(0.05, 0.1)
    for _ in range(2):  # the second turn corrects for the first changing what it measures
        ankles = mid(first.keypoints, ANKLES)
        shoulders = mid(first.keypoints, SHOULDERS)
        front = shoulders[:, 1] - first.vertices[:, _trunk_and_head(rig), 1].min(1)
        near = front + clearance
        near += (reach + palm - near) * 0.6 * s.fault("partial_range")
        away = reach + palm + (near - reach - palm) * depth
        first = _pitched(rig, first, _pitch(shoulders - ankles, 1, wall + away))
    ankles = mid(first.keypoints, ANKLES)
    rig.shift = points(frames, 0, -ankles[:, 1], -lowest_z(first, rig.feet[0] | rig.feet[1]))
    placed = first.keypoints + rig.shift[:, None]
    shoulders = placed[0, list(SHOULDERS)]
    for i in SIDES:
        out = np.sign(shoulders[i, 0])
        hand = points(
            frames,
            shoulders[i, 0] + out * (grip - shoulder_half),
            wall + palm,
            shoulders[i, 2] - below,
        )
        rig.reach(
            ARMS[i],
            hand,
            points(frames, out * 0.5, 0, -1),
            placed,
            hands[i],
            (rig.hands[i], Y, wall),
        )
    body = on_floor(rig.pose(), rig)
    return Scene(body, (Box((0.0, wall - 0.05, 1.3), (3.0, 0.1, 2.6), _WALL),))


def handstand_push_ups(s: Setup) -> Scene:
    """Upside down on the hands, heels against a wall behind, lowering the head to just off
    the floor. Partial range stops the head higher; an arched back bows the body."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    depth = s.clock.depth * s.clock.extent
    shoulder_half = rig.half_width(SHOULDERS)
    grip = shoulder_half + rng.uniform(0.06, 0.15)
    # Upside down with the face towards -y: the body's left is at -x, the wall behind at +y.
    hands = [
        hand_rotation(i, rot(Z, -SIGN[i] * np.radians(rng.uniform(0, 20))) @ -Y, -Z) for i in SIDES
    ]
    wrist_z = [rig.clearance(rig.hands[i], WRISTS[i], hands[i]) for i in SIDES]
    arm = min(rig.reach_of(limb) for limb in ARMS)
    # The shoulders drift away from the wall as the head goes down in front of the hands;
    # the tilt keeps the heels at the same place on the wall.
    forward = rng.uniform(0.0, 0.04) - rng.uniform(0.03, 0.08) * depth
    line = np.linalg.norm(rig.rest_mid(SHOULDERS) - rig.rest[[21, 22]].mean(0))
    heels = forward[0] + line * np.sin(np.radians(s.vary(6, 14)))
    tilt = np.arcsin((heels - forward) / line)
    rig.bend(NECK, X, -np.radians(rng.uniform(10, 30)))  # eyes on the floor
    for i in SIDES:  # toes pointed
        rig.turn(f"foot.{'LR'[i]}", rot(X, np.radians(rng.uniform(15, 40))))
    arch = np.radians(40) * s.fault("arched_back")
    base = rot(X, -tilt) @ rot(Y, np.pi) @ s.uneven(Z, depth)
    _plank(rig, base, arch, np.radians(rng.uniform(3, 6)))
    s.sway(("spine02", "neck02"), 0.6)
    first = rig.pose()

    shoulders = mid(first.keypoints, SHOULDERS)
    head = (rig.model.regions == Region.FACE) | (rig.model.regions == Region.HAIR)
    drop = shoulders[:, 2] - lowest_z(first, head)
    top = np.mean(wrist_z) + np.sqrt((0.96 * arm) ** 2 - (grip - shoulder_half) ** 2)
    bottom = drop + s.vary(0.02, 0.05)
    bottom += (top - bottom) * 0.6 * s.fault("partial_range")
    rig.shift = points(frames, 0, forward, top + (bottom - top) * depth) - shoulders
    placed = first.keypoints + rig.shift[:, None]
    for i in SIDES:
        out = np.sign(placed[0, SHOULDERS[i], 0])
        hand = points(
            frames, placed[0, SHOULDERS[i], 0] + out * (grip - shoulder_half), 0, wrist_z[i]
        )
        pole = points(frames, out * rng.uniform(0.3, 0.8), 1, 0)
        rig.reach(ARMS[i], hand, pole, placed, hands[i], (rig.hands[i], Z, 0.0))
    body = rig.pose()
    body = shifted(body, points(frames, 0, 0, -lowest_z(body, rig.hands[0] | rig.hands[1])))
    legs = np.isin(rig.model.regions, (Region.UPPER_LEG, Region.LOWER_LEG, Region.FOOT))
    wall = float(body.vertices[:, legs, 1].max())
    return Scene(body, (Box((0.0, wall + 0.05, 1.4), (3.0, 0.1, 2.8), _WALL),))
