"""Counting reps from the pose sequence alone: the gym's performances, seen from any side, at
any size, with rests, give their rep count and rep boundaries."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from scoring_service.reps import SETTLE_SECONDS, find_reps
from synth.exercises import perform

FPS = 10.0


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
def test_each_exercise_gives_its_rep_count_from_any_side(exercise, reps, azimuth):
    keypoints = filmed(exercise, reps, azimuth)
    found = find_reps(keypoints, np.arange(len(keypoints)) / FPS)
    assert len(found) == reps


def test_reps_are_in_order_with_their_turn_inside_and_a_range_of_motion():
    keypoints = filmed("BodyWeightSquats", 3, 90)
    found = find_reps(keypoints, np.arange(len(keypoints)) / FPS)
    for rep in found:
        assert rep.start < rep.turn < rep.end
        assert rep.seconds > 0.5
        assert rep.range_of_motion > 0.1  # torso lengths
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


def test_size_and_place_in_the_frame_do_not_change_the_count():
    keypoints = filmed("BodyWeightSquats", 4, 90)
    small = keypoints.copy()
    small[..., :2] = small[..., :2] * 0.3 + 50
    timestamps = np.arange(len(keypoints)) / FPS
    assert len(find_reps(small, timestamps)) == len(find_reps(keypoints, timestamps)) == 4


def test_standing_still_has_no_reps():
    keypoints = filmed("BodyWeightSquats", 1, 90)[:1].repeat(40, axis=0)
    keypoints[..., :2] += np.random.default_rng(0).normal(0, 1.0, keypoints[..., :2].shape)
    assert find_reps(keypoints, np.arange(40) / FPS) == []


def test_an_ongoing_performance_counts_a_rep_once_it_has_ended_and_settled():
    keypoints = filmed("BodyWeightSquats", 4, 90)
    timestamps = np.arange(len(keypoints)) / FPS
    complete = find_reps(keypoints, timestamps)
    second_end = complete[1].end
    settled = second_end + round(SETTLE_SECONDS * FPS) + 1
    before = find_reps(keypoints[:second_end], timestamps[:second_end], ongoing=True)
    after = find_reps(keypoints[:settled], timestamps[:settled], ongoing=True)
    assert len(before) == 1
    assert len(after) == 2
    assert abs(after[1].end - second_end) <= 1
    mid_third = (complete[2].start + complete[2].turn) // 2
    assert len(find_reps(keypoints[:mid_third], timestamps[:mid_third], ongoing=True)) == 2
