"""Exercise probabilities of a video: clips averaged, top-k in order."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from action_service.classes import EXERCISES
from action_service.inference import ActionPredictor
from action_service.model import build_model
from common.errors import InvalidInputError


@pytest.fixture(scope="module")
def predictor() -> ActionPredictor:
    torch.manual_seed(0)
    return ActionPredictor(build_model(18, widen_factor=0.25).eval(), EXERCISES)


def video(frames: int) -> list[np.ndarray]:
    rng = np.random.default_rng(frames)
    return [rng.integers(0, 256, (120, 160, 3), dtype=np.uint8) for _ in range(frames)]


def test_probabilities_sum_to_one_over_the_classes(predictor):
    probabilities = predictor.probabilities(video(40))
    assert probabilities.shape == (8,)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)


def test_top_k_is_ordered_and_names_the_classes(predictor):
    top = predictor.top_k(video(40), k=3)
    assert len(top) == 3
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    assert all(name in EXERCISES for name, _ in top)


def test_a_video_shorter_than_a_clip_is_still_recognised(predictor):
    assert predictor.top_k(video(5), k=1)[0][0] in EXERCISES


def test_a_video_without_frames_is_refused(predictor):
    with pytest.raises(InvalidInputError, match="no frame"):
        predictor.probabilities([])
