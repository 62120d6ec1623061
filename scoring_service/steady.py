"""Steady keypoints: one person's pose track cleaned before reps are counted and scored.

Glossary of shapes:
    - frame number: F
    - keypoint number: K (17)

A pose model looks at every frame afresh, so its keypoints jitter by a few pixels, now and
then trade left for right (a knee seen side-on is easily either), and drop out for a frame or
two when a joint is hidden. `steady` repairs the track in three steps:

1. **Swaps**: for each left/right pair, a frame whose two points sit closer to the other side's
   place in the previous frame than to their own has the pair swapped back.
2. **Gaps**: a joint unseen (confidence under `MIN_CONFIDENCE`) for at most `MAX_GAP_SECONDS`
   between two sightings is bridged by linear interpolation, with the lower confidence of the
   two ends; longer gaps stay unseen.
3. **Jitter**: a One-Euro filter (Casiez, Roussel and Vogel, CHI 2012) per joint: a low-pass
   filter whose cutoff rises with the joint's speed, so a still joint is smoothed hard and a
   fast one follows with little lag. Speeds are measured in torso lengths a second, so the same
   settings suit a person near the camera and one far away.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from common.skeleton import FLIP_INDEX, KEYPOINT_INDEX

MIN_CONFIDENCE = 0.3
MAX_GAP_SECONDS = 0.25
SWAP_MARGIN = 0.8  # a swap must bring the pair this much closer to its last place

_HIPS = [KEYPOINT_INDEX["left_hip"], KEYPOINT_INDEX["right_hip"]]
_SHOULDERS = [KEYPOINT_INDEX["left_shoulder"], KEYPOINT_INDEX["right_shoulder"]]
# (left, right) pairs: every keypoint whose mirror image is another keypoint.
_PAIRS = [(i, j) for i, j in enumerate(FLIP_INDEX) if i < j]


@dataclass(frozen=True)
class OneEuro:
    """One-Euro filter settings: `min_cutoff` (Hz) for a still joint, `beta` how fast the cutoff
    rises with speed (Hz per torso length a second), `d_cutoff` (Hz) for the speed estimate."""

    min_cutoff: float = 1.0
    beta: float = 1.5
    d_cutoff: float = 1.0


def steady(
    keypoints: np.ndarray, timestamps: np.ndarray, settings: OneEuro = OneEuro()
) -> np.ndarray:
    """The track (F, K, 3: x, y, confidence) with swaps undone, short gaps bridged and jitter
    filtered; `timestamps` (F,) in seconds, increasing."""
    track = np.array(keypoints, np.float64, copy=True)
    if len(track) < 2:
        return track.astype(np.float32)
    track = repair_swaps(track)
    track = bridge_gaps(track, timestamps)
    return one_euro(track, timestamps, settings, torso_length(track)).astype(np.float32)


def torso_length(track: np.ndarray) -> float:
    """The median shoulder-midpoint to hip-midpoint distance (pixels) over frames where all four
    points are seen; 1 where none is."""
    seen = (track[:, _HIPS + _SHOULDERS, 2] >= MIN_CONFIDENCE).all(axis=1)
    if not seen.any():
        return 1.0
    hips = track[seen][:, _HIPS, :2].mean(axis=1)
    shoulders = track[seen][:, _SHOULDERS, :2].mean(axis=1)
    return float(max(np.median(np.linalg.norm(shoulders - hips, axis=1)), 1.0))


def repair_swaps(track: np.ndarray) -> np.ndarray:
    """Swaps back left/right pairs that trade places from one frame to the next (in place)."""
    last = track[0, :, :2].copy()
    known = track[0, :, 2] >= MIN_CONFIDENCE
    for frame in track[1:]:
        seen = frame[:, 2] >= MIN_CONFIDENCE
        for left, right in _PAIRS:
            if seen[left] and seen[right] and known[left] and known[right]:
                kept = _distance(frame[left], last[left]) + _distance(frame[right], last[right])
                crossed = _distance(frame[left], last[right]) + _distance(frame[right], last[left])
                if crossed < SWAP_MARGIN * kept:
                    frame[[left, right]] = frame[[right, left]]
        last[seen] = frame[seen, :2]
        known |= seen
    return track


def _distance(point: np.ndarray, place: np.ndarray) -> float:
    return float(np.hypot(point[0] - place[0], point[1] - place[1]))


def bridge_gaps(track: np.ndarray, timestamps: np.ndarray) -> np.ndarray:
    """Interpolates each joint across gaps of at most `MAX_GAP_SECONDS` (in place)."""
    for joint in range(track.shape[1]):
        seen = np.flatnonzero(track[:, joint, 2] >= MIN_CONFIDENCE)
        for before, after in itertools.pairwise(seen):
            if after - before < 2 or timestamps[after] - timestamps[before] > MAX_GAP_SECONDS:
                continue
            share = (timestamps[before + 1 : after] - timestamps[before]) / (
                timestamps[after] - timestamps[before]
            )
            ends = track[[before, after], joint]
            track[before + 1 : after, joint, :2] = ends[0, :2] + share[:, None] * (
                ends[1, :2] - ends[0, :2]
            )
            track[before + 1 : after, joint, 2] = ends[:, 2].min()
    return track


def one_euro(
    track: np.ndarray, timestamps: np.ndarray, settings: OneEuro, scale: float
) -> np.ndarray:
    """Filters the seen points of each joint (in place); an unseen point restarts its joint."""
    filtered = np.zeros((track.shape[1], 2))
    speed = np.zeros(track.shape[1])
    live = np.zeros(track.shape[1], bool)
    for index in range(len(track)):
        seen = track[index, :, 2] >= MIN_CONFIDENCE
        points = track[index, :, :2]
        start = seen & ~live
        filtered[start], speed[start] = points[start], 0.0
        going = seen & live
        if going.any() and index > 0:
            dt = max(float(timestamps[index] - timestamps[index - 1]), 1e-6)
            raw_speed = np.linalg.norm(points[going] - filtered[going], axis=1) / dt / scale
            speed[going] += _alpha(settings.d_cutoff, dt) * (raw_speed - speed[going])
            cutoff = settings.min_cutoff + settings.beta * speed[going]
            weight = _alpha(cutoff, dt)[:, None]
            filtered[going] += weight * (points[going] - filtered[going])
        track[index, seen, :2] = filtered[seen]
        live = seen
    return track


def _alpha(cutoff: float | np.ndarray, dt: float) -> float | np.ndarray:
    """The smoothing factor of a first-order low-pass filter at `cutoff` Hz for a step `dt`."""
    tau = 1.0 / (2 * np.pi * np.asarray(cutoff))
    return 1.0 / (1.0 + tau / dt)
