"""The action model under real TorchServe gives the same probabilities as in process."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch

from action_service.archive import build_action_archive
from action_service.checkpoint import load_weights, save_checkpoint
from action_service.inference import ActionPredictor
from action_service.model import build_model
from action_service.payload import decode_answer, encode_request
from action_service.classes import EXERCISES
from common.torchserve import TorchServe


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("action_model")
    torch.manual_seed(4)
    weights = folder / "action.safetensors"
    save_checkpoint(
        build_model(18, widen_factor=0.25),
        depth=18,
        widen_factor=0.25,
        classes=EXERCISES,
        path=weights,
    )
    return weights, build_action_archive(weights, folder / "store")


def test_the_checkpoint_keeps_the_class_names(archive):
    model, classes = load_weights(archive[0])
    assert classes == EXERCISES
    assert model.fc.out_features == 8


def test_torchserve_and_in_process_give_the_same_probabilities(archive, tmp_path):
    weights, mar = archive
    rng = np.random.default_rng(0)
    videos = [
        [rng.integers(0, 256, (120, 160, 3), dtype=np.uint8) for _ in range(n)] for n in (40, 7)
    ]
    model, classes = load_weights(weights)
    predictor = ActionPredictor(model.eval(), classes)
    expected = [predictor.probabilities(v) for v in videos]
    with TorchServe(mar.parent, {"action": mar.name}, tmp_path) as server:
        headers = {
            "Authorization": f"Bearer {server.inference_token()}",
            "Content-Type": "application/octet-stream",
        }
        served = []
        for frames in videos:
            request = urllib.request.Request(
                f"{server.inference_url}/predictions/action",
                data=encode_request(frames),
                headers=headers,
            )
            with urllib.request.urlopen(request, timeout=120) as response:
                served.append(decode_answer(response.read()))
    for (names, got), want in zip(served, expected, strict=True):
        assert names == EXERCISES
        np.testing.assert_allclose(got, want, atol=1e-4)
