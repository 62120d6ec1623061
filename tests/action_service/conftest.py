"""The tiny action checkpoints of `tests.action_service.checkpoints`, once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.action_service.checkpoints import (
    save_tiny_action_checkpoint,
    save_tiny_keypoint_checkpoint,
)


@pytest.fixture(scope="session")
def action_weights(tmp_path_factory) -> Path:
    return save_tiny_action_checkpoint(tmp_path_factory.mktemp("action") / "action.safetensors")


@pytest.fixture(scope="session")
def keypoint_weights(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("keypoints")
    return save_tiny_keypoint_checkpoint(folder / "skeleton_tcn.safetensors")
