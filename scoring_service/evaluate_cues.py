"""Form cues on held-out gym videos (`fitness eval cues`): does each fault's cue tell the reps
of performances with that fault from the reps of clean ones?

Every rep of every video is scored against its exercise's index with the exercise's cue rules,
as the scoring service measures them (against the references filmed from the video's view
where the index keeps them in 3D).
For each rule, the reps of videos whose fault of the rule's name has a severity of at least
`SEVERE` are the positives, the reps of clean videos of the same exercise the negatives; a
rule's strength (how far past its threshold a rep is) ranks them, and the ROC AUC, the share of
faulty reps the cue fires on and the share of clean reps it fires on are reported. A cue not
judged on a rep (its joints not seen, `scoring_service.cues.SEEN_CONFIDENCE`) neither fires
nor ranks there: the AUC is over the reps where it is judged, reported with their share, and
beside it the AUC over every rep with the unjudged ones ranked below all others (a cue
withheld counts as a cue not given), and the AUC over the judged reps of the videos the capture
check accepts the view of (no cue can be judged from every side: the report warns about the
others and says where to film from).

A few performers make a set (the fault set: six an exercise), and one performer's reps move
an AUC a long way, so each judged AUC comes with its interval over the performers drawn again
(`scoring_service.bootstrap`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score

from scoring_service.bootstrap import INTERVAL, performer_interval
from scoring_service.index import ExerciseIndex
from scoring_service.keypoint_dataset import VideoKeypoints

SEVERE = 0.5


@dataclass(frozen=True)
class RepCues:
    """One rep's cue strengths by fault name, with its video's exercise, performer and fault
    labels, and whether the capture check accepts the view the video was filmed from."""

    exercise: str
    performer: str
    faults: dict[str, float]
    strengths: dict[str, float | None]  # None where the cue was not judged
    view_accepted: bool = True


@dataclass(frozen=True)
class CueResult:
    """How one exercise's cue for one fault separates faulty reps from clean ones: counts,
    AUC and firing shares over the reps where the cue was judged, the share of each that was,
    the AUC's `INTERVAL` over performers drawn again, the AUC over every rep (unjudged ones
    ranked last), and the AUC over the judged reps of videos whose view is accepted, with
    their faulty and clean counts (NaN where a side has no rep)."""

    exercise: str
    fault: str
    faulty_reps: int
    clean_reps: int
    judged_faulty: float
    judged_clean: float
    auc: float
    auc_interval: tuple[float, float]
    auc_all_reps: float
    fires_on_faulty: float
    fires_on_clean: float
    auc_view_accepted: float
    view_accepted_reps: tuple[int, int]


def measure_videos(
    indexes: dict[str, ExerciseIndex],
    videos: list[VideoKeypoints],
    progress: Callable[[int], None] | None = None,
    *,
    view_accepted: Callable[[VideoKeypoints], bool] = lambda video: True,
) -> list[RepCues]:
    """Every rep of `videos` measured by its exercise's cue rules (videos of an exercise
    without an index or reference reps are skipped); `view_accepted` says whether the capture
    check accepts a video's view."""
    measured = []
    for video in videos:
        index = indexes.get(video.exercise)
        if index is not None and index.reps is not None:
            rules = index.exercise.cues
            views = index.views
            accepted = view_accepted(video)
            for rep in index.reps.score(video.keypoints, video.timestamps, rules, views=views):
                strengths = {c.rule.fault: c.strength if c.judged else None for c in rep.cues}
                measured.append(
                    RepCues(video.exercise, video.performer, video.faults, strengths, accepted)
                )
        if progress:
            progress(1)
    return measured


