"""What every exercise motion works with: `Setup`, what a motion is given (the rig, the rep
clock, the faults and random style), `Scene`, what it gives back (the posed body and its
equipment), the bone groups the motions bend, and helpers to place a body on its contacts.

A motion is a function from a `Setup` to a `Scene`; `synth.exercises` holds the registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from synth.body import PosedBody
from synth.geometry import Solid
from synth.kinematics import Rig, from_rotvecs, points, rot, shifted
from synth.tempo import Clock


@dataclass(frozen=True)
class Setup:
    """What a motion is given: the performer's rig, the rep clock, the faults to show with
    their severities, the random stream for the performer's style, and whether the performer
    is held out (beyond the training ranges)."""

    rig: Rig
    clock: Clock
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
        return rot(axis, np.radians(self.rng.normal(0.0, 2.0)) * depth)

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
            self.rig.turn(bone, from_rotvecs(wobble))


@dataclass(frozen=True)
class Scene:
    """What a motion gives back: the posed body, its static equipment and, per frame, the
    solids held in the hands (None where nothing is held)."""

    body: PosedBody
    equipment: tuple[Solid, ...] = ()
    held: tuple[tuple[Solid, ...], ...] | None = None


# Bone groups the motions bend.
SPINE = ("spine05", "spine04", "spine03", "spine02", "spine01")
LOW_SPINE = ("spine05", "spine04", "spine03")
NECK = ("neck01", "neck02", "neck03")


def mid(keypoints: np.ndarray, pair: tuple[int, int]) -> np.ndarray:
    """Per-frame midpoints (T, 3) of a (left, right) pair of keypoints."""
    return keypoints[:, list(pair)].mean(1)


def lowest_z(body: PosedBody, part: np.ndarray) -> np.ndarray:
    """Per-frame lowest z (T,) of the part's vertices."""
    return body.vertices[:, part, 2].min(1).astype(np.float64)


def on_floor(body: PosedBody, rig: Rig, height: np.ndarray | float = 0.0) -> PosedBody:
    """The body moved up or down so that its lowest foot vertex is at `height`."""
    lowest = lowest_z(body, rig.feet[0] | rig.feet[1])
    return shifted(body, points(len(lowest), 0, 0, height - lowest))
