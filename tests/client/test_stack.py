"""The local stack's archives: the keypoint classifier's joins them when its weights exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.stack import build_archives
from tests.action_service.checkpoints import (
    save_tiny_action_checkpoint,
    save_tiny_keypoint_checkpoint,
)


@pytest.fixture
def models(tmp_path) -> Path:
    """A models folder with pose (stand-in bytes: archiving does not read them) and action
    weights."""
    folder = tmp_path / "models"
    (folder / "pose").mkdir(parents=True)
    (folder / "pose" / "hrnet_compact.safetensors").write_bytes(b"pose weights")
    (folder / "action").mkdir()
    save_tiny_action_checkpoint(folder / "action" / "r3d_compact.safetensors")
    return folder


def test_the_keypoint_archive_is_built_only_when_its_weights_exist(models, tmp_path):
    names = [p.name for p in build_archives(models, tmp_path / "store")]
    assert names == ["pose.mar", "action.mar"]
    save_tiny_keypoint_checkpoint(models / "action" / "skeleton_tcn.safetensors")
    archives = build_archives(models, tmp_path / "store")
    assert [p.name for p in archives] == ["pose.mar", "action.mar", "action_keypoints.mar"]
    assert all(p.is_file() for p in archives)


def test_missing_pose_or_action_weights_are_named(models, tmp_path):
    (models / "action" / "r3d_compact.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match=r"r3d_compact\.safetensors"):
        build_archives(models, tmp_path / "store")