def cue_results(reps: list[RepCues]) -> list[CueResult]:
    """One result per (exercise, fault) with judged faulty and clean reps, in order."""
    results = []
    for exercise in sorted({rep.exercise for rep in reps}):
        own = [rep for rep in reps if rep.exercise == exercise]
        clean = [rep for rep in own if not any(s > 0 for s in rep.faults.values())]
        for fault in sorted({fault for rep in own for fault in rep.strengths}):
            faulty = [rep for rep in own if rep.faults.get(fault, 0.0) >= SEVERE]
            if not faulty or not clean:
                continue
            positive = _judged(faulty, fault)
            negative = _judged(clean, fault)
            unjudged = min(positive + negative, default=0.0) - 1.0
            well_viewed = [
                _judged([rep for rep in side if rep.view_accepted], fault)
                for side in (faulty, clean)
            ]
            everyone = [
                [unjudged if rep.strengths[fault] is None else rep.strengths[fault] for rep in reps]
                for reps in (faulty, clean)
            ]
            results.append(
                CueResult(
                    exercise,
                    fault,
                    len(positive),
                    len(negative),
                    len(positive) / len(faulty),
                    len(negative) / len(clean),
                    _auc(positive, negative),
                    _auc_interval(faulty, clean, fault),
                    _auc(*everyone),
                    float(np.mean(np.array(positive) > 0)) if positive else 0.0,
                    float(np.mean(np.array(negative) > 0)) if negative else 0.0,
                    _auc(*well_viewed),
                    (len(well_viewed[0]), len(well_viewed[1])),
                )
            )
    return results


def _judged(reps: list[RepCues], fault: str) -> list[float]:
    return [strength for rep in reps if (strength := rep.strengths[fault]) is not None]


def _auc(positive: list[float], negative: list[float]) -> float:
    """ROC AUC of scores of positives against negatives; NaN where either is empty."""
    if not positive or not negative:
        return float("nan")
    labels = [1] * len(positive) + [0] * len(negative)
    return float(roc_auc_score(labels, positive + negative))


def _auc_interval(faulty: list[RepCues], clean: list[RepCues], fault: str) -> tuple[float, float]:
    """The interval of the AUC over judged reps with the performers drawn again."""
    judged = [
        (rep.performer, is_faulty, strength)
        for is_faulty, reps in ((True, faulty), (False, clean))
        for rep in reps
        if (strength := rep.strengths[fault]) is not None
    ]
    return performer_interval(
        judged,
        lambda sample: sample[0],
        lambda drawn: _auc([s for _, f, s in drawn if f], [s for _, f, s in drawn if not f]),
    )


def cues_table(results: list[CueResult]) -> str:
    """A Markdown table, one row per (exercise, fault), and the mean AUCs."""
    lines = [
        f"| exercise | fault | judged reps with the fault (severity >= {SEVERE}) | judged clean "
        f"reps | ROC AUC, judged reps | its {100 * INTERVAL:.0f}% interval over performers "
        "| fires on faulty reps | fires on clean reps | ROC AUC, every rep "
        "| ROC AUC, judged reps of videos filmed from an accepted view (faulty / clean) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.exercise} | {r.fault} | {r.faulty_reps} ({100 * r.judged_faulty:.0f}%) "
            f"| {r.clean_reps} ({100 * r.judged_clean:.0f}%) | {r.auc:.3f} "
            f"| {r.auc_interval[0]:.2f} to {r.auc_interval[1]:.2f} "
            f"| {100 * r.fires_on_faulty:.0f}% | {100 * r.fires_on_clean:.0f}% "
            f"| {r.auc_all_reps:.3f} | {r.auc_view_accepted:.3f} "
            f"({r.view_accepted_reps[0]} / {r.view_accepted_reps[1]}) |"
        )
    if results:
        every = np.mean([r.auc_all_reps for r in results])
        lines.append(
            f"| **all** | mean AUC | | | {_mean(results, 'auc')} ({_at_least(results, 'auc')}) "
            f"| {_interval_reach(results)} | | "
            f"| {every:.3f} ({_at_least(results, 'auc_all_reps')}) "
            f"| {_mean(results, 'auc_view_accepted')} "
            f"({_at_least(results, 'auc_view_accepted')}) |"
        )
    return "\n".join(lines)


def _mean(results: list[CueResult], auc: str) -> str:
    """The mean of an AUC over the results that have one, with how many do where some not."""
    measured = [value for r in results if not np.isnan(value := getattr(r, auc))]
    mean = f"{np.mean(measured):.3f}" if measured else "nan"
    return mean if len(measured) in (0, len(results)) else f"{mean} over {len(measured)}"


def _interval_reach(results: list[CueResult], bar: float = 0.9) -> str:
    above = sum(r.auc_interval[0] >= bar for r in results)
    reaching = sum(r.auc_interval[1] >= bar for r in results)
    return f"{above}/{len(results)} wholly at {bar}+, {reaching}/{len(results)} reaching it"


def _at_least(results: list[CueResult], auc: str, bar: float = 0.9) -> str:
    return f"{sum(getattr(r, auc) >= bar for r in results)}/{len(results)} at {bar}+"
