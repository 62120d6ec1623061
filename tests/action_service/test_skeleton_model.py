"""The keypoint classifier: shapes, its checkpoint, and averaged window probabilities."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from action_service.checkpoint import (
    load_skeleton_weights,
    load_weights,
    save_skeleton_checkpoint,
)
from action_service.classes import KEYPOINT_CLASSES
from action_service.inference import KeypointPredictor
from action_service.sequences import FEATURES, WINDOW, KeypointSequence
from action_service.skeleton_model import skeleton_tcn
from tests.scoring_service.poses import jumping_jack


@pytest.mark.parametrize("frames", [WINDOW, 20])
def test_windows_map_to_one_logit_per_class(frames):
    model = skeleton_tcn(FEATURES, len(KEYPOINT_CLASSES), width=16).eval()
    with torch.inference_mode():
        logits = model(torch.randn(2, FEATURES, frames))
    assert logits.shape == (2, len(KEYPOINT_CLASSES))


def test_the_default_width_has_about_0_2_million_parameters():
    model = skeleton_tcn(FEATURES, len(KEYPOINT_CLASSES))
    assert 150_000 < sum(p.numel() for p in model.parameters()) < 250_000


def test_the_checkpoint_round_trip_keeps_weights_and_classes(keypoint_weights):
    model, classes = load_skeleton_weights(keypoint_weights)
    assert classes == KEYPOINT_CLASSES
    again, _ = load_skeleton_weights(keypoint_weights)
    windows = torch.randn(3, FEATURES, WINDOW)
    with torch.inference_mode():
        torch.testing.assert_close(model.eval()(windows), again.eval()(windows))
    assert model.embed[0].out_channels == 16


def test_a_checkpoint_with_a_class_name_per_output_is_required(tmp_path):
    model = skeleton_tcn(FEATURES, 3, width=8)
    with pytest.raises(ValueError, match="9 class names for 3 outputs"):
        save_skeleton_checkpoint(
            model, in_features=FEATURES, width=8, classes=KEYPOINT_CLASSES, path=tmp_path / "x"
        )


def test_the_keypoint_loader_refuses_a_3d_resnet_checkpoint(action_weights):
    with pytest.raises(ValueError, match="holds a r3d model, not a skeleton_tcn model"):
        load_skeleton_weights(action_weights)


def test_the_3d_resnet_loader_refuses_a_keypoint_checkpoint(keypoint_weights):
    with pytest.raises(ValueError, match="holds a skeleton_tcn model, not a r3d model"):
        load_weights(keypoint_weights)


@pytest.mark.parametrize("frames", [300, 12, 1])
def test_a_video_of_any_length_gets_probabilities_over_the_classes(keypoint_weights, frames):
    model, classes = load_skeleton_weights(keypoint_weights)
    predictor = KeypointPredictor(model.eval(), classes)
    sequence = KeypointSequence(jumping_jack(frames, reps=3), np.arange(frames) / 30.0)
    probabilities = predictor.probabilities(sequence)
    assert probabilities.shape == (len(KEYPOINT_CLASSES),)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)
