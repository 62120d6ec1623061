"""The local stack: the keypoint classifier's archive joins when its weights exist; ports for
services started later stay clear of outgoing connections; a service that dies at start is
reported with the end of its log."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from client.stack import build_archives, wait_serving
from common.errors import BackendUnavailableError
from common.torchserve import _ephemeral_range, free_port
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


def test_free_ports_are_outside_the_ephemeral_range_and_never_handed_out_twice():
    low, high = _ephemeral_range()
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert not any(low <= port <= high for port in ports)


def test_a_service_that_exits_at_start_is_reported_with_the_end_of_its_log(tmp_path):
    log = tmp_path / "scoring.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", "import sys; print('bind failed: address in use'); sys.exit(3)"],
            stdout=output,
        )
    process.wait()
    with pytest.raises(BackendUnavailableError, match=r"exited with 3(.|\n)*address in use"):
        wait_serving(f"127.0.0.1:{free_port()}", 30, process, log)
