"""Exercise motions for the synthetic gym: the eight UCF101 exercise classes performed by Anny
bodies, with per-rep timing, named form faults of graded severity and the equipment they use.

A performance is built in three steps. A clock gives every frame its depth into the current
repetition (0 at the start position, 1 at the turning point). The exercise turns depth into a
trunk pose and placement plus targets for the hands and feet, which two-bone inverse kinematics
reaches from keypoints of a first posing pass. The posed vertices then settle the body onto its
contacts (floor, bench, bar, wall).

This module holds the public API and the registry of each exercise's faults, tempo and motion.
The rep clock lives in `synth.tempo`, the posing machinery (rotations and the inverse-kinematics
rig) in `synth.kinematics`, and the motions in `synth.motions_standing`,
`synth.motions_push_ups` and `synth.motions_bar`, built on `synth.motions_common`.

World frame: Anny's (metres, z up, the body faces -y at rest, its left is +x), floor at z = 0;
each performance is centred on the origin in x and y.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from synth.body import Phenotype, PosedBody, body_model
from synth.geometry import Box, Solid, as_point
from synth.kinematics import Rig, shifted
from synth.motions_bar import bench_press, pull_ups
from synth.motions_common import Scene, Setup
from synth.motions_other import standing, stretching, walking
from synth.motions_push_ups import handstand_push_ups, push_ups, wall_push_ups
from synth.motions_standing import jumping_jacks, lunges, squats
from synth.tempo import Rep, Tempo, draw_clock

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

# Movements that are none of the exercises, for teaching a recogniser to answer "none".
OTHER_MOVEMENTS: tuple[str, ...] = ("Standing", "Stretching", "Walking")
MOVEMENTS: tuple[str, ...] = EXERCISES + OTHER_MOVEMENTS

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

# Each exercise's range of rep timings, from which a performer draws their own.
_TEMPO = {
    "BenchPress": Tempo((1.8, 3.4), (0.45, 0.6), (0.0, 0.1), 0.25),
    "BodyWeightSquats": Tempo((1.6, 3.0), (0.45, 0.55), (0.0, 0.1), 0.2),
    "HandstandPushups": Tempo((1.8, 3.5), (0.5, 0.6), (0.0, 0.08), 0.3),
    "JumpingJack": Tempo((0.8, 1.3), (0.45, 0.55), (0.0, 0.04), 0.05),
    "Lunges": Tempo((2.0, 3.5), (0.45, 0.55), (0.0, 0.1), 0.25),
    "PullUps": Tempo((1.8, 3.4), (0.4, 0.5), (0.0, 0.12), 0.3),
    "PushUps": Tempo((1.2, 2.8), (0.45, 0.6), (0.0, 0.08), 0.2),
    "WallPushups": Tempo((1.4, 3.0), (0.45, 0.55), (0.0, 0.1), 0.2),
    "Standing": Tempo((1.5, 3.0), (0.3, 0.5), (0.1, 0.3), 0.2),
    "Stretching": Tempo((2.0, 3.5), (0.25, 0.35), (0.3, 0.5), 0.2),
    "Walking": Tempo((0.9, 1.3), (0.5, 0.5), (0.0, 0.0), 0.0),
}

# Each exercise's motion: the rig posed over the clock, with its equipment.
_MOTIONS: dict[str, Callable[[Setup], Scene]] = {
    "BenchPress": bench_press,
    "BodyWeightSquats": squats,
    "HandstandPushups": handstand_push_ups,
    "JumpingJack": jumping_jacks,
    "Lunges": lunges,
    "PullUps": pull_ups,
    "PushUps": push_ups,
    "WallPushups": wall_push_ups,
    "Standing": standing,
    "Stretching": stretching,
    "Walking": walking,
}


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
        exercise: One of `MOVEMENTS`: an exercise, or another movement (which has no
            faults).
        seed: Seeds every random choice: build, rep count, faults, timing and style.
        fps: Frames per second, at least 5.
        reps: Repetitions, 1 to `MAX_REPS`; None draws 1 to 8.
        faults: Fault name (from `FAULTS` of the exercise) to severity in [0, 1]; None draws them:
            half of the performances are clean, the others have one or two faults.
        phenotype: The performer's build; None samples one.
        held_out: Samples builds, tempos and ranges of motion beyond the training ranges.
    """
    if exercise not in MOVEMENTS:
        raise ValueError(f"unknown exercise {exercise!r}; valid: {', '.join(MOVEMENTS)}")
    if reps is not None and not 1 <= reps <= MAX_REPS:
        raise ValueError(f"reps must be from 1 to {MAX_REPS}, not {reps}")
    if fps < 5:
        raise ValueError(f"fps must be at least 5, not {fps}")
    # Independent streams, so that e.g. forcing a fault leaves the timing and style unchanged.
    who, flaws, count, timing, style = np.random.default_rng(seed).spawn(5)
    chosen = _draw_faults(exercise, flaws) if faults is None else _checked(exercise, faults)
    build = Phenotype.sample(who, held_out=held_out) if phenotype is None else phenotype
    clock = draw_clock(
        timing, _TEMPO[exercise], int(count.integers(1, 9)) if reps is None else reps, fps, held_out
    )
    rig = Rig(body_model(), build, clock.frames)
    scene = _centred(_MOTIONS[exercise](Setup(rig, clock, chosen, style, held_out)))
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
    valid = FAULTS.get(exercise, ())
    for index in rng.permutation(len(valid)):
        name = valid[index]
        if len(picked) < wanted and not {name, *picked} >= _EXCLUSIVE:
            picked.append(name)
    return {name: float(rng.uniform(0.3, 1.0)) for name in picked}


def _checked(exercise: str, faults: Mapping[str, float]) -> dict[str, float]:
    valid = FAULTS.get(exercise, ())
    unknown = sorted(set(faults) - set(valid))
    if unknown:
        raise ValueError(f"unknown {exercise} fault(s) {unknown}; valid: {', '.join(valid)}")
    for name, severity in faults.items():
        if not 0.0 <= severity <= 1.0:
            raise ValueError(f"severity of {name} must be in [0, 1], not {severity}")
    if all(faults.get(name, 0.0) > 0 for name in _EXCLUSIVE):
        raise ValueError(f"{' and '.join(sorted(_EXCLUSIVE))} exclude each other")
    return {name: float(severity) for name, severity in faults.items()}


def _centred(scene: Scene) -> Scene:
    """The scene moved so that the body's mean keypoint lies over the origin."""
    centre = scene.body.keypoints.reshape(-1, 3).mean(0)
    offset = np.array([-centre[0], -centre[1], 0.0])
    return Scene(
        shifted(scene.body, offset),
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
