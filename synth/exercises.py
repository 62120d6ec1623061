"""Exercise motions for the synthetic gym: the eight UCF101 exercise classes performed by Anny
bodies, with per-rep timing, named form faults of graded severity and the equipment they use.

A performance is built in three steps. A clock gives every frame its depth into the current
repetition (0 at the start position, 1 at the turning point). The exercise turns depth into a
trunk pose and placement plus targets for the hands and feet, which two-bone inverse kinematics
reaches from keypoints of a first posing pass. The posed vertices then settle the body onto its
contacts (floor, bench, bar, wall).

World frame: Anny's (metres, z up, the body faces -y at rest, its left is +x), floor at z = 0;
each performance is centred on the origin in x and y.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from synth.body import BodyModel, Phenotype, PosedBody, Region, body_model
from synth.geometry import Box, Cylinder, Solid, as_point

EXERCISES: tuple[str, ...] = (
    "BenchPress",
    "BodyWeightSquats",
    "HandstandPushups",
    "JumpingJack",
    "Lunges",
    "PullUps",
    "PushUps",
    "WallPushups",
)

FAULTS: dict[str, tuple[str, ...]] = {
    "BenchPress": ("partial_range", "uneven_arms"),
    "BodyWeightSquats": ("shallow_depth", "knees_caving", "forward_lean"),
    "HandstandPushups": ("partial_range", "arched_back"),
    "JumpingJack": ("arms_not_overhead", "feet_not_apart"),
    "Lunges": ("short_step", "knee_past_toe"),
    "PullUps": ("partial_range", "kipping"),
    "PushUps": ("sagging_hips", "piked_hips", "partial_range"),
    "WallPushups": ("partial_range", "sagging_hips"),
}

MAX_REPS = 12

# Faults that bend the body in opposite directions cannot be combined.
_EXCLUSIVE = frozenset({"sagging_hips", "piked_hips"})


@dataclass(frozen=True)
class Rep:
    """One repetition's frames: `start` and `end` inclusive, `bottom` its turning point."""

    start: int
    bottom: int
    end: int


@dataclass(frozen=True)
class Performance:
    """A body performing repetitions of an exercise, placed in world metres with its equipment.

    `equipment` holds the static solids; `held` the solids that move with the hands (the
    barbell), one tuple per frame, empty where nothing is held. `faults` maps each active fault
    to its severity in (0, 1].
    """

    exercise: str
    phenotype: Phenotype
    fps: float
    body: PosedBody
    equipment: tuple[Solid, ...]
    reps: tuple[Rep, ...]
    faults: dict[str, float]
    seed: int
    held: tuple[tuple[Solid, ...], ...]

    @property
    def frames(self) -> int:
        """The clip's length T in frames."""
        return int(self.body.keypoints.shape[0])

    def solids(self, frame: int) -> tuple[Solid, ...]:
        """Everything to draw besides the body at `frame`."""
        return self.equipment + self.held[frame]


def perform(
    exercise: str,
    *,
    seed: int,
    fps: float = 30.0,
    reps: int | None = None,
    faults: Mapping[str, float] | None = None,
    phenotype: Phenotype | None = None,
    held_out: bool = False,
) -> Performance:
    """Performs `exercise`, deterministically for a `seed`.

    Args:
        exercise: One of `EXERCISES`.
        seed: Seeds every random choice: build, rep count, faults, timing and style.
        fps: Frames per second, at least 5.
        reps: Repetitions, 1 to `MAX_REPS`; None draws 1 to 8.
        faults: Fault name (from `FAULTS[exercise]`) to severity in [0, 1]; None draws them:
            half of the performances are clean, the others have one or two faults.
        phenotype: The performer's build; None samples one.
        held_out: Samples builds, tempos and ranges of motion beyond the training ranges.
    """
    if exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise!r}; valid: {', '.join(EXERCISES)}")
    if reps is not None and not 1 <= reps <= MAX_REPS:
        raise ValueError(f"reps must be from 1 to {MAX_REPS}, not {reps}")
    if fps < 5:
        raise ValueError(f"fps must be at least 5, not {fps}")
    # Independent streams, so that e.g. forcing a fault leaves the timing and style unchanged.
    who, flaws, count, timing, style = np.random.default_rng(seed).spawn(5)
    chosen = _draw_faults(exercise, flaws) if faults is None else _checked(exercise, faults)
    build = Phenotype.sample(who, held_out=held_out) if phenotype is None else phenotype
    clock = _clock(
        timing, _TEMPO[exercise], int(count.integers(1, 9)) if reps is None else reps, fps, held_out
    )
    rig = _Rig(body_model(), build, clock.frames)
    scene = _centred(_MOTIONS[exercise](_Setup(rig, clock, chosen, style, held_out)))
    held = scene.held or ((),) * clock.frames
    active = {name: severity for name, severity in chosen.items() if severity > 0}
    return Performance(
        exercise, build, fps, scene.body, scene.equipment, clock.reps, active, seed, held
    )


def _draw_faults(exercise: str, rng: np.random.Generator) -> dict[str, float]:
    if rng.random() < 0.5:
        return {}
    wanted = 1 if rng.random() < 0.7 else 2
    picked: list[str] = []
    for index in rng.permutation(len(FAULTS[exercise])):
        name = FAULTS[exercise][index]
        if len(picked) < wanted and not {name, *picked} >= _EXCLUSIVE:
            picked.append(name)
    return {name: float(rng.uniform(0.3, 1.0)) for name in picked}


def _checked(exercise: str, faults: Mapping[str, float]) -> dict[str, float]:
    valid = FAULTS[exercise]
    unknown = sorted(set(faults) - set(valid))
    if unknown:
        raise ValueError(f"unknown {exercise} fault(s) {unknown}; valid: {', '.join(valid)}")
    for name, severity in faults.items():
        if not 0.0 <= severity <= 1.0:
            raise ValueError(f"severity of {name} must be in [0, 1], not {severity}")
    if all(faults.get(name, 0.0) > 0 for name in _EXCLUSIVE):
        raise ValueError(f"{' and '.join(sorted(_EXCLUSIVE))} exclude each other")
    return {name: float(severity) for name, severity in faults.items()}


# --- Timing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tempo:
    seconds: tuple[float, float]  # range of a performer's mean rep duration
    down: tuple[float, float]  # fraction of a rep spent reaching the turning point
    hold: tuple[float, float]  # fraction of a rep held at the turning point
    rest_chance: float  # chance of a pause after a rep


_TEMPO = {
    "BenchPress": _Tempo((1.8, 3.4), (0.45, 0.6), (0.0, 0.1), 0.25),
    "BodyWeightSquats": _Tempo((1.6, 3.0), (0.45, 0.55), (0.0, 0.1), 0.2),
    "HandstandPushups": _Tempo((1.8, 3.5), (0.5, 0.6), (0.0, 0.08), 0.3),
    "JumpingJack": _Tempo((0.8, 1.3), (0.45, 0.55), (0.0, 0.04), 0.05),
    "Lunges": _Tempo((2.0, 3.5), (0.45, 0.55), (0.0, 0.1), 0.25),
    "PullUps": _Tempo((1.8, 3.4), (0.4, 0.5), (0.0, 0.12), 0.3),
    "PushUps": _Tempo((1.2, 2.8), (0.45, 0.6), (0.0, 0.08), 0.2),
    "WallPushups": _Tempo((1.4, 3.0), (0.45, 0.55), (0.0, 0.1), 0.2),
}


