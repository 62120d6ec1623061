"""Specification of the movements that are none of the exercises: reproducible, on the floor,
without faults, and moving as their names say."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import numpy as np
import pytest
import torch

from synth.body import Region, body_model
from synth.exercises import EXERCISES, MOVEMENTS, OTHER_MOVEMENTS, Performance, perform

FPS = 10.0
SEED = 11
NOSE, WRISTS, HIPS, ANKLES = 0, [9, 10], [11, 12], [15, 16]


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@functools.cache
def performed(movement: str, seed: int = SEED) -> Performance:
    return perform(movement, seed=seed, fps=FPS, reps=3)


def feet(performance: Performance) -> np.ndarray:
    return performance.body.vertices[:, np.isin(body_model().regions, [Region.FOOT]), 2]


def test_other_movements_are_movements_but_not_exercises() -> None:
    assert set(OTHER_MOVEMENTS) == {"Standing", "Stretching", "Walking"}
    assert not set(OTHER_MOVEMENTS) & set(EXERCISES)
    assert MOVEMENTS == EXERCISES + OTHER_MOVEMENTS


@pytest.mark.parametrize("movement", OTHER_MOVEMENTS)
def test_is_reproducible_has_its_reps_and_no_faults(movement: str) -> None:
    performance = performed(movement)
    again = perform(movement, seed=SEED, fps=FPS, reps=3)
    assert np.array_equal(performance.body.keypoints, again.body.keypoints)
    assert len(performance.reps) == 3
    assert performance.faults == {}
    assert perform(movement, seed=SEED + 1, fps=FPS).faults == {}


@pytest.mark.parametrize("movement", OTHER_MOVEMENTS)
def test_stands_on_the_floor_upright(movement: str) -> None:
    performance = performed(movement)
    assert np.abs(feet(performance).min(1)).max() < 0.005
    keypoints = performance.body.keypoints
    assert (keypoints[:, HIPS, 2].mean(1) > 0.6).all()  # never squats, lies or hangs


def test_a_fault_is_refused_for_a_movement_that_has_none() -> None:
    with pytest.raises(ValueError, match="fault"):
        perform("Walking", seed=SEED, fps=FPS, faults={"partial_range": 1.0})


def test_walking_travels_a_stride_a_rep_with_one_foot_down() -> None:
    performance = performed("Walking")
    hips = performance.body.keypoints[:, HIPS, :2].mean(1)
    travelled = np.linalg.norm(hips[-1] - hips[0])
    leg = 0.8  # metres, about
    assert 3 * leg < travelled < 3 * 2.2 * leg
    lowest = feet(performance).min(1)
    assert (lowest < 0.005).all()  # always a foot on the floor


def test_standing_stays_in_place() -> None:
    hips = performed("Standing").body.keypoints[:, HIPS, :2].mean(1)
    assert np.ptp(hips, axis=0).max() < 0.25


def test_stretching_moves_the_hands_far_from_standing_arms() -> None:
    reach = []
    for seed in range(3):
        keypoints = performed("Stretching", seed).body.keypoints
        hands = keypoints[:, WRISTS] - keypoints[:, HIPS].mean(1, keepdims=True)
        reach.append(np.ptp(hands.reshape(len(hands), -1), axis=0).max())
    assert min(reach) > 0.3  # every kind of stretch moves the hands a long way
