"""The viewpoint measurement: held-out clean performances, filmed from several azimuths, posed
by the shipped pose model and scored by both scorers with the spread between azimuths."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from pose_service.server import create_backend
from pose_service.settings import PoseSettings
from scoring_service.catalogue import load_catalogue
from scoring_service.evaluate_viewpoint import (
    EXACT,
    POSE_MODEL,
    SCORERS,
    ViewpointRecord,
    held_out_performances,
    measure_viewpoints,
    viewpoint_table,
    write_record,
)
from scoring_service.index import load_index_dir
from synth.dataset import plan_videos

MODELS = Path(__file__).resolve().parents[2] / "models"


def _record(pose: dict[float, float], paper: dict[float, float]) -> ViewpointRecord:
    scores = {"pose": pose, "paper": paper}
    return ViewpointRecord(
        "PushUps", "v_PushUps_g01_c01", 1, {a: f"{a:g}.mp4" for a in pose}, {POSE_MODEL: scores}
    )


def test_the_spread_is_the_highest_score_minus_the_lowest_and_holds_within_5_points():
    record = _record({0.0: 60.0, 45.0: 64.5, 90.0: 61.0}, {0.0: 50.0, 45.0: 70.0, 90.0: 55.0})
    assert record.spread("pose") == pytest.approx(4.5)
    assert record.holds("pose")
    assert record.spread("paper") == pytest.approx(20.0)
    assert not record.holds("paper")
    assert not _record({0.0: 60.0, 90.0: 65.1}, {0.0: 0.0, 90.0: 0.0}).holds("pose")


def test_performances_are_clean_held_out_performers_with_the_asked_reps():
    entries = held_out_performances(("Lunges", "PullUps"), 3, reps=2)
    assert [(e.exercise, e.group) for e in entries] == [
        (exercise, group) for exercise in ("Lunges", "PullUps") for group in (1, 2, 3)
    ]
    assert all(e.spec.held_out and e.spec.faults == {} and e.spec.reps == 2 for e in entries)
    training = plan_videos(groups=25, clips_per_group=4, exercises=("Lunges", "PullUps"))
    trained = {e.spec.seed for e in training if not e.tested}
    assert not {e.spec.seed for e in entries} & trained
    with pytest.raises(ValueError, match="from 1 to 7"):
        held_out_performances(("Lunges",), 8, reps=2)


def test_one_performance_from_two_azimuths_is_scored_by_both_scorers(tmp_path):
    weights = MODELS / "pose" / "hrnet_compact.safetensors"
    # Without the flip test, which doubles the pose model's work and is not what is tested here.
    backend = create_backend(PoseSettings(backend="in_process", weights=weights, flip_test=False))
    indexes = load_index_dir(MODELS / "scoring", load_catalogue()).indexes
    (entry,) = held_out_performances(("BodyWeightSquats",), 1, reps=1, short_side=96)
    entry = replace(entry, spec=replace(entry.spec, fps=24.0))
    (record,) = measure_viewpoints([entry], backend, indexes, tmp_path, azimuths=(0.0, 90.0))

    for azimuth, video in record.videos.items():
        labels = json.loads((tmp_path / video).with_suffix(".json").read_text())
        assert labels["camera"]["azimuth_degrees"] == azimuth
        assert labels["faults"] == {}
    for source in (POSE_MODEL, EXACT):
        for scorer in SCORERS:
            scores = record.scores[source][scorer]
            assert set(scores) == {0.0, 90.0}
            assert all(0.0 <= score <= 100.0 for score in scores.values())
            assert record.spread(scorer, source) == pytest.approx(abs(scores[0.0] - scores[90.0]))

    table = viewpoint_table([record])
    assert "| BodyWeightSquats | v_BodyWeightSquats_g01_c01 | pose |" in table
    assert "| BodyWeightSquats | v_BodyWeightSquats_g01_c01 | paper |" in table
    written = json.loads(write_record([record], tmp_path, reps=1, seconds=1.0).read_text())
    (performance,) = written["performances"]
    written_paper = performance["scores"][POSE_MODEL]["paper"]
    assert written_paper == {str(a): s for a, s in record.scores[POSE_MODEL]["paper"].items()}
    assert performance["spread"][EXACT]["pose"] == round(record.spread("pose", EXACT), 2)
    assert written["summary"][POSE_MODEL]["pose"]["performances"] == 1
