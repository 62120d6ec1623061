"""Held-out measures of the person detector (`fitness eval detector`).

On every `every`-th frame of the listed gym videos, the detector's people are matched to the
labelled ones (the performer and the others in view) at IoU 0.5, best first. Reported:
recall of performers and of others, false people per frame, and the other-people check as
the service runs it: the performer's labelled keypoints stand for the pose, `others` names
who else is in view, and a video is flagged when others are found on at least `share` of its
checked frames. Videos count as having another person when one is labelled in view on that
share of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from common.video import VideoReader
from pose_service.detector import PersonDetector, intersection, others
from pose_service.train_detector import Box, people_in

IOU_MATCH = 0.5


@dataclass
class DetectorMetrics:
    """What `evaluate_detector` measures."""

    videos: int
    frames: int
    performer_recall: float
    other_recall: float
    false_people_per_frame: float
    videos_with_others: int
    flagged_with_others: float  # share of videos with others in view that are flagged
    flagged_without_others: float  # share of the other videos that are flagged


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    inter = intersection(a, b)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def matched(found: list[Box], labelled: list[Box]) -> list[bool]:
    """Which labelled boxes a found one matches (greedy, found boxes best first)."""
    hit = [False] * len(labelled)
    for box in found:
        overlaps = [0.0 if hit[i] else iou(box, truth) for i, truth in enumerate(labelled)]
        if overlaps and max(overlaps) >= IOU_MATCH:
            hit[int(np.argmax(overlaps))] = True
    return hit


def evaluate_detector(
    detector: PersonDetector,
    videos: list[Path],
    *,
    every: int = 10,
    share: float = 0.3,
    progress: Callable[[int], None] | None = None,
) -> DetectorMetrics:
    """Measures the detector on every `every`-th frame of `videos` (gym labels beside them)."""
    performers = [0, 0]
    other_people = [0, 0]
    false_people = 0
    frames = 0
    flagged = {True: [], False: []}
    for video in videos:
        labels = json.loads(video.with_suffix(".json").read_text())["frames"]
        images, truth = [], []
        with VideoReader(video) as reader:
            for frame in reader:
                if frame.index % every == 0:
                    images.append(frame.image)
                    truth.append(labels[frame.index])
        found_others, labelled_others = [], []
        for people, label in zip(detector.detect(images), truth, strict=True):
            labelled = people_in(label)
            boxes = [person.box for person in people]
            hit = matched(boxes, labelled)
            performer_labelled = min(label["box"][2], label["box"][3]) > 0 and bool(labelled)
            performers[0] += performer_labelled and hit[0]
            performers[1] += performer_labelled
            rest = hit[1:] if performer_labelled else hit
            other_people[0] += sum(rest)
            other_people[1] += len(rest)
            false_people += len(boxes) - sum(hit)
            pose = np.array(label["keypoints"], np.float32)
            pose[:, 2] = pose[:, 2] > 0
            found_others.append(bool(others(people, pose)))
            labelled_others.append(bool(label["others"]))
        frames += len(images)
        in_view = np.mean(labelled_others) >= share
        flagged[bool(in_view)].append(np.mean(found_others) >= share)
        if progress:
            progress(1)
    return DetectorMetrics(
        videos=len(videos),
        frames=frames,
        performer_recall=performers[0] / max(performers[1], 1),
        other_recall=other_people[0] / max(other_people[1], 1),
        false_people_per_frame=false_people / max(frames, 1),
        videos_with_others=len(flagged[True]),
        flagged_with_others=float(np.mean(flagged[True])) if flagged[True] else 0.0,
        flagged_without_others=float(np.mean(flagged[False])) if flagged[False] else 0.0,
    )


def metrics_json(metrics: DetectorMetrics) -> str:
    """The metrics as indented JSON."""
    return json.dumps(asdict(metrics), indent=2)
