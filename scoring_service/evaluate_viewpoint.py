"""Viewpoint (`fitness eval viewpoint`): does one performance score the same whichever side it
is filmed from?

Each performance is rendered by the gym from every azimuth with everything else unchanged
(performer, motion, scene and the rest of the camera rig: `ClipSpec.azimuth_degrees`). The
pose model estimates its poses as `fitness index dataset` does (`estimate_video`, 10 frames a
second), and every scorer scores each video against the exercise's index as the scoring service
does (`score_performance`). A performance's spread under a scorer is its highest overall score
minus its lowest; it holds when the spread is at most `TOLERANCE` points. The gym's exact
keypoints of the same videos are scored too, which tells the scorer's own sensitivity to the
viewpoint from the pose model's.

Performances: clean (no form fault), a fixed number of reps, by the held-out performers of the
test list (groups 1 to 7 of `fitness synth videos --groups 25`, seed 0: bodies, clothes and
viewpoints beyond the training ranges, seeds no training clip uses), performer n of an
exercise with the seed, frame size and frame rate of its test clip `v_<exercise>_g0n_c01`.

Azimuths: 0, 45, 90 and 135 degrees by default (0 films the performer's front, 90 their left).
Azimuths a and -a show near mirror images (bodies and most motions are left-right symmetric),
and the references are filmed from all round (the "pose" scorer also matches their mirror
images), so the half circle from 0 to 180 degrees holds every view up to a mirror; four steps
of 45 degrees cross it from the front past the side to the back diagonal. Four azimuths round
the whole circle (0, 90, 180, 270) would spend two of them on a mirror pair (90 and 270).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from pose_service.backends import PoseBackend
from pose_service.tracking import FindPeople
from scoring_service.index import ExerciseIndex
from scoring_service.keypoint_dataset import estimate_video, labels_keypoints
from scoring_service.scorers import score_performance
from synth.clip import Clip
from synth.dataset import (
    HELD_OUT_GROUPS,
    RendererPool,
    VideoEntry,
    plan_videos,
    write_clip_video,
)

AZIMUTHS = (0.0, 45.0, 90.0, 135.0)
TOLERANCE = 5.0  # points of 100
SAMPLE_FPS = 10.0  # as the keypoint datasets of the indexes and evaluations
SCORERS = ("view", "pose", "paper")  # those of an exercise's index are measured, in this order
POSE_MODEL, EXACT = "pose model", "exact"  # where a video's keypoints come from


def held_out_performances(
    exercises: Sequence[str], performances: int, *, reps: int, short_side: int = 240
) -> list[VideoEntry]:
    """The performances to film: per exercise, the test clips `c01` of its first `performances`
    held-out performers, made clean and with `reps` reps."""
    if not 1 <= performances <= len(HELD_OUT_GROUPS):
        raise ValueError(
            f"performances must be from 1 to {len(HELD_OUT_GROUPS)}, not {performances}"
        )
    plan = plan_videos(
        groups=25, clips_per_group=1, short_side=short_side, exercises=tuple(exercises), reps=reps
    )
    return [
        replace(entry, spec=replace(entry.spec, faults={}))
        for entry in plan
        if entry.spec.held_out and entry.group <= performances
    ]


@dataclass(frozen=True)
class ViewpointRecord:
    """One performance filmed from every azimuth.

    Attributes:
        exercise: The exercise performed.
        performance: Its test clip, e.g. "v_PushUps_g01_c01".
        seed: The clip's seed.
        videos: The video filmed from each azimuth (degrees), relative to the output folder.
        scores: Overall score by keypoint source ("pose model", "exact"), scorer, then azimuth.
    """

    exercise: str
    performance: str
    seed: int
    videos: dict[float, str]
    scores: dict[str, dict[str, dict[float, float]]]

    def spread(self, scorer: str, source: str = POSE_MODEL) -> float:
        """The highest overall score minus the lowest, over the azimuths."""
        values = self.scores[source][scorer].values()
        return max(values) - min(values)

    def holds(self, scorer: str, source: str = POSE_MODEL) -> bool:
        """Whether the overall scores of every azimuth lie within `TOLERANCE` of each other."""
        return self.spread(scorer, source) <= TOLERANCE


def film_and_score(
    entry: VideoEntry,
    azimuths: Sequence[float],
    backend: PoseBackend,
    index: ExerciseIndex,
    out: Path,
    *,
    renderers: RendererPool,
    find_people: FindPeople | None = None,
    progress: Callable[[int], None] | None = None,
) -> ViewpointRecord:
    """Renders a performance from each azimuth under `out` (a video and its labels JSON
    each), then scores each video's keypoints, the pose model's and the gym's, with every
    scorer of `SCORERS` the index has; `progress` counts the videos."""
    stem = entry.relative_path.removesuffix(".mp4")
    spec = entry.spec
    videos: dict[float, str] = {}
    scorers = [scorer for scorer in SCORERS if scorer in index.scorers]
    scores: dict[str, dict[str, dict[float, float]]] = {
        source: {scorer: {} for scorer in scorers} for source in (POSE_MODEL, EXACT)
    }
    for azimuth in azimuths:
        relative = f"{stem}_a{azimuth:g}.mp4"
        clip = Clip.build(replace(spec, azimuth_degrees=azimuth))
        write_clip_video(clip, out / relative, renderers.get(spec.width, spec.height))
        _, estimated, _ = asyncio.run(
            estimate_video(backend, out / relative, SAMPLE_FPS, find_people)
        )
        exact = labels_keypoints(out / relative, relative, SAMPLE_FPS).keypoints
        for source, keypoints in ((POSE_MODEL, estimated), (EXACT, exact)):
            for scorer in scorers:
                overall = score_performance(index.scorers[scorer], keypoints).overall
                scores[source][scorer][azimuth] = round(overall, 2)
        videos[azimuth] = relative
        if progress:
            progress(1)
    return ViewpointRecord(entry.exercise, Path(stem).name, spec.seed, videos, scores)


def measure_viewpoints(
    entries: Sequence[VideoEntry],
    backend: PoseBackend,
    indexes: dict[str, ExerciseIndex],
    out: Path,
    *,
    azimuths: Sequence[float] = AZIMUTHS,
    find_people: FindPeople | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[ViewpointRecord]:
    """Every performance filmed from every azimuth and scored (`film_and_score`; the person
    looked for among the people `find_people` detects where given); performances of
    exercises without an index are refused."""
    missing = sorted({entry.exercise for entry in entries} - set(indexes))
    if missing:
        raise ValueError(f"no index for {', '.join(missing)}")
    renderers = RendererPool()
    return [
        film_and_score(
            entry,
            azimuths,
            backend,
            indexes[entry.exercise],
            out,
            renderers=renderers,
            find_people=find_people,
            progress=progress,
        )
        for entry in entries
    ]


def _scorers(records: Sequence[ViewpointRecord]) -> list[str]:
    """The scorers that measured every record, in `SCORERS` order."""
    return [s for s in SCORERS if all(s in record.scores[POSE_MODEL] for record in records)]


def summary(records: Sequence[ViewpointRecord]) -> dict[str, dict[str, dict[str, float]]]:
    """Per keypoint source and scorer: performances, the share whose scores hold within
    `TOLERANCE`, and the mean and largest spread."""
    result: dict[str, dict[str, dict[str, float]]] = {}
    for source in (POSE_MODEL, EXACT):
        result[source] = {}
        for scorer in _scorers(records):
            spreads = [record.spread(scorer, source) for record in records]
            result[source][scorer] = {
                "performances": len(spreads),
                "within": float(np.mean([s <= TOLERANCE for s in spreads])),
                "mean_spread": float(np.mean(spreads)),
                "max_spread": float(np.max(spreads)),
            }
    return result


def viewpoint_table(records: Sequence[ViewpointRecord]) -> str:
    """Markdown: a row per performance and scorer with the pose model's keypoints (the overall
    score at each azimuth, the spread, whether it holds), then a summary row per keypoint
    source and scorer."""
    azimuths = list(records[0].videos)
    lines = [
        "| exercise | performance | scorer | "
        + " | ".join(f"{a:g}°" for a in azimuths)
        + f" | spread | within {TOLERANCE:g} |",
        "|---|---|---|" + "---|" * (len(azimuths) + 2),
    ]
    for record in records:
        for scorer in record.scores[POSE_MODEL]:
            scores = record.scores[POSE_MODEL][scorer]
            lines.append(
                f"| {record.exercise} | {record.performance} | {scorer} | "
                + " | ".join(f"{scores[a]:.1f}" for a in azimuths)
                + f" | {record.spread(scorer):.1f} | {'yes' if record.holds(scorer) else 'no'} |"
            )
    lines += [
        "",
        f"| keypoints | scorer | performances | within {TOLERANCE:g} points | mean spread "
        "| largest spread |",
        "|---|---|---|---|---|---|",
    ]
    for source, by_scorer in summary(records).items():
        for scorer, facts in by_scorer.items():
            lines.append(
                f"| {source} | {scorer} | {facts['performances']} | {100 * facts['within']:.0f}% "
                f"| {facts['mean_spread']:.1f} | {facts['max_spread']:.1f} |"
            )
    return "\n".join(lines) + "\n"


def write_record(
    records: Sequence[ViewpointRecord], out: Path, *, reps: int, seconds: float
) -> Path:
    """Writes every score, spread and the summary to `out/viewpoint.json`; returns its path."""
    path = out / "viewpoint.json"
    document = {
        "tolerance": TOLERANCE,
        "sample_fps": SAMPLE_FPS,
        "reps": reps,
        "seconds": round(seconds, 1),
        "performances": [
            {
                **asdict(record),
                "spread": {
                    source: {
                        scorer: round(record.spread(scorer, source), 2)
                        for scorer in record.scores[source]
                    }
                    for source in (POSE_MODEL, EXACT)
                },
            }
            for record in records
        ],
        "summary": summary(records),
    }
    path.write_text(json.dumps(document, indent=1))
    return path
