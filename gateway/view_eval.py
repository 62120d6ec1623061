"""How well the capture check tells the view (`fitness eval view-check`): on a held-out
keypoint dataset, each video's view as `gateway.capture.body_view` reads it against the camera
azimuth in the gym's labels beside the video, and how often an exercise's view warning fires
for the view it asks for and for the other one.

Azimuths group as side (|sin| above 0.85, within 32 degrees of a quarter turn), front or back
(|sin| under 0.5, within 30 degrees of facing or turning away) and diagonal (between).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from common.fitness.v1 import common_pb2
from gateway.capture import body_view, wrong_view
from scoring_service.catalogue import ExerciseDefinition
from scoring_service.keypoint_dataset import VideoKeypoints

GROUPS = ("side", "diagonal", "front or back")
_SAYS = {
    common_pb2.VIEW_SIDE: "side",
    common_pb2.VIEW_FRONT_OR_BACK: "front or back",
    common_pb2.VIEW_UNSPECIFIED: "unclear",
}


@dataclass(frozen=True)
class ViewResult:
    """One video: its exercise, the azimuth group it was filmed from, what the check read,
    and whether the exercise's view warning fired."""

    video: str
    exercise: str
    azimuth_degrees: float
    filmed: str
    read: str
    warned: bool


def azimuth_group(azimuth_degrees: float) -> str:
    """side, diagonal or front or back, by how far the camera stands round the person."""
    across = abs(math.sin(math.radians(azimuth_degrees)))
    return "side" if across > 0.85 else "front or back" if across < 0.5 else "diagonal"


def measure_views(
    videos: Sequence[VideoKeypoints], labels: Path, catalogue: dict[str, ExerciseDefinition]
) -> list[ViewResult]:
    """Reads each video's view; `labels` is the gym folder whose `<video>.json` files hold
    the camera. Videos without a label file are skipped."""
    results = []
    for video in videos:
        label = (labels / video.video).with_suffix(".json")
        if not label.is_file() or not len(video.keypoints):
            continue
        azimuth = float(json.loads(label.read_text())["camera"]["azimuth_degrees"])
        read = body_view(video.keypoints)
        preferred = catalogue[video.exercise].preferred_view
        warned = wrong_view(read, preferred)
        results.append(
            ViewResult(
                video.video, video.exercise, azimuth, azimuth_group(azimuth), _SAYS[read], warned
            )
        )
    return results


def views_table(results: Sequence[ViewResult], catalogue: dict[str, ExerciseDefinition]) -> str:
    """Markdown: what the check read per filmed group; then, per preferred view, how often
    the warning fired per filmed group."""
    lines = [
        "| filmed from | videos | read side | read front or back | unclear |",
        "|---|---|---|---|---|",
    ]
    for group in GROUPS:
        chosen = [r for r in results if r.filmed == group]
        reads = ("side", "front or back", "unclear")
        shares = [_share([r.read == read for r in chosen]) for read in reads]
        lines.append(f"| {group} | {len(chosen)} | " + " | ".join(shares) + " |")
    lines += [
        "",
        "| exercise asks for | " + " | ".join(f"warned, filmed {g}" for g in GROUPS) + " |",
    ]
    lines.append("|---|---|---|---|")
    for view in (common_pb2.VIEW_SIDE, common_pb2.VIEW_FRONT_OR_BACK):
        asking = {e.id for e in catalogue.values() if e.preferred_view == view}
        cells = []
        for group in GROUPS:
            chosen = [r.warned for r in results if r.exercise in asking and r.filmed == group]
            cells.append(f"{_share(chosen)} of {len(chosen)}")
        lines.append(f"| {_SAYS[view]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _share(flags: Sequence[bool]) -> str:
    return f"{sum(flags) / len(flags):.0%}" if flags else "-"
