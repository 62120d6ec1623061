"""Repetitions found in the pose sequence itself, by a learned phase segmenter, with no angle
threshold tuned per exercise.

Glossary of shapes:
    - frame number: F (as posed)
    - keypoint number: K (17)
    - phase number: P (3: rest, out, back)

Every exercise starts and ends its reps in one position (standing, the top of a push-up,
hanging from the bar) and moves out of it and back once per rep. The rep segmenter
(`scoring_service.rep_model`) labels every instant of the sequence, interpolated to 10 fps
between the posed frames (a live session poses its frames unevenly) and normalised as a whole
(`action_service.sequences.features`: where the person stands and how big they appear drop
out), with its phase: at rest, on the way out, or on the way back. It learned
from the pose model's own keypoints over the gym's labelled performances of the eight
exercises filmed from every side (`fitness train reps`), so it knows the pose model's noise and
every view, not an exercise's angles. Decoding: the phase probabilities are averaged over
`SMOOTHING_FRAMES`, each instant takes its likeliest phase, a run shorter than
`MIN_RUN_FRAMES` joins the run before it, and a rep is a run out followed by a run back: it
starts where the run out starts, turns where the run back starts and ends where that ends. Its
range of motion is how far the joints moved from the start to the turn, in torso lengths, on
the steadied, normalised track (`filled`).

A performance still going on (a live session) has no end yet: its last rep counts only once the
run back has ended (the pose came to rest or set out on the next rep) at least
`SETTLE_SECONDS` before the newest frame.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from action_service.sequences import (
    FEATURES,
    SEQUENCE_FPS,
    features,
    interpolated,
    nearest_frames,
)
from scoring_service.normalise import normalise
from scoring_service.rep_model import BACK, OUT, RepSegmenter, rep_segmenter
from scoring_service.steady import steady

SMOOTHING_FRAMES = 3
MIN_RUN_FRAMES = 3
SETTLE_SECONDS = 0.15
ARCHITECTURE = "rep_segmenter"


@dataclass(frozen=True)
class Rep:
    """One repetition: indices into the sequence of its `start`, `turn` (where it heads back
    to the start position) and `end`, its duration and its range of motion in torso lengths."""

    start: int
    turn: int
    end: int
    seconds: float
    range_of_motion: float


class RepCounter:
    """Finds the reps of a pose sequence with a trained `RepSegmenter`."""

    def __init__(self, model: RepSegmenter) -> None:
        self.model = model.eval()

    @classmethod
    def load(cls, path: Path) -> Self:
        """The counter of a `save_rep_segmenter` file."""
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
        if metadata.get("architecture") != ARCHITECTURE:
            raise ValueError(f"{path} holds no rep segmenter weights")
        model = rep_segmenter(int(metadata["in_features"]), int(metadata["width"]))
        model.load_state_dict(load_file(str(path)), strict=True)
        return cls(model)

    def phases(
        self, keypoints: np.ndarray, timestamps: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Phase probabilities (F', P) of poses (F, K, 3) at `timestamps` (F,) seconds,
        interpolated to 10 fps, and the index (F',) of the posed frame nearest each instant."""
        timestamps = np.asarray(timestamps, np.float64)
        frames = nearest_frames(timestamps, SEQUENCE_FPS)
        poses = interpolated(keypoints, timestamps, SEQUENCE_FPS)
        inputs = torch.from_numpy(features(poses))[None]
        with torch.inference_mode():
            logits = self.model(inputs)[-1][0]
        return logits.softmax(dim=0).T.numpy(), frames

    def find(
        self, keypoints: np.ndarray, timestamps: np.ndarray, *, ongoing: bool = False
    ) -> list[Rep]:
        """The reps of one person's poses (F, K, 3: x, y, confidence in pixels) at
        `timestamps` (F,) seconds, in order; `ongoing` for a performance still going on."""
        if len(keypoints) < 3:
            return []
        timestamps = np.asarray(timestamps, np.float64)
        probabilities, frames = self.phases(keypoints, timestamps)
        points = filled(keypoints, timestamps)
        reps = []
        for start, turn, end in phase_runs(probabilities, ongoing=ongoing):
            first, middle, last = frames[start], frames[turn], frames[end]
            if ongoing and timestamps[last] > timestamps[-1] - SETTLE_SECONDS:
                break
            reach = np.linalg.norm(points[middle] - points[first], axis=1).mean()
            seconds = timestamps[last] - timestamps[first]
            reps.append(Rep(int(first), int(middle), int(last), float(seconds), float(reach)))
        return reps


def phase_runs(probabilities: np.ndarray, *, ongoing: bool = False) -> list[tuple[int, int, int]]:
    """(start, turn, end) instants of each rep in phase probabilities (F', P); `ongoing`
    drops a last run back that lasts to the newest instant (it may not have ended)."""
    width = SMOOTHING_FRAMES
    padded = np.pad(probabilities, ((width // 2, width - 1 - width // 2), (0, 0)), mode="edge")
    kernel = np.ones(width) / width
    smooth = np.stack(
        [np.convolve(padded[:, p], kernel, "valid") for p in range(padded.shape[1])], 1
    )
    labels = smooth.argmax(axis=1)
    changes = np.flatnonzero(np.diff(labels)) + 1
    runs: list[list[int]] = []  # [phase, first instant, last instant]
    for first, last in zip(np.r_[0, changes], np.r_[changes - 1, len(labels) - 1], strict=True):
        phase = int(labels[first])
        if runs and (last - first + 1 < MIN_RUN_FRAMES or runs[-1][0] == phase):
            runs[-1][2] = int(last)  # a run too short joins the one before it
        else:
            runs.append([phase, int(first), int(last)])
    reps = [
        (out[1], back[1], back[2])
        for out, back in itertools.pairwise(runs)
        if out[0] == OUT and back[0] == BACK
    ]
    if ongoing and reps and reps[-1][2] == len(smooth) - 1:
        reps.pop()
    return reps


def save_rep_segmenter(model: RepSegmenter, *, width: int, path: Path) -> None:
    """Writes the segmenter's weights with what `RepCounter.load` rebuilds it from."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    metadata = {"architecture": ARCHITECTURE, "in_features": str(FEATURES), "width": str(width)}
    save_file(state, str(path), metadata=metadata)


def filled(keypoints: np.ndarray, timestamps: np.ndarray) -> np.ndarray:
    """Normalised points (F, K, 2) of the steadied track, each joint's unseen frames filled in
    from its seen ones over time (0 for a joint never seen)."""
    poses = normalise(steady(keypoints, timestamps))
    points = np.where(poses.clean[..., None], poses.points, np.nan).astype(np.float64)
    for joint in range(points.shape[1]):
        seen = ~np.isnan(points[:, joint, 0])
        if seen.sum() == 0:
            points[:, joint] = 0.0
            continue
        for axis in range(2):
            points[:, joint, axis] = np.interp(
                timestamps, timestamps[seen], points[seen, joint, axis]
            )
    return points
