"""Rep counting on held-out gym videos (`fitness eval reps`): the reps a `RepCounter` finds in a
keypoint dataset against the gym's rep labels (the JSON beside each video). The share counted
exactly comes with its interval over the performers drawn again (`scoring_service.bootstrap`):
a performer's videos share a body and a tempo, so they are right or wrong together.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scoring_service.bootstrap import INTERVAL, performer_interval
from scoring_service.keypoint_dataset import VideoKeypoints
from scoring_service.reps import RepCounter


@dataclass(frozen=True)
class VideoCount:
    """The reps found in one video and the gym's count, with who performed."""

    performer: str
    found: int
    labelled: int


Counts = dict[str, list[VideoCount]]  # by exercise


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
        labelled = labelled_reps(root / video.video)
        counts.setdefault(video.exercise, []).append(VideoCount(video.performer, found, labelled))
        if progress:
            progress(1)
    return counts


def counts_table(counts: Counts) -> str:
    """A Markdown table: per exercise and overall, videos, share counted exactly with its
    interval over performers, and the mean absolute error in reps."""
    lines = [
        f"| exercise | videos | exact | its {100 * INTERVAL:.0f}% interval over performers "
        "| mean abs. error (reps) |",
        "|---|---|---|---|---|",
    ]
    rows = [
        *sorted(counts.items()),
        ("all", [video for videos in counts.values() for video in videos]),
    ]
    for name, videos in rows:
        low, high = performer_interval(videos, lambda video: video.performer, _exact_share)
        error = float(np.mean([abs(video.found - video.labelled) for video in videos]))
        lines.append(
            f"| {name} | {len(videos)} | {100 * _exact_share(videos):.1f}% "
            f"| {100 * low:.1f}% to {100 * high:.1f}% | {error:.2f} |"
        )
    return "\n".join(lines) + "\n"


def _exact_share(videos: list[VideoCount]) -> float:
    return float(np.mean([video.found == video.labelled for video in videos]))
