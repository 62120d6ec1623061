"""Form cues on held-out gym videos (`fitness eval cues`): does each fault's cue tell the reps
of performances with that fault from the reps of clean ones?

Every rep of every video is scored against its exercise's index with the exercise's cue rules,
as the scoring service measures them (against the references filmed from the video's view
where the index keeps them in 3D).
For each rule, the reps of videos whose fault of the rule's name has a severity of at least
`SEVERE` are the positives, the reps of clean videos of the same exercise the negatives; a
rule's strength (how far past its threshold a rep is) ranks them, and the ROC AUC, the share of
faulty reps the cue fires on and the share of clean reps it fires on are reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score

from scoring_service.index import ExerciseIndex
from scoring_service.keypoint_dataset import VideoKeypoints

SEVERE = 0.5


@dataclass(frozen=True)
class RepCues:
    """One rep's cue strengths by fault name, with its video's exercise and fault labels."""

    exercise: str
    faults: dict[str, float]
    strengths: dict[str, float]


@dataclass(frozen=True)
class CueResult:
    """How one exercise's cue for one fault separates faulty reps from clean ones."""

    exercise: str
    fault: str
    faulty_reps: int
    clean_reps: int
    auc: float
    fires_on_faulty: float
    fires_on_clean: float


def measure_videos(
    indexes: dict[str, ExerciseIndex],
    videos: list[VideoKeypoints],
    progress: Callable[[int], None] | None = None,
) -> list[RepCues]:
    """Every rep of `videos` measured by its exercise's cue rules (videos of an exercise
    without an index or reference reps are skipped)."""
    measured = []
    for video in videos:
        index = indexes.get(video.exercise)
        if index is not None and index.reps is not None:
            rules = index.exercise.cues
            views = index.views
            for rep in index.reps.score(video.keypoints, video.timestamps, rules, views=views):
                strengths = {cue.rule.fault: cue.strength for cue in rep.cues}
                measured.append(RepCues(video.exercise, video.faults, strengths))
        if progress:
            progress(1)
    return measured


def cue_results(reps: list[RepCues]) -> list[CueResult]:
    """One result per (exercise, fault) with faulty and clean reps, in order."""
    results = []
    for exercise in sorted({rep.exercise for rep in reps}):
        own = [rep for rep in reps if rep.exercise == exercise]
        clean = [rep for rep in own if not any(s > 0 for s in rep.faults.values())]
        for fault in sorted({fault for rep in own for fault in rep.strengths}):
            faulty = [rep for rep in own if rep.faults.get(fault, 0.0) >= SEVERE]
            if not faulty or not clean:
                continue
            positive = [rep.strengths[fault] for rep in faulty]
            negative = [rep.strengths[fault] for rep in clean]
            auc = roc_auc_score([1] * len(positive) + [0] * len(negative), positive + negative)
            results.append(
                CueResult(
                    exercise,
                    fault,
                    len(positive),
                    len(negative),
                    float(auc),
                    float(np.mean(np.array(positive) > 0)),
                    float(np.mean(np.array(negative) > 0)),
                )
            )
    return results


def cues_table(results: list[CueResult]) -> str:
    """A Markdown table, one row per (exercise, fault), and the mean AUC."""
    lines = [
        f"| exercise | fault | reps with the fault (severity >= {SEVERE}) | clean reps "
        "| ROC AUC | fires on faulty reps | fires on clean reps |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.exercise} | {r.fault} | {r.faulty_reps} | {r.clean_reps} | {r.auc:.3f} "
            f"| {100 * r.fires_on_faulty:.0f}% | {100 * r.fires_on_clean:.0f}% |"
        )
    if results:
        mean = np.mean([r.auc for r in results])
        at_least = sum(r.auc >= 0.9 for r in results)
        lines.append(
            f"| **all** | mean AUC | | | {mean:.3f} | {at_least}/{len(results)} at 0.9+ | |"
        )
    return "\n".join(lines)
