"""Measuring the exercise recognisers side by side: the 3D CNN, the keypoint classifier and
their fusion (`fitness eval recognition`, `fitness train fusion`).

Each video of a set is recognised once by both models, exactly as the services do (the 3D CNN
on the frames, the keypoint classifier on the pose model's keypoints at 10 fps), and the two
answers are kept as a record; records are saved as JSON so that fitting the fusion and
printing tables never runs the models again. A set is a UCF101-format folder with a split
list (a video's class is its folder: an exercise, or any other movement, which counts as
"none"), or a plain folder of videos that all show none of the exercises.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from action_service.classes import EXERCISES, KEYPOINT_CLASSES, NONE
from action_service.dataset import read_classes, read_frames, read_split
from action_service.inference import ActionPredictor, KeypointPredictor
from action_service.sequences import KeypointSequence
from action_service.skeleton_dataset import class_of, sequence_of
from gateway.fusion import RECOGNIZERS, UNCERTAIN, Fusion, distributions, judge
from pose_service.backends import PoseBackend
from pose_service.tracking import FindPeople
from scoring_service.keypoint_dataset import estimate_video, read_keypoint_dataset

VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".avi", ".mkv")
SAMPLE_FPS = 10.0


@dataclass(frozen=True)
class RecognitionRecord:
    """Both recognisers' answers on one video: probabilities over `EXERCISES` (3D CNN) and
    over `KEYPOINT_CLASSES` (keypoint classifier), and the video's true class."""

    video: str
    truth: str
    video_probabilities: list[float]
    keypoint_probabilities: list[float]


def listed_videos(root: Path, list_name: str | None) -> list[tuple[str, str]]:
    """(path under `root`, true class) of a set's videos: those of a split list, or with no
    list every video under `root`, all of class none."""
    if list_name is None:
        paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES)
        if not paths:
            raise ValueError(f"no video under {root}")
        return [(str(path.relative_to(root)), NONE) for path in paths]
    classes = read_classes(root)
    return [
        (entry.path, class_of(classes[entry.label]))
        for entry in read_split(root, list_name, classes)
    ]


PoseSource = Callable[[Path, str], KeypointSequence]


def poses_from_dataset(folder: Path) -> PoseSource:
    """Poses read from a keypoint dataset (`fitness index dataset --all-performances`)."""
    found = {video.video: video for video in read_keypoint_dataset(folder)}

    def source(root: Path, video: str) -> KeypointSequence:
        if video not in found:
            raise ValueError(f"{video} is not in the keypoint dataset {folder}")
        return sequence_of(found[video])

    return source


def poses_from_model(backend: PoseBackend, find_people: FindPeople | None = None) -> PoseSource:
    """Poses estimated by the pose model as the pose service finds them, at 10 fps (the person
    looked for among the people `find_people` detects where given)."""

    def source(root: Path, video: str) -> KeypointSequence:
        frames, keypoints, (_, _, fps) = asyncio.run(
            estimate_video(backend, root / video, SAMPLE_FPS, find_people)
        )
        return KeypointSequence(keypoints, frames / (fps if fps > 0 else 30.0))

    return source


def collect_records(
    root: Path,
    videos: list[tuple[str, str]],
    action: ActionPredictor,
    keypoint: KeypointPredictor,
    poses: PoseSource,
    progress: Callable[[int], None] | None = None,
) -> list[RecognitionRecord]:
    """Runs both recognisers over the videos."""
    if list(action.classes) != list(EXERCISES):
        raise ValueError(f"the 3D CNN's classes {action.classes} are not {list(EXERCISES)}")
    if list(keypoint.classes) != list(KEYPOINT_CLASSES):
        raise ValueError(
            f"the keypoint classifier's classes {keypoint.classes} are not {list(KEYPOINT_CLASSES)}"
        )
    records = []
    for video, truth in videos:
        records.append(
            RecognitionRecord(
                video,
                truth,
                [round(float(p), 6) for p in action.probabilities(read_frames(root / video))],
                [round(float(p), 6) for p in keypoint.probabilities(poses(root, video))],
            )
        )
        if progress:
            progress(1)
    return records


def save_records(records: list[RecognitionRecord], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(record) for record in records]) + "\n")
    return path


def load_records(path: Path) -> list[RecognitionRecord]:
    return [RecognitionRecord(**row) for row in json.loads(path.read_text())]


def arrays(records: list[RecognitionRecord]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The records' 3D CNN probabilities (N, 8), keypoint ones (N, 9) and true classes."""
    if not records:
        raise ValueError("no records")
    return (
        np.array([r.video_probabilities for r in records]),
        np.array([r.keypoint_probabilities for r in records]),
        [r.truth for r in records],
    )


@dataclass(frozen=True)
class RecognizerScore:
    """One recogniser on one set.

    Attributes:
        top1: Share of exercise videos whose top class is their exercise (None: no exercise
            video in the set).
        per_class: That share per exercise.
        refused: Share of "none" videos answered none or uncertain (None: no such video).
        recognized: Share of exercise videos answered with their exercise, confidently.
    """

    top1: float | None
    per_class: dict[str, float]
    refused: float | None
    recognized: float | None


def score(records: list[RecognitionRecord], fusion: Fusion) -> dict[str, RecognizerScore]:
    """Each recogniser's score on the records, with the fusion's calibration and thresholds."""
    video, keypoints, truth = arrays(records)
    answers = distributions(fusion, video, keypoints)
    scores = {}
    for name in RECOGNIZERS:
        decisions = [
            judge(fusion, {key: value[row] for key, value in answers.items()}, name)
            for row in range(len(truth))
        ]
        hits: dict[str, list[bool]] = {}
        confident, refused = [], []
        for decision, true in zip(decisions, truth, strict=True):
            if true == NONE:
                refused.append(decision.verdict in (NONE, UNCERTAIN))
            else:
                hits.setdefault(true, []).append(decision.label == true)
                confident.append(decision.label == true and decision.verdict != UNCERTAIN)
        every = [hit for values in hits.values() for hit in values]
        scores[name] = RecognizerScore(
            _share(every),
            {name: float(np.mean(values)) for name, values in sorted(hits.items())},
            _share(refused),
            _share(confident),
        )
    return scores


def _share(flags: list[bool]) -> float | None:
    return float(np.mean(flags)) if flags else None


def score_table(title: str, videos: int, scores: dict[str, RecognizerScore]) -> str:
    """A Markdown table: a row per measure, a column per recogniser."""
    header = (
        f"**{title}** ({videos} videos)\n\n| | 3D CNN | keypoints | fused |\n|---|---|---|---|\n"
    )
    order = ("video", "keypoints", "fused")
    rows = [
        ("top-1 (exercise videos)", lambda s: s.top1),
        ("recognised, confident", lambda s: s.recognized),
        ("none videos: none/uncertain", lambda s: s.refused),
    ]
    classes = sorted({name for s in scores.values() for name in s.per_class})
    lines = []
    for label, value in rows:
        cells = [_percent(value(scores[name])) for name in order]
        if any(cell != "-" for cell in cells):
            lines.append(f"| {label} | {' | '.join(cells)} |")
    for exercise in classes:
        cells = [_percent(scores[name].per_class.get(exercise)) for name in order]
        lines.append(f"| {exercise} | {' | '.join(cells)} |")
    return header + "\n".join(lines) + "\n"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"