@dataclass(frozen=True)
class _Clock:
    """Per-frame timing: `depth` 0 at the start position and 1 at the turning point, `extent`
    the current rep's share of the full range, `rep` the current (or last) rep and `phase` the
    fraction of it done (0 between reps)."""

    time: np.ndarray
    depth: np.ndarray
    extent: np.ndarray
    rep: np.ndarray
    phase: np.ndarray
    reps: tuple[Rep, ...]

    @property
    def frames(self) -> int:
        return len(self.time)


def _clock(
    rng: np.random.Generator, tempo: _Tempo, reps: int, fps: float, held_out: bool
) -> _Clock:
    low, high = tempo.seconds
    if held_out:
        low, high = 0.85 * low, 1.2 * high
    mean = rng.uniform(low, high)
    start = rng.uniform(0.3, 1.5)
    spans = []
    for index in range(reps):
        duration = mean * np.exp(rng.normal(0.0, 0.1))
        down = duration * rng.uniform(*tempo.down)
        hold = duration * rng.uniform(*tempo.hold)
        extent = 1.0 - min(abs(rng.normal(0.0, 0.04)), 0.12)
        spans.append((start, start + down, start + down + hold, start + duration, extent))
        start += duration
        if index < reps - 1 and rng.random() < tempo.rest_chance:
            start += rng.uniform(0.3, 1.2)
    time = np.arange(int(np.ceil((start + rng.uniform(0.3, 1.5)) * fps))) / fps
    depth, phase = np.zeros_like(time), np.zeros_like(time)
    extent, rep = np.ones_like(time), np.zeros(len(time), int)
    bounds = []
    for index, (begin, low_at, rise_at, end, share) in enumerate(spans):
        inside = (time >= begin) & (time < end)
        going = np.clip((time - begin) / (low_at - begin), 0, 1)
        coming = np.clip((end - time) / (end - rise_at), 0, 1)
        depth = np.where(inside, _ease(np.minimum(going, coming)), depth)
        phase = np.where(inside, (time - begin) / (end - begin), phase)
        extent[time >= begin] = share
        rep[time >= begin] = index
        first, last = int(np.ceil(begin * fps)), int(np.ceil(end * fps)) - 1
        bottom = int(np.clip(round((low_at + rise_at) / 2 * fps), first, last))
        bounds.append(Rep(first, bottom, last))
    return _Clock(time, depth, extent, rep, phase, tuple(bounds))


def _soft_min(a: np.ndarray, b: np.ndarray, width: float = 0.01) -> np.ndarray:
    """min(a, b) with its corner rounded over about `width`, so that motions stay smooth."""
    return -width * np.logaddexp(-a / width, -b / width)


def _ease(x: np.ndarray) -> np.ndarray:
    """Cosine easing of x clipped to [0, 1]: 0 -> 0, 1 -> 1, flat at both ends."""
    return (1 - np.cos(np.pi * np.clip(x, 0, 1))) / 2


# --- Rotations -----------------------------------------------------------------------------

_X, _Y, _Z = np.eye(3)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _rot(axis: np.ndarray, angle: np.ndarray | float) -> np.ndarray:
    """Rotation matrices (..., 3, 3) about unit axes (..., 3) by angles (...) in radians."""
    angle = np.asarray(angle, float)
    axis = np.broadcast_to(np.asarray(axis, float), (*angle.shape, 3))
    x, y, z = np.moveaxis(axis, -1, 0)
    zero = np.zeros_like(x)
    cross = np.stack([zero, -z, y, z, zero, -x, -y, x, zero], -1).reshape(*x.shape, 3, 3)
    sin, cos = np.sin(angle)[..., None, None], np.cos(angle)[..., None, None]
    return np.eye(3) + sin * cross + (1 - cos) * (cross @ cross)


def _turn(rotvec: np.ndarray) -> np.ndarray:
    """Rotation matrices of rotation vectors (..., 3)."""
    angle = np.linalg.norm(rotvec, axis=-1)
    return _rot(rotvec / np.maximum(angle, 1e-12)[..., None], angle)


def _quaternions(m: np.ndarray) -> np.ndarray:
    """Unit quaternions (..., 4) as (w, x, y, z) with w >= 0, of rotation matrices."""
    xx, yy, zz = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    a, b, c = m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]
    d, e, f = m[..., 0, 1] + m[..., 1, 0], m[..., 0, 2] + m[..., 2, 0], m[..., 1, 2] + m[..., 2, 1]
    # Row i is 4 q_i q; the row with the largest q_i is the best conditioned (Shepperd).
    rows = np.stack(
        [
            np.stack([1 + xx + yy + zz, a, b, c], -1),
            np.stack([a, 1 + xx - yy - zz, d, e], -1),
            np.stack([b, d, 1 - xx + yy - zz, f], -1),
            np.stack([c, e, f, 1 - xx - yy + zz], -1),
        ],
        -2,
    )
    best = np.argmax(np.diagonal(rows, axis1=-2, axis2=-1), -1)
    q = _unit(np.take_along_axis(rows, best[..., None, None], -2)[..., 0, :])
    return q * np.where(q[..., :1] < 0, -1.0, 1.0)


def _rotvecs(m: np.ndarray) -> np.ndarray:
    """Rotation vectors (..., 3) of rotation matrices."""
    q = _quaternions(m)
    norm = np.linalg.norm(q[..., 1:], axis=-1, keepdims=True)
    angle = 2 * np.arctan2(norm, q[..., :1])
    return q[..., 1:] * np.where(norm > 1e-9, angle / np.maximum(norm, 1e-12), 2.0)


