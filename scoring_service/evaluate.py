"""The paper's scoring experiment on held-out performances (`fitness eval scoring`).

For each exercise and scorer, held-out performances are scored against the exercise's index
(the per-frame scorers, and "reps": the mean score of the performance's reps aligned with the
reference reps, `scoring_service.rep_scores`):

- valid: clean performances of the exercise;
- another exercise: clean performances of every other exercise, scored as if they were this one
  (the paper's invalid performances);
- faulty: performances of the exercise with the gym's form faults, by their worst fault's
  severity (mild under 0.55, moderate under 0.8, severe from 0.8; the gym draws 0.3 to 1).

Reported per exercise: the mean overall score of each group, and the ROC AUC of valid against
another exercise and of valid against faulty (the chance that a valid performance outscores an
invalid one; 0.5 is chance, 1 perfect).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import roc_auc_score

from scoring_service.index import ExerciseIndex
from scoring_service.keypoint_dataset import VideoKeypoints
from scoring_service.rep_scores import performance_rep_score
from scoring_service.scorers import score_performance

REP_SCORER = "reps"

SEVERITIES = (("mild", 0.0), ("moderate", 0.55), ("severe", 0.8))


def severity_band(faults: dict[str, float]) -> str:
    """The band of a performance's worst fault."""
    worst = max(faults.values(), default=0.0)
    return [name for name, low in SEVERITIES if worst >= low][-1]


@dataclass(frozen=True)
class ScoringRow:
    """One exercise under one scorer: mean overall scores and separations."""

    exercise: str
    scorer: str
    valid: float
    other_exercises: float
    faulty: dict[str, float]  # severity band -> mean score (bands with performances)
    auc_other: float
    auc_faulty: float
    counts: dict[str, int]


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def _auc(valid: list[float], invalid: list[float]) -> float:
    if not valid or not invalid:
        return float("nan")
    labels = [1] * len(valid) + [0] * len(invalid)
    return float(roc_auc_score(labels, valid + invalid))


def evaluate_scoring(
    indexes: dict[str, ExerciseIndex],
    videos: list[VideoKeypoints],
    progress: Callable[[int], None] | None = None,
) -> list[ScoringRow]:
    """Scores every held-out video against every exercise index with every scorer."""
    rows = []
    for exercise_id, index in sorted(indexes.items()):
        scorers: dict[str, Callable[[VideoKeypoints], float]] = {
            name: lambda video, scorer=scorer: score_performance(scorer, video.keypoints).overall
            for name, scorer in index.scorers.items()
        }
        if index.reps is not None:
            scorers[REP_SCORER] = lambda video, references=index.reps: performance_rep_score(
                references, video.keypoints, video.timestamps
            )
        for name, score_of in scorers.items():
            valid, other, faulty = [], [], {band: [] for band, _ in SEVERITIES}
            for video in videos:
                score = score_of(video)
                if video.exercise != exercise_id:
                    if video.clean:
                        other.append(score)
                elif video.clean:
                    valid.append(score)
                else:
                    faulty[severity_band(video.faults)].append(score)
                if progress:
                    progress(1)
            all_faulty = [score for scores in faulty.values() for score in scores]
            rows.append(
                ScoringRow(
                    exercise=exercise_id,
                    scorer=name,
                    valid=_mean(valid),
                    other_exercises=_mean(other),
                    faulty={band: _mean(s) for band, s in faulty.items() if s},
                    auc_other=_auc(valid, other),
                    auc_faulty=_auc(valid, all_faulty),
                    counts={
                        "valid": len(valid),
                        "other_exercises": len(other),
                        **{f"faulty_{band}": len(s) for band, s in faulty.items()},
                    },
                )
            )
    return rows


def summary(rows: list[ScoringRow]) -> dict[str, dict[str, float]]:
    """Per scorer: mean over exercises of each column."""
    by_scorer: dict[str, list[ScoringRow]] = {}
    for row in rows:
        by_scorer.setdefault(row.scorer, []).append(row)
    return {
        name: {
            "valid": _mean([r.valid for r in group]),
            "other_exercises": _mean([r.other_exercises for r in group]),
            "faulty": _mean([s for r in group for s in r.faulty.values()]),
            "auc_other": _mean([r.auc_other for r in group]),
            "auc_faulty": _mean([r.auc_faulty for r in group]),
        }
        for name, group in by_scorer.items()
    }


def markdown_table(rows: list[ScoringRow]) -> str:
    """The experiment as a Markdown table, one line per (exercise, scorer), then the means."""
    lines = [
        "| exercise | scorer | valid | other exercises | faulty mild | faulty moderate "
        "| faulty severe | AUC vs other | AUC vs faulty |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def cell(value: float | None) -> str:
        return "-" if value is None or np.isnan(value) else f"{value:.1f}"

    def auc(value: float) -> str:
        return "-" if np.isnan(value) else f"{value:.3f}"

    for row in rows:
        bands = [cell(row.faulty.get(band)) for band, _ in SEVERITIES]
        lines.append(
            f"| {row.exercise} | {row.scorer} | {cell(row.valid)} | {cell(row.other_exercises)} | "
            + " | ".join(bands)
            + f" | {auc(row.auc_other)} | {auc(row.auc_faulty)} |"
        )
    for name, means in summary(rows).items():
        lines.append(
            f"| **mean** | {name} | {cell(means['valid'])} | {cell(means['other_exercises'])} "
            f"| {cell(means['faulty'])} (all) | | | {auc(means['auc_other'])} "
            f"| {auc(means['auc_faulty'])} |"
        )
    return "\n".join(lines)


def rows_json(rows: list[ScoringRow]) -> str:
    """The rows and the per-scorer means as JSON (NaN as null)."""

    def clean(value):
        if isinstance(value, float) and np.isnan(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    return json.dumps(
        {
            "rows": [clean(asdict(row)) for row in rows],
            "summary": clean(summary(rows)),
        }
    )
