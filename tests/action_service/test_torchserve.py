"""The action models under real TorchServe give the same probabilities as in process, and the
action service answers through it."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np
import pytest
import torch

from action_service.archive import build_action_archive
from action_service.checkpoint import (
    load_predictor,
    load_skeleton_weights,
    load_weights,
    save_checkpoint,
)
from action_service.classes import EXERCISES, KEYPOINT_CLASSES
from action_service.inference import KeypointPredictor
from action_service.model import build_model
from action_service.payload import decode_answer, encode_keypoints_request, encode_request
from action_service.sequences import KeypointSequence
from action_service.server import binding, create_backend, create_keypoint_backend
from action_service.settings import ActionSettings
from client.cli import main as fitness
from common.channels import open_channel
from common.fitness.v1 import action_pb2, action_pb2_grpc
from common.server import start_server
from common.torchserve import TorchServe
from tests.action_service.test_keypoint_server import frame_poses
from tests.scoring_service.poses import jumping_jack, squat


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
        temporal_stride=4,
    )
    return weights, build_action_archive(weights, folder / "store")


@pytest.fixture(scope="module")
def keypoint_archive(archive, keypoint_weights) -> Path:
    """`action_keypoints.mar` as `fitness action-skeleton archive` builds it, beside action.mar."""
    store = archive[1].parent
    args = ["action-skeleton", "archive", "--weights", str(keypoint_weights), "--out", str(store)]
    with pytest.raises(SystemExit) as done:
        fitness(args)
    assert done.value.code in (0, None)
    return store / "action_keypoints.mar"


@pytest.fixture(scope="module")
def torchserve(archive, keypoint_archive, tmp_path_factory) -> Iterator[TorchServe]:
    """One TorchServe serving both action models."""
    models = {"action": archive[1].name, "action_keypoints": keypoint_archive.name}
    with TorchServe(keypoint_archive.parent, models, tmp_path_factory.mktemp("ts")) as server:
        yield server


def predict(server: TorchServe, model: str, body: bytes) -> tuple[list[str], np.ndarray]:
    """One answer of TorchServe's inference API."""
    request = urllib.request.Request(
        f"{server.inference_url}/predictions/{model}",
        data=body,
        headers={
            "Authorization": f"Bearer {server.inference_token()}",
            "Content-Type": "application/octet-stream",
        },
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return decode_answer(response.read())


def test_the_checkpoint_keeps_the_class_names(archive):
    model, classes = load_weights(archive[0])
    assert classes == EXERCISES
    assert model.fc.out_features == 8


def test_the_checkpoint_names_its_archive(archive, keypoint_archive):
    assert archive[1].name == "action.mar"
    assert keypoint_archive.is_file()


def test_torchserve_and_in_process_give_the_same_probabilities(archive, torchserve):
    rng = np.random.default_rng(0)
    videos = [
        [rng.integers(0, 256, (120, 160, 3), dtype=np.uint8) for _ in range(n)] for n in (40, 7)
    ]
    predictor = load_predictor(archive[0])
    assert predictor.temporal_stride == 4
    for frames in videos:
        names, served = predict(torchserve, "action", encode_request(frames))
        assert names == EXERCISES
        np.testing.assert_allclose(served, predictor.probabilities(frames), atol=1e-4)


def test_the_keypoint_classifier_gives_the_same_probabilities_under_torchserve(
    keypoint_weights, torchserve
):
    model, classes = load_skeleton_weights(keypoint_weights)
    predictor = KeypointPredictor(model.eval(), classes)
    for poses, fps in ((jumping_jack(150, reps=4), 15.0), (squat(9), 30.0)):
        sequence = KeypointSequence(poses, np.arange(len(poses)) / fps)
        names, served = predict(torchserve, "action_keypoints", encode_keypoints_request(sequence))
        assert names == KEYPOINT_CLASSES
        np.testing.assert_allclose(served, predictor.probabilities(sequence), atol=1e-5)


async def recognize_keypoints(
    settings: ActionSettings, request: action_pb2.RecognizeKeypointsRequest
) -> tuple[action_pb2.RecognizeResponse, action_pb2.ListClassesResponse]:
    """RecognizeKeypoints, then ListClasses, of an action service over TorchServe."""
    keypoints = create_keypoint_backend(settings)
    running = await start_server(settings, [binding(create_backend(settings), settings, keypoints)])
    try:
        async with open_channel(f"127.0.0.1:{running.port}", max_attempts=1) as channel:
            stub = action_pb2_grpc.ActionRecognizerStub(channel)
            response = await stub.RecognizeKeypoints(request, timeout=60)
            return response, await stub.ListClasses(action_pb2.ListClassesRequest(), timeout=5)
    finally:
        await running.stop(None)


async def test_the_service_recognises_poses_through_torchserve(keypoint_weights, torchserve):
    settings = ActionSettings(
        port=0,
        torchserve_url=torchserve.inference_url,
        torchserve_token=torchserve.inference_token(),
    )
    poses = jumping_jack(60, reps=2)
    request = action_pb2.RecognizeKeypointsRequest(
        poses=frame_poses(poses, list(range(0, 120, 2))), fps=25.0, top_k=9
    )
    response, classes = await recognize_keypoints(settings, request)
    assert response.model_name == "action_keypoints"
    assert list(classes.keypoint_classes) == KEYPOINT_CLASSES
    model, names = load_skeleton_weights(keypoint_weights)
    sequence = KeypointSequence(poses, np.arange(0, 120, 2) / 25.0)
    expected = KeypointPredictor(model.eval(), names).probabilities(sequence)
    served = {p.exercise_id: p.probability for p in response.top_k}
    np.testing.assert_allclose([served[c] for c in names], expected, atol=1e-5)


async def test_a_keypoint_model_torchserve_does_not_have_is_a_failed_precondition(torchserve):
    settings = ActionSettings(
        port=0,
        torchserve_url=torchserve.inference_url,
        torchserve_token=torchserve.inference_token(),
        keypoint_torchserve_model="no_such_model",
    )
    request = action_pb2.RecognizeKeypointsRequest(
        poses=frame_poses(squat(5), list(range(5))), fps=30.0
    )
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await recognize_keypoints(settings, request)
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "not registered" in error.value.details()