def _basis(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotations (..., 3, 3) with columns a, b made orthogonal to a, and their cross product."""
    a = _unit(a)
    b = _unit(b - (b * a).sum(-1, keepdims=True) * a)
    return np.stack(np.broadcast_arrays(a, b, np.cross(a, b)), -1)


def _swing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The shortest rotations (..., 3, 3) turning unit vectors a onto unit vectors b."""
    cross = np.cross(a, b)
    sin = np.linalg.norm(cross, axis=-1)
    return _rot(cross / np.maximum(sin, 1e-12)[..., None], np.arctan2(sin, (a * b).sum(-1)))


def _T(m: np.ndarray) -> np.ndarray:
    return np.swapaxes(m, -1, -2)


def _points(
    frames: int, x: np.ndarray | float, y: np.ndarray | float, z: np.ndarray | float
) -> np.ndarray:
    """(T, 3) points from per-frame or constant coordinates."""
    return np.stack(np.broadcast_arrays(x, y, z, np.zeros(frames))[:3], -1)


# --- The rig: bone rotations, posing and inverse kinematics ----------------------------------


def _skeleton() -> dict[str, str]:
    """Parents of the bones the motions turn (Anny's skeleton, as far as it is used here)."""
    chains = [("root", "spine05", "spine04", "spine03", "spine02", "spine01")]
    chains.append(("spine01", "neck01", "neck02", "neck03", "head"))
    for side in "LR":
        leg = ("pelvis", "upperleg01", "upperleg02", "lowerleg01", "lowerleg02", "foot")
        arm = ("clavicle", "shoulder01", "upperarm01", "upperarm02", "lowerarm01", "lowerarm02")
        chains.append(("root", *(f"{bone}.{side}" for bone in leg)))
        chains.append(("spine01", *(f"{bone}.{side}" for bone in (*arm, "wrist"))))
    return {child: parent for chain in chains for parent, child in itertools.pairwise(chain)}


_PARENT = _skeleton()

# Keypoint indices (COCO order, then the foot points), as (left, right) pairs.
_NOSE = 0
_SHOULDERS, _ELBOWS, _WRISTS = (5, 6), (7, 8), (9, 10)
_HIPS, _KNEES, _ANKLES, _BIG_TOES = (11, 12), (13, 14), (15, 16), (17, 18)
_SIDES = (0, 1)  # left, right
_SIGN = (1.0, -1.0)  # x direction of each side in the rest pose

# The left hand's finger direction (wrist keypoint to the hand's centre) and palm normal (its
# vertices' axis of least spread) in the rest pose, measured on Anny's mesh and alike for all
# builds; the right hand's mirror them.
_REST_FINGERS = np.array([0.35, -0.70, -0.63])
_REST_PALM = np.array([-0.70, 0.25, -0.67])


@dataclass(frozen=True)
class _Limb:
    upper: str
    lower: str
    twist: str
    end: str
    joints: tuple[int, int, int]  # keypoints at the root, middle and end joints
    hinge: tuple[float, float, float] | None  # rest hinge axis; None: that of the rest bend


_ARMS = tuple(
    _Limb(
        f"upperarm01.{s}",
        f"lowerarm01.{s}",
        f"lowerarm02.{s}",
        f"wrist.{s}",
        (_SHOULDERS[i], _ELBOWS[i], _WRISTS[i]),
        None,
    )
    for i, s in enumerate("LR")
)
# The rest knee is nearly straight, so its hinge is given: +x bends it.
_LEGS = tuple(
    _Limb(
        f"upperleg01.{s}",
        f"lowerleg01.{s}",
        f"lowerleg02.{s}",
        f"foot.{s}",
        (_HIPS[i], _KNEES[i], _ANKLES[i]),
        (1.0, 0.0, 0.0),
    )
    for i, s in enumerate("LR")
)


# A part of the body (a vertex mask) to rest on a plane: its normal (pointing out of the solid)
# and offset along the normal.
_Contact = tuple[np.ndarray, np.ndarray, float]
# A limb sent to a target: its `_Rig.reach` arguments.
_Aim = tuple[_Limb, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, _Contact | None]


class _Rig:
    """Local bone rotations (T, 3, 3) of one performer over T frames, and a world shift."""

    def __init__(self, model: BodyModel, phenotype: Phenotype, frames: int) -> None:
        self.model = model
        self.phenotype = phenotype
        self.frames = frames
        rest = model.pose(phenotype, {}, frames=1)
        self.rest = rest.keypoints[0].astype(np.float64)
        self.rest_vertices = rest.vertices[0].astype(np.float64)
        left = self.rest_vertices[:, 0] > 0
        self.hands = tuple((model.regions == Region.HAND) & (left == (i == 0)) for i in _SIDES)
        self.feet = tuple((model.regions == Region.FOOT) & (left == (i == 0)) for i in _SIDES)
        self.local: dict[str, np.ndarray] = {}
        self.shift = np.zeros((frames, 3))
        self.aims: list[_Aim] = []

    def length(self, a: int, b: int) -> float:
        return float(np.linalg.norm(self.rest[a] - self.rest[b]))

    def reach_of(self, limb: _Limb) -> float:
        a, b, c = limb.joints
        return self.length(a, b) + self.length(b, c)

    def half_width(self, pair: tuple[int, int]) -> float:
        return float(abs(self.rest[pair[0], 0] - self.rest[pair[1], 0]) / 2)

    def rest_mid(self, pair: tuple[int, int]) -> np.ndarray:
        return self.rest[list(pair)].mean(0)

    def clearance(
        self, part: np.ndarray, joint: int, rotation: np.ndarray, towards: np.ndarray = -_Z
    ) -> np.ndarray:
        """How far the part's farthest vertex lies from the joint's keypoint along `towards`,
        once the part is turned by `rotation` (3, 3) or (T, 3, 3) about the joint."""
        offsets = self.rest_vertices[part] - self.rest[joint]
        return (offsets @ _T(rotation) @ towards).max(-1)

    def world(self, bone: str) -> np.ndarray:
        """Global rotations (T, 3, 3) of a bone: its chain's local rotations from the root."""
        chain = [bone]
        while chain[-1] != "root":
            chain.append(_PARENT[chain[-1]])
        out = np.broadcast_to(np.eye(3), (self.frames, 3, 3))
        for name in reversed(chain):
            if name in self.local:
                out = out @ self.local[name]
        return out

    def turn(self, bone: str, rotation: np.ndarray) -> None:
        """Adds a rotation (3, 3) or (T, 3, 3) to a bone, after its current one."""
        self.local[bone] = self.local.get(bone, np.eye(3)) @ rotation

    def bend(self, bones: tuple[str, ...], axis: np.ndarray, angle: np.ndarray | float) -> None:
        """Spreads a rotation about `axis` evenly over `bones`."""
        for bone in bones:
            self.turn(bone, _rot(axis, np.asarray(angle) / len(bones)))

    def orient(self, bone: str, rotation: np.ndarray) -> None:
        """Turns a bone to a global rotation (3, 3) or (T, 3, 3)."""
        self.local[bone] = _T(self.world(_PARENT[bone])) @ rotation

    def pose(self) -> PosedBody:
        """Poses the body; limbs sent to targets by `reach` since the last pose get a second
        try, aimed past each target by the first try's miss, and past the plane their end
        should touch by how far the end went through it (or stopped short of it)."""
        body = self._posed()
        if self.aims:
            for limb, target, pole, keypoints, end, contact in self.aims:
                missed = body.keypoints[:, limb.joints[2]] - target
                if contact is not None:  # across the plane, the part's miss replaces the joint's
                    part, normal, plane = contact
                    missed -= np.outer(missed @ normal, normal)
                    missed -= np.outer(plane - (body.vertices[:, part] @ normal).min(1), normal)
                aim = target - missed
                self._reach(limb, aim, pole, keypoints, end)
            self.aims.clear()
            body = self._posed()
        return body

    def probe(self) -> np.ndarray:
        """Keypoints (K, 3) of the first frame alone: a cheap look at the pose."""
        return self._posed(1).keypoints[0].astype(np.float64)

    def _posed(self, frames: int | None = None) -> PosedBody:
        count = self.frames if frames is None else frames
        rotations = {
            bone: _rotvecs(np.broadcast_to(m, (self.frames, 3, 3))[:count])
            for bone, m in self.local.items()
        }
        root = rotations.pop("root", None)
        body = self.model.pose(self.phenotype, rotations, frames=count, root_rotation=root)
        return _shifted(body, self.shift[:count])

    def reach(
        self,
        limb: _Limb,
        target: np.ndarray,
        pole: np.ndarray,
        keypoints: np.ndarray,
        end: np.ndarray | None = None,
        contact: _Contact | None = None,
    ) -> None:
        """Bends a limb so that its end keypoint reaches `target` (T, 3) with its middle joint
        towards `pole` (T, 3), from the limb's root at its place in `keypoints` (T, K, 3); then
        turns the end bone to the global rotation `end`, twisting the forearm or shin along.
        A `contact` names the plane the end part should touch (see `pose`)."""
        self.aims.append((limb, target, pole, keypoints, end, contact))
        self._reach(limb, target, pole, keypoints, end)

    def _reach(
        self,
        limb: _Limb,
        target: np.ndarray,
        pole: np.ndarray,
        keypoints: np.ndarray,
        end: np.ndarray | None,
    ) -> None:
        a, b, c = limb.joints
        upper, lower = self.rest[b] - self.rest[a], self.rest[c] - self.rest[b]
        lengths = np.linalg.norm(upper), np.linalg.norm(lower)
        upper, lower = _unit(upper), _unit(lower)
        hinge = _unit(np.cross(upper, lower)) if limb.hinge is None else np.array(limb.hinge)
        hinge = _unit(hinge - (hinge @ upper) * upper)
        root = keypoints[:, a]
        span = target - root
        distance = np.clip(
            np.linalg.norm(span, axis=-1, keepdims=True),
            abs(lengths[0] - lengths[1]) + 1e-3,
            0.999 * sum(lengths),
        )
        along = _unit(span)
        side = _unit(pole - (pole * along).sum(-1, keepdims=True) * along)
        offset = (lengths[0] ** 2 - lengths[1] ** 2 + distance**2) / (2 * distance)
        middle = root + offset * along + np.sqrt(lengths[0] ** 2 - offset**2) * side
        bone_a, bone_b = _unit(middle - root), _unit(root + distance * along - middle)
        axis = _unit(np.cross(side, along))
        parent = self.world(_PARENT[limb.upper])
        self.local[limb.upper] = _T(parent) @ _basis(bone_a, axis) @ _basis(upper, hinge).T
        # The lower bone swings from its rest direction to its target: about the hinge, and a
        # little about another axis where the rest limb bends out of the hinge's plane.
        local_b = (_T(self.world(limb.upper)) @ bone_b[..., None])[..., 0]
        self.local[limb.lower] = _swing(lower, local_b)
        self.local.pop(limb.twist, None)
        if end is None:
            self.local.pop(limb.end, None)
            return
        wrist = _T(self.world(limb.lower)) @ end
        q = _quaternions(wrist)
        # Half the end's twist about the forearm (shin) goes to each of its two bones, so the
        # skin winds along it instead of at the wrist (ankle).
        half = _rot(lower, np.arctan2(q[..., 1:] @ lower, q[..., 0]))
        self.local[limb.lower] = self.local[limb.lower] @ half
        self.local[limb.twist] = half
        self.local[limb.end] = _T(half @ half) @ wrist


def _shifted(body: PosedBody, shift: np.ndarray) -> PosedBody:
    """The body moved by (3,) or per frame (T, 3)."""
    offset = np.asarray(shift, np.float32).reshape(-1, 1, 3)
    return PosedBody(body.vertices + offset, body.keypoints + offset)


def _hand(side: int, fingers: np.ndarray, palm: np.ndarray) -> np.ndarray:
    """Global rotation turning a rest hand to point its fingers and face its palm as given."""
    mirror = np.array([_SIGN[side], 1.0, 1.0])
    return _basis(fingers, palm) @ _basis(_REST_FINGERS * mirror, _REST_PALM * mirror).T


def _grip(rig: _Rig) -> None:
    """Curls the fingers (and a little the thumb) of both hands as if round a bar."""
    for i in _SIDES:
        mirror = np.array([_SIGN[i], 1.0, 1.0])
        towards_palm = _unit(np.cross(_REST_FINGERS * mirror, _REST_PALM * mirror))
        for finger in range(1, 6):
            for joint, degrees in zip((1, 2, 3), (45, 55, 40), strict=True):
                share = 0.4 if finger == 1 else 1.0
                rig.local[f"finger{finger}-{joint}.{'LR'[i]}"] = _rot(
                    towards_palm, np.radians(degrees) * share
                )


def _mid(keypoints: np.ndarray, pair: tuple[int, int]) -> np.ndarray:
    return keypoints[:, list(pair)].mean(1)


def _lowest(body: PosedBody, part: np.ndarray) -> np.ndarray:
    """Per-frame lowest z (T,) of the part's vertices."""
    return body.vertices[:, part, 2].min(1).astype(np.float64)


def _on_floor(body: PosedBody, rig: _Rig, height: np.ndarray | float = 0.0) -> PosedBody:
    """The body moved up or down so that its lowest foot vertex is at `height`."""
    lowest = _lowest(body, rig.feet[0] | rig.feet[1])
    return _shifted(body, _points(len(lowest), 0, 0, height - lowest))


# --- Exercises ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Setup:
    rig: _Rig
    clock: _Clock
    faults: Mapping[str, float]
    rng: np.random.Generator
    held_out: bool

    def fault(self, name: str) -> float:
        return self.faults.get(name, 0.0)

    def vary(self, low: float, high: float) -> float:
        """A performer's value for a range of motion; held-out performers reach a quarter of
        the range beyond it on either side."""
        if self.held_out:
            low, high = low - (high - low) / 4, high + (high - low) / 4
        return float(self.rng.uniform(low, high))

    def uneven(self, axis: np.ndarray, depth: np.ndarray) -> np.ndarray:
        """A small turn (T, 3, 3) about a body axis growing with depth, for the root: nobody
        moves quite symmetrically."""
        return _rot(axis, np.radians(self.rng.normal(0.0, 2.0)) * depth)

    def sway(self, bones: tuple[str, ...], degrees: float) -> None:
        """Adds a slow random wobble (a few sines up to 1.5 Hz) to bones."""
        time = self.clock.time
        for bone in bones:
            wobble = np.zeros((len(time), 3))
            for _ in range(3):
                frequency = self.rng.uniform(0.15, 1.5)
                amplitude = self.rng.normal(0, np.radians(degrees) / 2, 3)
                start = self.rng.uniform(0, 2 * np.pi)
                wobble += amplitude * np.sin(2 * np.pi * frequency * time + start)[:, None]
            self.rig.turn(bone, _turn(wobble))


@dataclass(frozen=True)
class _Scene:
    body: PosedBody
    equipment: tuple[Solid, ...] = ()
    held: tuple[tuple[Solid, ...], ...] | None = None


_SPINE = ("spine05", "spine04", "spine03", "spine02", "spine01")
_LOW_SPINE = ("spine05", "spine04", "spine03")
_NECK = ("neck01", "neck02", "neck03")


def _squats(s: _Setup) -> _Scene:
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
    rig.local["root"] = _rot(_X, 0.75 * lean) @ s.uneven(_Y, depth)
    rig.bend(_SPINE[:4], _X, 0.25 * lean)
    rig.bend(_NECK, _X, -0.6 * lean)  # keeps the eyes ahead
    s.sway(("spine03", "neck02"), 1.0)
    raise_ = np.radians(rng.uniform(10, 20)) + np.radians(s.vary(70, 90)) * _ease(depth * 1.3)
    for side in _SIDES:
        rig.turn(f"clavicle.{'LR'[side]}", _rot(_Y, -_SIGN[side] * 0.1 * raise_))
    first = rig.pose().keypoints

    leg = (
        np.mean([rig.length(_HIPS[i], _KNEES[i]) for i in _SIDES]),
        np.mean([rig.length(_KNEES[i], _ANKLES[i]) for i in _SIDES]),
    )
    stance = rig.half_width(_HIPS) * rng.uniform(1.3, 1.8)
    toe_out = np.radians(rng.uniform(5, 20, 2))
    feet = [_rot(_Z, _SIGN[i] * toe_out[i]) for i in _SIDES]
    ankle_z = [rig.clearance(rig.feet[i], _ANKLES[i], feet[i]) for i in _SIDES]
    hip_y = leg[0] * np.sin(thigh) - leg[1] * np.sin(shin)
    hip_z = leg[0] * np.cos(thigh) + leg[1] * np.cos(shin)
    lateral = stance - rig.half_width(_HIPS)
    hip_z = _soft_min(hip_z, np.sqrt((0.99 * sum(leg)) ** 2 - lateral**2 - hip_y**2))
    rig.shift = _points(frames, 0, hip_y, np.mean(ankle_z) + hip_z) - _mid(first, _HIPS)
    placed = first + rig.shift[:, None]
    caving = np.radians(14) * s.fault("knees_caving") * depth
    for i in _SIDES:
        ankle = _points(frames, _SIGN[i] * stance, rng.normal(0, 0.02), ankle_z[i])
        pole = _points(frames, -_SIGN[i] * np.sin(caving) + _SIGN[i] * 0.15, -np.cos(caving), 0)
        rig.reach(_LEGS[i], ankle, pole, placed, feet[i])

    for i in _SIDES:
        arm = 0.97 * rig.reach_of(_ARMS[i])
        out = _SIGN[i] * rng.uniform(0.1, 0.25)
        direction = _unit(_points(frames, out, -np.sin(raise_), -np.cos(raise_)))
        pole = _points(frames, _SIGN[i] * 0.3, np.cos(raise_), -np.sin(raise_))
        rig.reach(_ARMS[i], placed[:, _SHOULDERS[i]] + arm * direction, pole, placed)
    return _Scene(_on_floor(rig.pose(), rig))


def _standing_arms(s: _Setup, placed: np.ndarray, spread: np.ndarray) -> None:
    """Arms hanging or raised sideways by `spread` (T, 2) radians from hanging, elbows back."""
    rig, frames = s.rig, s.clock.frames
    for i in _SIDES:
        arm = 0.97 * rig.reach_of(_ARMS[i])
        forward = -s.rng.uniform(0.05, 0.15)
        up = spread[:, i]
        direction = _unit(_points(frames, _SIGN[i] * np.sin(up), forward, -np.cos(up)))
        rig.reach(
            _ARMS[i], placed[:, _SHOULDERS[i]] + arm * direction, _points(frames, 0, 1, 0), placed
        )


def _jumping_jacks(s: _Setup) -> _Scene:
    """Hops from feet together, arms down, to feet apart, arms overhead, and back. The faults
    stop the hands below the head or the feet short of apart."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    raw = s.clock.depth
    depth = raw * s.clock.extent
    hop = s.vary(0.04, 0.09) * 4 * raw * (1 - raw)  # airborne between the two stances
    closed = rig.half_width(_HIPS) * rng.uniform(0.8, 1.1)
    wide = rig.reach_of(_LEGS[0]) * s.vary(0.4, 0.52)
    wide = closed + (wide - closed) * (1 - 0.8 * s.fault("feet_not_apart"))
    stance = closed + (wide - closed) * depth
    overhead = np.radians(s.vary(158, 175))
    top = overhead - (overhead - np.radians(75)) * s.fault("arms_not_overhead")
    low = np.radians(rng.uniform(4, 12))
    spread = low + (top - low) * depth[:, None] * rng.normal(1.0, 0.03, 2)  # per arm
    for i in _SIDES:  # the shoulders rise with the arms
        rig.turn(f"clavicle.{'LR'[i]}", _rot(_Y, -_SIGN[i] * 0.12 * spread[:, i]))
    s.sway(("spine03", "neck02"), 1.0)
    first = rig.pose().keypoints

    point = np.radians(rng.uniform(15, 30)) * 4 * raw * (1 - raw)  # toes down in the air
    feet = [_rot(_X, point) @ _rot(_Z, _SIGN[i] * np.radians(rng.uniform(0, 12))) for i in _SIDES]
    ankle_z = [rig.clearance(rig.feet[i], _ANKLES[i], feet[i]) for i in _SIDES]
    reach = 0.985 * rig.reach_of(_LEGS[0])
    lateral = stance - rig.half_width(_HIPS)
    hip_z = np.mean(ankle_z, 0) + np.sqrt(reach**2 - lateral**2)
    rig.shift = _points(frames, 0, 0, hip_z) - _mid(first, _HIPS)
    placed = first + rig.shift[:, None]
    for i in _SIDES:
        ankle = _points(frames, _SIGN[i] * stance, 0, ankle_z[i])
        rig.reach(_LEGS[i], ankle, _points(frames, 0, -1, 0), placed, feet[i])
    _standing_arms(s, placed, spread)
    body = rig.pose()
    return _Scene(_on_floor(body, rig, hop))


def _lunges(s: _Setup) -> _Scene:
    """Forward lunges on alternating legs: step out, sink until the back knee nears the
    floor, rise and step back. Short steps shorten the step; knee past toe tilts the front
    shin until the knee passes the toes."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    raw = s.clock.depth
    step = _ease(raw / 0.45)
    sink = _ease((raw - 0.3) / 0.7) * s.clock.extent
    front = (rng.integers(2) + s.clock.rep) % 2  # alternating legs, per frame
    thigh_length = np.mean([rig.length(_HIPS[i], _KNEES[i]) for i in _SIDES])
    shin_length = np.mean([rig.length(_KNEES[i], _ANKLES[i]) for i in _SIDES])
    length = rig.reach_of(_LEGS[0]) * s.vary(0.95, 1.12) * (1 - 0.5 * s.fault("short_step"))
    shin = np.radians(rng.uniform(0, 8) + 34 * s.fault("knee_past_toe"))
    thigh = np.radians(s.vary(78, 92))
    heel = np.radians(rng.uniform(50, 70)) * step
    rig.local["root"] = _rot(_X, np.radians(rng.uniform(0, 6)) * sink) @ s.uneven(_Y, sink)
    s.sway(("spine03", "neck02"), 1.0)
    first = rig.pose().keypoints

    width = rig.half_width(_HIPS) * rng.uniform(1.0, 1.25)
    flat = [_rot(_Z, _SIGN[i] * np.radians(rng.uniform(0, 12))) for i in _SIDES]
    ankles, feet = [], []
    for i in _SIDES:
        leading = front == i
        flat_z = rig.clearance(rig.feet[i], _ANKLES[i], flat[i])
        # The back foot rolls onto its toes: it turns about the big toe, heel up.
        raised = _rot(_X, heel)
        toe = rig.rest[_BIG_TOES[i]] - rig.rest[_ANKLES[i]]
        rolled = toe - raised @ toe
        forward = np.where(leading, length * step, 0.0)
        lift = np.where(leading, 0.06 * np.sin(np.pi * step), 0.0)
        ankles.append(
            _points(frames, _SIGN[i] * width, -forward, flat_z + lift)
            + np.where(leading[:, None], 0.0, rolled)
        )
        feet.append(np.where(leading[:, None, None], flat[i], raised @ flat[i]))
    ankle_z = rig.clearance(rig.feet[0], _ANKLES[0], flat[0])
    # At the bottom: front ankle `length` ahead, knee ahead of it by the shin's tilt, hip
    # behind the knee by the thigh's.
    hip_y = -length - shin_length * np.sin(shin) + thigh_length * np.sin(thigh)
    hip_z = ankle_z + shin_length * np.cos(shin) + thigh_length * np.cos(thigh)
    standing = ankle_z + 0.99 * rig.reach_of(_LEGS[0])
    hips = _points(frames, 0, hip_y * step, standing + (hip_z - standing) * sink)
    offsets = first - _mid(first, _HIPS)[:, None]
    for i in _SIDES:  # never further than a leg can reach
        span = ankles[i] - (hips + offsets[:, _HIPS[i]])
        most = np.sqrt(
            np.maximum((0.985 * rig.reach_of(_LEGS[i])) ** 2 - span[:, 0] ** 2 - span[:, 1] ** 2, 0)
        )
        hips[:, 2] = _soft_min(hips[:, 2], ankles[i][:, 2] + most)
    rig.shift = hips - _mid(first, _HIPS)
    placed = first + rig.shift[:, None]
    for i in _SIDES:
        rig.reach(_LEGS[i], ankles[i], _points(frames, 0, -1, 0), placed, feet[i])
    _standing_arms(s, placed, np.radians(rng.uniform(6, 14, 2)) + np.zeros((frames, 1)))
    body = rig.pose()
    return _Scene(_on_floor(body, rig))


def _chest(rig: _Rig) -> float:
    """How far the chest's front lies ahead of the shoulder keypoints, in the rest pose."""
    shoulders = rig.rest_mid(_SHOULDERS)
    torso = rig.rest_vertices[rig.model.regions == Region.TORSO]
    below = shoulders[2] - torso[:, 2]
    near = (np.abs(torso[:, 0]) < 0.12) & (below > 0.05) & (below < 0.25)
    return float((shoulders[1] - torso[near, 1]).max())


def _plank(rig: _Rig, base: np.ndarray, bend: float, together: float) -> None:
    """Holds the body straight, turned from the rest pose by `base` (T, 3, 3), but for `bend`
    radians (> 0: the hips pushed to the front, bent at the lower back; < 0: piked at the
    hips), with the legs brought `together` radians towards each other. Unbent, the shoulder,
    hip and ankle keypoints line up."""

    def hold(angle: float) -> None:
        rig.local["root"] = base @ _rot(_X, abs(angle) / 2)
        for bone in _LOW_SPINE:
            rig.local[bone] = _rot(_X, -max(angle, 0.0) / len(_LOW_SPINE))
        for i in _SIDES:
            adduct = _rot(_Y, _SIGN[i] * together)
            rig.local[f"upperleg01.{'LR'[i]}"] = adduct @ _rot(_X, min(angle, 0.0))

    # Anny's hip keypoints lie a little in front of its shoulder-ankle line: a slight pike
    # brings them onto it, so that a clean plank is straight by its keypoints.
    hold(0.0)
    keypoints = rig.probe()
    shoulders, hips, ankles = (
        keypoints[list(pair)].mean(0) for pair in (_SHOULDERS, _HIPS, _ANKLES)
    )
    along = _unit(ankles - shoulders)
    front = base[0] @ -_Y
    front = _unit(front - (front @ along) * along)
    upper, lower = np.linalg.norm(hips - shoulders), np.linalg.norm(ankles - hips)
    hold(bend - (hips - shoulders) @ front * (upper + lower) / (upper * lower))


def _together(rig: _Rig, degrees: float) -> None:
    """Brings the legs from the rest pose's straddle towards each other."""
    for i in _SIDES:
        rig.turn(f"upperleg01.{'LR'[i]}", _rot(_Y, _SIGN[i] * np.radians(degrees)))


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


def _pitched(rig: _Rig, body: PosedBody, turn: np.ndarray) -> PosedBody:
    """Turns the root (and a body posed from it) about x by `turn` (T,) radians."""
    rotation = _rot(_X, turn)
    rig.local["root"] = rotation @ rig.local["root"]
    return PosedBody(
        body.vertices @ _T(rotation).astype(np.float32),
        body.keypoints @ _T(rotation).astype(np.float32),
    )


def _trunk_and_head(rig: _Rig) -> np.ndarray:
    return np.isin(rig.model.regions, (Region.TORSO, Region.FACE, Region.HAIR, Region.HIPS))


def _push_ups(s: _Setup) -> _Scene:
    """Push-ups from a plank on hands and toes, the chest lowered to just off the floor.
    Sagging hips drop them below the shoulder-ankle line, piked hips raise them above it and
    partial range stops the chest higher."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    depth = s.clock.depth * s.clock.extent
    shoulder_half = rig.half_width(_SHOULDERS)
    grip = shoulder_half + rng.uniform(0.04, 0.12)
    hands = [
        _hand(i, _rot(_Z, _SIGN[i] * np.radians(rng.uniform(-5, 20))) @ -_Y, -_Z) for i in _SIDES
    ]
    wrist_z = [rig.clearance(rig.hands[i], _WRISTS[i], hands[i]) for i in _SIDES]
    arm = min(rig.reach_of(limb) for limb in _ARMS)
    top = np.mean(wrist_z) + np.sqrt((0.96 * arm) ** 2 - (grip - shoulder_half) ** 2)
    line = np.linalg.norm(rig.rest_mid(_SHOULDERS) - rig.rest_mid(_ANKLES))
    guess = top + (_chest(rig) - top) * depth  # shoulder height, refined below
    incline = np.arcsin((guess - 0.1) / line)  # shoulder-ankle line, ankles ~0.1 m up
    bend = np.radians(20) * s.fault("sagging_hips") - np.radians(22) * s.fault("piked_hips")
    rig.bend(_NECK, _X, -np.radians(rng.uniform(5, 25)))
    for i in _SIDES:  # toes tucked under
        rig.turn(f"foot.{'LR'[i]}", _rot(_X, -np.radians(rng.uniform(0, 15))))
    base = _rot(_X, np.pi / 2 - incline) @ s.uneven(_Z, depth)
    _plank(rig, base, bend, np.radians(rng.uniform(2, 6)))
    s.sway(("spine02", "neck02"), 0.6)
    first = rig.pose()

    # The body turns about its planted toes until the shoulders are at their height for the
    # frame: arms' reach at the top, the chest just off the floor at the bottom.
    feet = rig.feet[0] | rig.feet[1]
    clearance = s.vary(0.05, 0.1)
    for _ in range(2):  # the second turn corrects for the first changing what it measures
        toes = _mid(first.keypoints, _BIG_TOES)
        shoulders = _mid(first.keypoints, _SHOULDERS)
        low = shoulders[:, 2] - _lowest(first, _trunk_and_head(rig)) + clearance
        low += (top - low) * 0.6 * s.fault("partial_range")
        toe_height = toes[:, 2] - _lowest(first, feet)
        height = top + (low - top) * depth
        first = _pitched(rig, first, _pitch(shoulders - toes, 2, height - toe_height))
    toes = _mid(first.keypoints, _BIG_TOES)
    rig.shift = _points(frames, 0, -toes[:, 1], -_lowest(first, feet))
    placed = first.keypoints + rig.shift[:, None]
    shoulders = placed[0, list(_SHOULDERS)]
    ahead = rng.uniform(-0.03, 0.05)
    for i in _SIDES:
        out = np.sign(shoulders[i, 0])
        hand = _points(
            frames,
            shoulders[i, 0] + out * (grip - shoulder_half),
            shoulders[:, 1].mean() - ahead,
            wrist_z[i],
        )
        pole = _points(frames, out * rng.uniform(0.3, 0.8), 1, 0)
        rig.reach(_ARMS[i], hand, pole, placed, hands[i], (rig.hands[i], _Z, 0.0))
    return _Scene(rig.pose())


def _wall_push_ups(s: _Setup) -> _Scene:
    """Push-ups leaning on a wall in front, hands flat on it, feet on the floor. Partial
    range stops further from the wall; sagging hips push them towards it."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    depth = s.clock.depth * s.clock.extent
    shoulder_half = rig.half_width(_SHOULDERS)
    grip = shoulder_half + rng.uniform(0.05, 0.15)
    hands = [
        _hand(i, _rot(_Y, _SIGN[i] * np.radians(rng.uniform(0, 25))) @ _Z, -_Y) for i in _SIDES
    ]
    palm = np.mean([rig.clearance(rig.hands[i], _WRISTS[i], hands[i], -_Y) for i in _SIDES])
    flat = [_rot(_Z, _SIGN[i] * np.radians(rng.uniform(0, 12))) for i in _SIDES]
    arm = min(rig.reach_of(limb) for limb in _ARMS)
    below = rng.uniform(0.0, 0.1)  # hands below the shoulders at the top
    reach = np.sqrt((0.96 * arm) ** 2 - (grip - shoulder_half) ** 2 - below**2)
    lean = np.radians(s.vary(10, 18)) + np.radians(20) * depth  # refined below
    sag = np.radians(14) * s.fault("sagging_hips")  # hips pushed towards the wall
    _plank(rig, _rot(_X, lean) @ s.uneven(_Z, depth), sag, np.radians(rng.uniform(0, 4)))
    for i in _SIDES:
        rig.orient(f"foot.{'LR'[i]}", flat[i])
    s.sway(("spine02", "neck02"), 0.6)
    first = rig.pose()

    # The body leans about its ankles until the shoulders are as far from the wall as the
    # frame wants: arms' reach at the top, the face or chest just off the wall at the bottom.
    # The wall's y from the ankles, which stay put (the top frame is the first pass's).
    wall = (_mid(first.keypoints, _SHOULDERS) - _mid(first.keypoints, _ANKLES))[0, 1]
    wall -= reach + palm
    clearance = s.vary(0.05, 0.1)
    for _ in range(2):  # the second turn corrects for the first changing what it measures
        ankles = _mid(first.keypoints, _ANKLES)
        shoulders = _mid(first.keypoints, _SHOULDERS)
        front = shoulders[:, 1] - first.vertices[:, _trunk_and_head(rig), 1].min(1)
        near = front + clearance
        near += (reach + palm - near) * 0.6 * s.fault("partial_range")
        away = reach + palm + (near - reach - palm) * depth
        first = _pitched(rig, first, _pitch(shoulders - ankles, 1, wall + away))
    ankles = _mid(first.keypoints, _ANKLES)
    rig.shift = _points(frames, 0, -ankles[:, 1], -_lowest(first, rig.feet[0] | rig.feet[1]))
    placed = first.keypoints + rig.shift[:, None]
    shoulders = placed[0, list(_SHOULDERS)]
    for i in _SIDES:
        out = np.sign(shoulders[i, 0])
        hand = _points(
            frames,
            shoulders[i, 0] + out * (grip - shoulder_half),
            wall + palm,
            shoulders[i, 2] - below,
        )
        rig.reach(
            _ARMS[i],
            hand,
            _points(frames, out * 0.5, 0, -1),
            placed,
            hands[i],
            (rig.hands[i], _Y, wall),
        )
    body = _on_floor(rig.pose(), rig)
    return _Scene(body, (Box((0.0, wall - 0.05, 1.3), (3.0, 0.1, 2.6), _WALL),))


_WALL = (0.82, 0.8, 0.76)
_STEEL = (0.7, 0.7, 0.72)
_IRON = (0.15, 0.15, 0.17)
_PADDING = (0.12, 0.12, 0.14)


def _handstand_push_ups(s: _Setup) -> _Scene:
    """Upside down on the hands, heels against a wall behind, lowering the head to just off
    the floor. Partial range stops the head higher; an arched back bows the body."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    depth = s.clock.depth * s.clock.extent
    shoulder_half = rig.half_width(_SHOULDERS)
    grip = shoulder_half + rng.uniform(0.06, 0.15)
    # Upside down with the face towards -y: the body's left is at -x, the wall behind at +y.
    hands = [
        _hand(i, _rot(_Z, -_SIGN[i] * np.radians(rng.uniform(0, 20))) @ -_Y, -_Z) for i in _SIDES
    ]
    wrist_z = [rig.clearance(rig.hands[i], _WRISTS[i], hands[i]) for i in _SIDES]
    arm = min(rig.reach_of(limb) for limb in _ARMS)
    # The shoulders drift away from the wall as the head goes down in front of the hands;
    # the tilt keeps the heels at the same place on the wall.
    forward = rng.uniform(0.0, 0.04) - rng.uniform(0.03, 0.08) * depth
    line = np.linalg.norm(rig.rest_mid(_SHOULDERS) - rig.rest[[21, 22]].mean(0))
    heels = forward[0] + line * np.sin(np.radians(s.vary(6, 14)))
    tilt = np.arcsin((heels - forward) / line)
    rig.bend(_NECK, _X, -np.radians(rng.uniform(10, 30)))  # eyes on the floor
    for i in _SIDES:  # toes pointed
        rig.turn(f"foot.{'LR'[i]}", _rot(_X, np.radians(rng.uniform(15, 40))))
    arch = np.radians(40) * s.fault("arched_back")
    base = _rot(_X, -tilt) @ _rot(_Y, np.pi) @ s.uneven(_Z, depth)
    _plank(rig, base, arch, np.radians(rng.uniform(3, 6)))
    s.sway(("spine02", "neck02"), 0.6)
    first = rig.pose()

    shoulders = _mid(first.keypoints, _SHOULDERS)
    head = (rig.model.regions == Region.FACE) | (rig.model.regions == Region.HAIR)
    drop = shoulders[:, 2] - _lowest(first, head)
    top = np.mean(wrist_z) + np.sqrt((0.96 * arm) ** 2 - (grip - shoulder_half) ** 2)
    bottom = drop + s.vary(0.02, 0.05)
    bottom += (top - bottom) * 0.6 * s.fault("partial_range")
    rig.shift = _points(frames, 0, forward, top + (bottom - top) * depth) - shoulders
    placed = first.keypoints + rig.shift[:, None]
    for i in _SIDES:
        out = np.sign(placed[0, _SHOULDERS[i], 0])
        hand = _points(
            frames, placed[0, _SHOULDERS[i], 0] + out * (grip - shoulder_half), 0, wrist_z[i]
        )
        pole = _points(frames, out * rng.uniform(0.3, 0.8), 1, 0)
        rig.reach(_ARMS[i], hand, pole, placed, hands[i], (rig.hands[i], _Z, 0.0))
    body = rig.pose()
    body = _shifted(body, _points(frames, 0, 0, -_lowest(body, rig.hands[0] | rig.hands[1])))
    legs = np.isin(rig.model.regions, (Region.UPPER_LEG, Region.LOWER_LEG, Region.FOOT))
    wall = float(body.vertices[:, legs, 1].max())
    return _Scene(body, (Box((0.0, wall + 0.05, 1.4), (3.0, 0.1, 2.8), _WALL),))


# Where a gripped bar's axis lies from the wrist keypoint: along the fingers, and out of the palm.
_GRIP = (0.06, 0.03)
_BAR_RADIUS = 0.016


def _pull_ups(s: _Setup) -> _Scene:
    """Overhand pull-ups from a dead hang to the chin over the bar. Partial range stops the
    chin below the bar; kipping swings the body and drives the knees up."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    depth = s.clock.depth * s.clock.extent
    bar = rng.uniform(2.25, 2.4)
    shoulder_half = rig.half_width(_SHOULDERS)
    grip = shoulder_half + rng.uniform(0.1, 0.22)
    hands = [_hand(i, _Z, -_Y) for i in _SIDES]  # overhand: palms forward, fingers over the bar
    _grip(rig)
    wrist = np.array([0.0, _GRIP[1], bar - _GRIP[0]])
    arm = min(rig.reach_of(limb) for limb in _ARMS)
    hang = wrist[2] - np.sqrt((0.97 * arm) ** 2 - (grip - shoulder_half) ** 2)
    chin = rig.rest[_NOSE, 2] - rig.rest_mid(_SHOULDERS)[2]
    top = bar + rng.uniform(0.03, 0.09) - chin
    top -= (top - hang) * 0.65 * s.fault("partial_range")
    behind = wrist[1] + rng.uniform(0.0, 0.04)
    behind_top = rng.uniform(0.08, 0.14)
    kip = s.fault("kipping")
    # Back, forward and back again over the rep, starting and ending at rest.
    swing = np.sin(2 * np.pi * s.clock.phase) * np.sin(np.pi * s.clock.phase) ** 2
    drive = np.sin(np.pi * s.clock.phase) ** 2
    lean_back = -np.radians(rng.uniform(5, 15)) * depth
    rig.local["root"] = _rot(_X, lean_back + np.radians(24) * kip * swing) @ s.uneven(_Z, depth)
    for i in _SIDES:  # shoulders shrugged in the hang
        rig.turn(f"clavicle.{'LR'[i]}", _rot(_Y, -_SIGN[i] * np.radians(15) * (1 - depth)))
    hips = np.radians(rng.uniform(5, 25)) + np.radians(50) * kip * drive
    knees = np.radians(rng.uniform(15, 90))
    _together(rig, rng.uniform(2, 5))
    for i in _SIDES:
        rig.turn(f"upperleg01.{'LR'[i]}", _rot(_X, -hips))
        rig.turn(f"lowerleg01.{'LR'[i]}", _rot(_X, knees))
        rig.turn(f"foot.{'LR'[i]}", _rot(_X, np.radians(rng.uniform(10, 35))))
    s.sway(("spine02", "neck02"), 0.6)
    first = rig.pose().keypoints

    shoulders = _points(
        frames,
        0,
        behind + (behind_top - behind) * depth + 0.1 * kip * swing,
        hang + (top - hang) * depth,
    )
    rig.shift = shoulders - _mid(first, _SHOULDERS)
    placed = first + rig.shift[:, None]
    for i in _SIDES:
        out = np.sign(placed[0, _SHOULDERS[i], 0])
        hand = _points(
            frames, placed[0, _SHOULDERS[i], 0] + out * (grip - shoulder_half), wrist[1], wrist[2]
        )
        rig.reach(_ARMS[i], hand, _points(frames, out, -0.2, -0.3), placed, hands[i])
    body = rig.pose()
    # A bar high enough to hang from with the feet clear of the floor.
    lift = max(0.0, 0.1 - float(body.vertices[..., 2].min()))
    body = _shifted(body, np.array([0.0, 0.0, lift]))
    bar += lift
    half = grip + 0.25
    return _Scene(
        body,
        (
            Cylinder((-half, 0.0, bar), (half, 0.0, bar), _BAR_RADIUS, _STEEL),
            *(Cylinder((x, 0.0, 0.0), (x, 0.0, bar + 0.05), 0.035, _IRON) for x in (-half, half)),
        ),
    )


def _bench_press(s: _Setup) -> _Scene:
    """Lying on a flat bench, feet on the floor, lowering a barbell from straight arms to the
    chest. Partial range stops the bar above the chest; uneven arms leave one hand low near
    the top."""
    rig, rng, frames = s.rig, s.rng, s.clock.frames
    depth = s.clock.depth * s.clock.extent
    height = rng.uniform(0.4, 0.45)
    rig.local["root"] = _rot(_X, -np.pi / 2)  # on the back, head towards +y
    _grip(rig)
    s.sway(("spine03", "neck02"), 0.5)
    first = rig.pose()

    # The back (head to buttocks) lies on the bench top; the bench starts behind the hips.
    hips = _mid(first.keypoints, _HIPS)
    arms = np.isin(rig.model.regions, (Region.UPPER_ARM, Region.LOWER_ARM, Region.HAND))
    back = (
        ~arms
        & (np.abs(first.vertices[..., 0]) < 0.15)
        & (first.vertices[..., 1] > hips[:, 1:2] - 0.15)
    )
    lowest = np.where(back, first.vertices[..., 2], np.inf).min(1)
    flat = [_rot(_Z, _SIGN[i] * np.radians(rng.uniform(0, 20))) for i in _SIDES]
    ankle_z = np.mean([rig.clearance(rig.feet[i], _ANKLES[i], flat[i]) for i in _SIDES])
    leg = min(rig.reach_of(limb) for limb in _LEGS)
    # A short performer gets a lower bench, so that the feet still reach the floor.
    drop = min(float(np.mean(hips[:, 2] - lowest)) + height, ankle_z + 0.8 * leg) - ankle_z
    height = ankle_z + drop - float(np.mean(hips[:, 2] - lowest))
    rig.shift = _points(frames, 0, -hips[:, 1], height - lowest)
    placed = _shifted(first, rig.shift)
    keypoints = placed.keypoints

    shoulders = _mid(keypoints, _SHOULDERS)[0]
    shoulder_half = rig.half_width(_SHOULDERS)
    grip = shoulder_half + rng.uniform(0.15, 0.25)
    wrist_back = np.radians(rng.uniform(25, 45))  # the bar sits in the palm, wrists bent back
    fingers = np.array([0.0, np.sin(wrist_back), np.cos(wrist_back)])
    palm = np.array([0.0, -np.cos(wrist_back), np.sin(wrist_back)])
    holding = _GRIP[0] * fingers + _GRIP[1] * palm  # bar axis from the wrist keypoint
    arm = min(rig.reach_of(limb) for limb in _ARMS)
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
    for i in _SIDES:
        lag = (0.12 * s.fault("uneven_arms") * (i == lagging) + rng.normal(0, 0.002)) * (1 - depth)
        hand = _points(frames, _SIGN[i] * grip, path[:, 0], path[:, 1] - lag) - holding
        rig.reach(
            _ARMS[i],
            hand,
            _points(frames, _SIGN[i], -0.3, -0.5),
            keypoints,
            _hand(i, fingers, palm),
        )

    # Feet planted apart, in front of the hips, and within the legs' reach.
    out, ahead = rng.uniform(0.28, 0.4) - rig.half_width(_HIPS), rng.uniform(0.25, 0.4)
    fit = min(1.0, np.sqrt((0.92 * leg) ** 2 - drop**2) / np.hypot(out, ahead))
    for i in _SIDES:
        ankle = _points(
            frames,
            _SIGN[i] * (rig.half_width(_HIPS) + fit * out),
            -fit * ahead,
            rig.clearance(rig.feet[i], _ANKLES[i], flat[i]),
        )
        rig.reach(
            _LEGS[i],
            ankle,
            _points(frames, _SIGN[i] * 0.4, 0, 1),
            keypoints,
            flat[i],
            (rig.feet[i], _Z, 0.0),
        )
    body = rig.pose()

    grips = body.keypoints[:, list(_WRISTS)].astype(np.float64) + holding
    centre, along = grips.mean(1), _unit(grips[:, 0] - grips[:, 1])
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
    return _Scene(body, (bench,), held)


_MOTIONS: dict[str, Callable[[_Setup], _Scene]] = {
    "BenchPress": _bench_press,
    "BodyWeightSquats": _squats,
    "HandstandPushups": _handstand_push_ups,
    "JumpingJack": _jumping_jacks,
    "Lunges": _lunges,
    "PullUps": _pull_ups,
    "PushUps": _push_ups,
    "WallPushups": _wall_push_ups,
}


def _centred(scene: _Scene) -> _Scene:
    """The scene moved so that the body's mean keypoint lies over the origin."""
    centre = scene.body.keypoints.reshape(-1, 3).mean(0)
    offset = np.array([-centre[0], -centre[1], 0.0])
    return _Scene(
        _shifted(scene.body, offset),
        tuple(_moved(solid, offset) for solid in scene.equipment),
        None
        if scene.held is None
        else tuple(tuple(_moved(solid, offset) for solid in frame) for frame in scene.held),
    )


def _moved(solid: Solid, offset: np.ndarray) -> Solid:
    if isinstance(solid, Box):
        return dataclasses.replace(solid, center=as_point(np.add(solid.center, offset)))
    return dataclasses.replace(
        solid, start=as_point(np.add(solid.start, offset)), end=as_point(np.add(solid.end, offset))
    )
