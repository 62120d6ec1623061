"""Rep counting on held-out gym videos (`fitness eval reps`): the reps a `RepCounter` finds in a
keypoint dataset against the gym's rep labels (the JSON beside each video).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from scoring_service.keypoint_dataset import VideoKeypoints
from scoring_service.reps import RepCounter

Counts = dict[str, list[tuple[int, int]]]  # exercise: (found, labelled) per video


def labelled_reps(video_path: Path) -> int:
    """The gym's rep count of a video, from the labels JSON beside it."""
    labels = video_path.with_suffix(".json")
    if not labels.is_file():
        raise FileNotFoundError(f"no labels beside {video_path}: not a gym video")
    return len(json.loads(labels.read_text())["reps"])


def count_reps(
    counter: RepCounter,
    videos: list[VideoKeypoints],
    root: Path,
    progress: Callable[[int], None] | None = None,
) -> Counts:
    """Found and labelled rep counts of every video, by exercise; `root` is the gym folder the
    dataset's video paths are relative to."""
    counts: Counts = {}
    for video in videos:
        found = len(counter.find(video.keypoints, video.timestamps))
        counts.setdefault(video.exercise, []).append((found, labelled_reps(root / video.video)))
        if progress:
            progress(1)
    return counts


def counts_table(counts: Counts) -> str:
    """A Markdown table: per exercise and overall, videos, share counted exactly and the mean
    absolute error in reps."""
    lines = ["| exercise | videos | exact | mean abs. error (reps) |", "|---|---|---|---|"]
    rows = [*sorted(counts.items()), ("all", [pair for pairs in counts.values() for pair in pairs])]
    for name, pairs in rows:
        found, labelled = np.array(pairs).T
        exact = float(np.mean(found == labelled))
        error = float(np.mean(np.abs(found - labelled)))
        lines.append(f"| {name} | {len(pairs)} | {100 * exact:.1f}% | {error:.2f} |")
    return "\n".join(lines) + "\n"
