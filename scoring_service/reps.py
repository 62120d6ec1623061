"""Repetitions found in the pose sequence itself, with no angle threshold tuned per exercise.

Glossary of shapes:
    - frame number: F
    - keypoint number: K (17)

Every exercise starts and ends its reps in one position (standing, the top of a push-up,
hanging from the bar) and moves away from it and back once per rep. The track is steadied
(`scoring_service.steady`) and normalised per frame (`scoring_service.normalise`: hips at the
origin, torso length 1), so where the person stands, how big they appear and most of the
camera's view drop out. The start position is the median pose of the first and last
`REST_SECONDS` (a set starts and ends at rest). Each frame's distance from it, averaged over
the `MOVING_JOINTS` joints that move most in the video (the still ones add only jitter) and
lightly smoothed, rises and falls once a rep: a rep is a peak of that distance at least
`PROMINENCE` of its high end (95th percentile), and `MIN_PROMINENCE` torso lengths, above the
valleys on both sides, and at least `MIN_REP_SECONDS` from the previous one. Its start, turn
and end are read on the distance averaged over all the joints: it runs from the lowest point
before its peak to the lowest point after it, turns where it lies farthest from the start
position, and its range of motion is that distance, in torso lengths.

A performance still going on (a live session) has no end yet: its start position is read from
its first `REST_SECONDS` alone, and its last rep counts only once its end lies `SETTLE_SECONDS`
before the newest frame (the pose came back and stayed, or moved on to the next rep).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks

from scoring_service.normalise import normalise
from scoring_service.steady import steady

REST_SECONDS = 0.3
PROMINENCE = 0.35
MIN_PROMINENCE = 0.05  # torso lengths: less is the pose model's jitter, not a rep
MIN_REP_SECONDS = 0.4
SMOOTHING_SECONDS = 0.3
SETTLE_SECONDS = 0.15
MOVING_JOINTS = 8  # the joints that move most in the video; the others add only jitter


@dataclass(frozen=True)
class Rep:
    """One repetition: indices into the sequence of its `start`, `turn` (farthest from the
    start position) and `end`, its duration and its range of motion in torso lengths."""

    start: int
    turn: int
    end: int
    seconds: float
    range_of_motion: float


def find_reps(keypoints: np.ndarray, timestamps: np.ndarray, *, ongoing: bool = False) -> list[Rep]:
    """The reps of one person's poses (F, K, 3: x, y, confidence in pixels) at `timestamps`
    (F,) seconds, in order; `ongoing` for a performance still going on."""
    if len(keypoints) < 3:
        return []
    timestamps = np.asarray(timestamps, np.float64)
    return reps_in(filled(keypoints, timestamps), timestamps, ongoing=ongoing)


def reps_in(points: np.ndarray, timestamps: np.ndarray, *, ongoing: bool = False) -> list[Rep]:
    """The reps of a steadied, normalised track (F, K, 2) from `filled`, in order; `ongoing`
    for a performance still going on. Reps are counted on the joints that move most; each
    rep's start, turn, end and range are read on all the joints."""
    if len(points) < 3:
        return []
    per_joint = away_from_rest(points, timestamps, ongoing=ongoing)
    reach = np.percentile(per_joint, 90, axis=0) - np.percentile(per_joint, 10, axis=0)
    moving_joints = np.argsort(reach)[-MOVING_JOINTS:]
    moving = smoothed(per_joint[:, moving_joints].mean(axis=1), timestamps)
    distance = smoothed(per_joint.mean(axis=1), timestamps)
    rate = (len(timestamps) - 1) / max(timestamps[-1] - timestamps[0], 1e-6)
    high = float(np.percentile(moving, 95))
    peaks, _ = find_peaks(
        moving,
        prominence=max(PROMINENCE * high, MIN_PROMINENCE),
        distance=max(1, round(MIN_REP_SECONDS * rate)),
    )
    reps = []
    for index, peak in enumerate(peaks):
        before = peaks[index - 1] if index else 0
        after = peaks[index + 1] if index + 1 < len(peaks) else len(distance) - 1
        start = before + int(np.argmin(distance[before : peak + 1]))
        end = peak + int(np.argmin(distance[peak : after + 1]))
        turn = start + int(np.argmax(distance[start : end + 1]))
        reps.append(
            Rep(
                int(start),
                int(turn),
                int(end),
                float(timestamps[end] - timestamps[start]),
                float(distance[turn]),
            )
        )
    if ongoing and reps and timestamps[reps[-1].end] > timestamps[-1] - SETTLE_SECONDS:
        reps.pop()
    return reps


def away_from_rest(
    points: np.ndarray, timestamps: np.ndarray, *, ongoing: bool = False
) -> np.ndarray:
    """How far (F, K) each joint of each frame's normalised pose (F, K, 2, from `filled`) is
    from the start position, in torso lengths. The start position is read from the first and
    last `REST_SECONDS`, or from the first alone when the performance is `ongoing`."""
    windows = [points[timestamps <= timestamps[0] + REST_SECONDS]]
    if not ongoing:
        windows.append(points[timestamps >= timestamps[-1] - REST_SECONDS])
    rest = np.median(np.concatenate(windows), axis=0)
    return np.linalg.norm(points - rest, axis=2)


def smoothed(series: np.ndarray, timestamps: np.ndarray) -> np.ndarray:
    """A series (F,) averaged over a moving window of `SMOOTHING_SECONDS`."""
    rate = (len(timestamps) - 1) / max(timestamps[-1] - timestamps[0], 1e-6)
    width = max(1, round(SMOOTHING_SECONDS * rate))
    padded = np.pad(series, (width // 2, width - 1 - width // 2), mode="edge")
    return np.convolve(padded, np.ones(width) / width, mode="valid")


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
