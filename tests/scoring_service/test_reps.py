"""Counting reps from the pose sequence alone with the shipped rep segmenter: the gym's
performances, seen from any side, at any size, with rests, give their rep count and rep
boundaries; decoding turns phase probabilities into reps."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from scoring_service.rep_model import BACK, OUT, REST
from scoring_service.reps import SETTLE_SECONDS, phase_runs
from synth.exercises import perform

FPS = 10.0
LIVE_DELAY_SECONDS = 1.0  # the segmenter tells the way back ended from what follows it


def filmed(exercise: str, reps: int, azimuth_degrees: float, seed: int = 3) -> np.ndarray:
    """The performance's COCO keypoints (F, 17, 3) seen from the side at `azimuth_degrees`
    (orthographic, 300 pixels a metre), every point seen."""
    torch.set_num_threads(1)
    body = perform(exercise, seed=seed, fps=FPS, reps=reps).body.keypoints[:, :17]
    turn = np.radians(azimuth_degrees)
    across = body[..., 0] * np.cos(turn) + body[..., 1] * np.sin(turn)
    keypoints = np.stack(
        [320 + 300 * across, 400 - 300 * body[..., 2], np.ones(body.shape[:2])], -1
    )
    return keypoints.astype(np.float32)


@pytest.mark.parametrize(
    ("exercise", "reps", "azimuth"),
    [("BodyWeightSquats", 4, 90), ("PushUps", 3, 80), ("JumpingJack", 5, 10), ("Lunges", 4, 60),
     ("PullUps", 3, 30)],
)  # fmt: skip
def test_each_exercise_gives_its_rep_count_from_any_side(rep_counter, exercise, reps, azimuth):
    keypoints = filmed(exercise, reps, azimuth)
    found = rep_counter.find(keypoints, np.arange(len(keypoints)) / FPS)
    assert len(found) == reps


def test_reps_are_in_order_with_their_turn_inside_and_a_range_of_motion(rep_counter):
    keypoints = filmed("BodyWeightSquats", 3, 90)
    found = rep_counter.find(keypoints, np.arange(len(keypoints)) / FPS)
    for rep in found:
        assert rep.start < rep.turn < rep.end
        assert rep.seconds > 0.5
        assert rep.range_of_motion > 0.1  # torso lengths
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


def test_size_and_place_in_the_frame_do_not_change_the_count(rep_counter):
    keypoints = filmed("BodyWeightSquats", 4, 90)
    small = keypoints.copy()
    small[..., :2] = small[..., :2] * 0.3 + 50
    timestamps = np.arange(len(keypoints)) / FPS
    assert (
        len(rep_counter.find(small, timestamps))
        == len(rep_counter.find(keypoints, timestamps))
        == 4
    )


def test_standing_still_has_no_reps(rep_counter):
    keypoints = filmed("BodyWeightSquats", 1, 90)[:1].repeat(40, axis=0)
    keypoints[..., :2] += np.random.default_rng(0).normal(0, 1.0, keypoints[..., :2].shape)
    assert rep_counter.find(keypoints, np.arange(40) / FPS) == []


def test_an_ongoing_performance_counts_a_rep_once_it_has_ended_and_not_a_second_later(
    rep_counter,
):
    keypoints = filmed("BodyWeightSquats", 4, 90)
    timestamps = np.arange(len(keypoints)) / FPS
    complete = rep_counter.find(keypoints, timestamps)
    second_end = complete[1].end
    counted = second_end + round(LIVE_DELAY_SECONDS * FPS) + 1
    before = rep_counter.find(keypoints[:second_end], timestamps[:second_end], ongoing=True)
    after = rep_counter.find(keypoints[:counted], timestamps[:counted], ongoing=True)
    assert len(before) == 1
    assert len(after) == 2
    assert abs(after[1].end - second_end) <= 1
    assert timestamps[after[1].end] <= timestamps[counted - 1] - SETTLE_SECONDS


def phases_of(labels: list[int]) -> np.ndarray:
    """Certain phase probabilities (F', P) of a list of phases."""
    return np.eye(3)[labels]


def test_a_rep_is_a_run_out_then_a_run_back():
    labels = [REST] * 4 + [OUT] * 5 + [BACK] * 5 + [OUT] * 4 + [BACK] * 6 + [REST] * 3
    assert phase_runs(phases_of(labels)) == [(4, 9, 13), (14, 18, 23)]


def test_a_flicker_shorter_than_a_run_neither_splits_nor_makes_a_rep():
    labels = [REST] * 4 + [OUT] * 5 + [BACK, OUT] + [OUT] * 3 + [BACK] * 6 + [REST] * 2
    assert len(phase_runs(phases_of(labels))) == 1
    assert phase_runs(phases_of([REST] * 6 + [OUT, BACK] + [REST] * 6)) == []


def test_an_ongoing_rep_still_on_its_way_back_is_not_counted_yet():
    labels = [REST] * 4 + [OUT] * 5 + [BACK] * 5
    assert phase_runs(phases_of(labels)) == [(4, 9, 13)]
    assert phase_runs(phases_of(labels), ongoing=True) == []
    assert len(phase_runs(phases_of(labels + [REST] * 3), ongoing=True)) == 1
