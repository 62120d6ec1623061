"""`RecognizeKeypoints` on a real gRPC server: the exercise from a video's poses, bad input,
and a service without a keypoint classifier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import grpc
import numpy as np
import pytest

from action_service.checkpoint import load_skeleton_weights
from action_service.classes import EXERCISES, KEYPOINT_CLASSES
from action_service.inference import KeypointPredictor
from action_service.sequences import KeypointSequence
from action_service.server import binding, create_backend, create_keypoint_backend
from action_service.settings import ActionSettings
from common.channels import open_channel
from common.fitness.v1 import action_pb2, action_pb2_grpc, common_pb2
from common.server import start_server
from common.torchserve import free_port
from tests.scoring_service.poses import jumping_jack

Stub = action_pb2_grpc.ActionRecognizerStub


@asynccontextmanager
async def serving(settings: ActionSettings) -> AsyncIterator[Stub]:
    """A stub of the action service the settings describe, on loopback."""
    backend = create_backend(settings)
    keypoints = create_keypoint_backend(settings)
    running = await start_server(settings, [binding(backend, settings, keypoints)])
    try:
        async with open_channel(f"127.0.0.1:{running.port}", max_attempts=1) as channel:
            yield Stub(channel)
    finally:
        await running.stop(None)


@pytest.fixture
async def stub(action_weights, keypoint_weights) -> AsyncIterator[Stub]:
    settings = ActionSettings(
        port=0,
        backend="in_process",
        weights=action_weights,
        keypoint_weights=keypoint_weights,
        max_frames=400,
    )
    async with serving(settings) as ready:
        yield ready


def frame_poses(keypoints: np.ndarray, indices: list[int]) -> list[common_pb2.FramePose]:
    """FramePose messages of keypoints (F, 17, 3) in frame pixels at the given frame indices."""
    return [
        common_pb2.FramePose(
            frame_index=index,
            pose=common_pb2.Pose(
                keypoints=[common_pb2.Keypoint(x=x, y=y, score=s) for x, y, s in pose]
            ),
        )
        for index, pose in zip(indices, keypoints.tolist(), strict=True)
    ]


def request(frames: int = 100, step: int = 3, fps: float = 30.0, top_k: int = 0):
    """The poses of every `step`-th frame of a jumping-jack video at `fps`."""
    return action_pb2.RecognizeKeypointsRequest(
        poses=frame_poses(jumping_jack(frames, reps=3), list(range(0, frames * step, step))),
        fps=fps,
        top_k=top_k,
    )


async def test_a_videos_poses_get_their_top_k_classes(stub):
    response = await stub.RecognizeKeypoints(request(top_k=4), timeout=30)
    probabilities = [p.probability for p in response.top_k]
    assert len(probabilities) == 4
    assert probabilities == sorted(probabilities, reverse=True)
    assert {p.exercise_id for p in response.top_k} <= set(KEYPOINT_CLASSES)
    assert response.model_name == "skeleton_tcn"


async def test_three_classes_are_returned_by_default(stub):
    assert len((await stub.RecognizeKeypoints(request(), timeout=30)).top_k) == 3


async def test_the_probabilities_are_the_models_for_poses_timed_by_frame_index_over_fps(
    stub, keypoint_weights
):
    # Every third frame of a 30 fps video: 100 poses over 10 s, so 5 windows of 4.8 s.
    response = await stub.RecognizeKeypoints(request(top_k=len(KEYPOINT_CLASSES)), timeout=30)
    model, classes = load_skeleton_weights(keypoint_weights)
    timestamps = np.arange(0, 300, 3) / 30.0
    expected = KeypointPredictor(model.eval(), classes).probabilities(
        KeypointSequence(jumping_jack(100, reps=3), timestamps)
    )
    served = {p.exercise_id: p.probability for p in response.top_k}
    np.testing.assert_allclose([served[c] for c in classes], expected, atol=1e-6)
    assert response.windows == 5


async def test_a_short_video_is_one_window(stub):
    assert (await stub.RecognizeKeypoints(request(frames=20), timeout=30)).windows == 1


async def test_the_keypoint_classes_are_listed_beside_the_exercises(stub):
    response = await stub.ListClasses(action_pb2.ListClassesRequest(), timeout=5)
    assert list(response.exercise_ids) == EXERCISES
    assert list(response.keypoint_classes) == KEYPOINT_CLASSES


def with_poses(poses: list[common_pb2.FramePose], fps: float = 30.0):
    return action_pb2.RecognizeKeypointsRequest(poses=poses, fps=fps)


def one_pose(index: int, keypoints: int = 17, x: float = 100.0) -> common_pb2.FramePose:
    keypoint = common_pb2.Keypoint(x=x, y=50.0, score=0.9)
    return common_pb2.FramePose(
        frame_index=index, pose=common_pb2.Pose(keypoints=[keypoint] * keypoints)
    )


@pytest.mark.parametrize(
    ("message", "code", "details"),
    [
        (with_poses([]), grpc.StatusCode.INVALID_ARGUMENT, "no poses"),
        (
            with_poses([one_pose(0), one_pose(5), one_pose(4)]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "increasing frame_index order",
        ),
        (with_poses([one_pose(0)], fps=0.0), grpc.StatusCode.INVALID_ARGUMENT, "fps"),
        (with_poses([one_pose(0)], fps=-25.0), grpc.StatusCode.INVALID_ARGUMENT, "fps"),
        (with_poses([one_pose(0)], fps=float("nan")), grpc.StatusCode.INVALID_ARGUMENT, "fps"),
        (
            with_poses([one_pose(0), one_pose(1, keypoints=16)]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "frame 1: 16 keypoints",
        ),
        (
            with_poses([one_pose(0), one_pose(1, x=float("inf"))]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "frame 1: NaN or infinite",
        ),
        (
            with_poses([one_pose(i) for i in range(401)]),
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "more than 400",
        ),
    ],
    ids=[
        "no-poses",
        "decreasing",
        "no-fps",
        "negative-fps",
        "nan-fps",
        "16-keypoints",
        "infinite",
        "too-many",
    ],
)
async def test_bad_poses_get_a_clear_status(stub, message, code, details):
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.RecognizeKeypoints(message, timeout=30)
    assert error.value.code() == code
    assert details in error.value.details()


async def test_a_repeated_frame_index_is_invalid(stub):
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.RecognizeKeypoints(with_poses([one_pose(0), one_pose(0)]), timeout=30)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "increasing frame_index" in error.value.details()


@pytest.mark.parametrize("without", ["missing-weights", "no-keypoints"])
async def test_a_service_without_a_keypoint_classifier_runs_and_says_so(
    action_weights, keypoint_weights, tmp_path, without
):
    settings = ActionSettings(
        port=0,
        backend="in_process",
        weights=action_weights,
        keypoint_weights=tmp_path / "none.safetensors"
        if without == "missing-weights"
        else keypoint_weights,
        keypoints=without != "no-keypoints",
    )
    async with serving(settings) as ready:
        classes = await ready.ListClasses(action_pb2.ListClassesRequest(), timeout=5)
        assert list(classes.exercise_ids) == EXERCISES
        assert list(classes.keypoint_classes) == []
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await ready.RecognizeKeypoints(request(), timeout=30)
        assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "without a keypoint classifier" in error.value.details()
        assert "Recognize" in error.value.details()


async def test_torchserve_down_is_unavailable():
    settings = ActionSettings(
        port=0, torchserve_url=f"http://127.0.0.1:{free_port()}", backend_timeout_seconds=5
    )
    async with serving(settings) as ready:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await ready.RecognizeKeypoints(request(frames=10), timeout=30)
        assert error.value.code() == grpc.StatusCode.UNAVAILABLE


def test_the_keypoint_settings_come_from_flags_or_the_environment(monkeypatch):
    monkeypatch.setenv("ACTION_KEYPOINT_TORCHSERVE_MODEL", "keypoints_v2")
    settings = ActionSettings.from_args(["--keypoint-weights", "w.safetensors", "--no-keypoints"])
    assert settings.keypoint_weights == Path("w.safetensors")
    assert settings.keypoint_torchserve_model == "keypoints_v2"
    assert settings.keypoints is False
    defaults = ActionSettings()
    assert defaults.keypoint_weights == Path("models/action/skeleton_tcn.safetensors")
    assert defaults.keypoints is True
