"""The pose model under real TorchServe gives the same keypoints as in process."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch

from common.torchserve import TorchServe
from pose_service.archive import build_pose_archive
from pose_service.inference import PosePredictor
from pose_service.model import hrnet_compact
from pose_service.payload import decode_answer, encode_request
from pose_service.train import load_weights, save_checkpoint


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pose_model")
    torch.manual_seed(3)
    weights = folder / "pose.safetensors"
    save_checkpoint(hrnet_compact(), "compact", (192, 256), weights)
    mar = build_pose_archive(weights, folder / "store")
    return weights, mar


def frames_and_boxes() -> tuple[list[np.ndarray], list[tuple[float, float, float, float]]]:
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (240, 320, 3), dtype=np.uint8) for _ in range(3)]
    boxes = [(40.0, 20.0, 120.0, 200.0), (100.0, 50.0, 60.0, 150.0), (0.0, 0.0, 320.0, 240.0)]
    return frames, boxes


def predict_through(server: TorchServe, frame: np.ndarray, box: tuple) -> np.ndarray:
    headers = {
        "Authorization": f"Bearer {server.inference_token()}",
        "Content-Type": "application/octet-stream",
    }
    request = urllib.request.Request(
        f"{server.inference_url}/predictions/pose", data=encode_request(frame, box), headers=headers
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return decode_answer(response.read())


def test_torchserve_and_in_process_give_the_same_keypoints(archive, tmp_path):
    weights, mar = archive
    frames, boxes = frames_and_boxes()
    model, input_size = load_weights(weights)
    expected = PosePredictor(model.eval(), input_size).predict(frames, boxes)
    with TorchServe(mar.parent, {"pose": mar.name}, tmp_path) as server:
        served = np.stack(
            [predict_through(server, f, b) for f, b in zip(frames, boxes, strict=True)]
        )
    assert served.shape == (3, 17, 3)
    np.testing.assert_allclose(served, expected, atol=1e-3)
