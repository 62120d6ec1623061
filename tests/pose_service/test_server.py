"""`fitness.v1.PoseEstimator` on a real gRPC server: poses per frame, tracking, other people in
view, bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import numpy as np
import pytest
import torch

from common.channels import open_channel
from common.fitness.v1 import common_pb2, pose_pb2, pose_pb2_grpc
from common.images import encode_image
from common.server import start_server
from common.torchserve import free_port
from common.video import VideoReader
from pose_service.detector import PeopleNet, save_detector
from pose_service.model import hrnet_compact
from pose_service.server import binding, create_backend, create_detector
from pose_service.settings import PoseSettings
from pose_service.train import save_checkpoint

Image = common_pb2.Image
REAL_CLIP = Path(__file__).resolve().parents[1] / "data" / "realclips" / "pose2sim_single_cam01.mp4"


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> Path:
    torch.manual_seed(5)
    path = tmp_path_factory.mktemp("pose") / "pose.safetensors"
    save_checkpoint(hrnet_compact(), "compact", (192, 256), path)
    return path


@pytest.fixture(scope="module")
def detector_weights(tmp_path_factory) -> Path:
    torch.manual_seed(6)
    path = tmp_path_factory.mktemp("detector") / "detector.safetensors"
    save_detector(PeopleNet(), 96, path)
    return path


@pytest.fixture
async def stub(weights, detector_weights) -> AsyncIterator[pose_pb2_grpc.PoseEstimatorStub]:
    settings = PoseSettings(
        port=0,
        backend="in_process",
        weights=weights,
        max_batch_size=8,
        detector_weights=detector_weights,
        people_every=3,
    )
    running = await start_server(settings, [binding(create_backend(settings), settings)])
    async with open_channel(f"127.0.0.1:{running.port}", max_attempts=1) as channel:
        yield pose_pb2_grpc.PoseEstimatorStub(channel)
    await running.stop(None)


def frame(index: int, width: int = 160, height: int = 120) -> common_pb2.Frame:
    pixels = np.random.default_rng(index).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return common_pb2.Frame(image=encode_image(pixels, Image.ENCODING_PNG), index=index)


async def estimate(stub, *requests: pose_pb2.EstimatePosesRequest) -> list:
    return [r async for r in stub.EstimatePoses(iter(requests), timeout=60)]


async def test_each_batch_gets_a_pose_per_frame_in_order(stub):
    batches = [
        pose_pb2.EstimatePosesRequest(frames=[frame(i) for i in range(s, s + 5)]) for s in (0, 5)
    ]
    responses = await estimate(stub, *batches)
    assert [[p.frame_index for p in r.poses] for r in responses] == [
        [0, 1, 2, 3, 4],
        [5, 6, 7, 8, 9],
    ]
    pose = responses[0].poses[0].pose
    assert len(pose.keypoints) == 17
    assert pose.box.width > 0
    assert 0.0 <= pose.score <= 1.0


async def test_every_third_frame_of_a_stream_is_checked_for_other_people(stub):
    batches = [
        pose_pb2.EstimatePosesRequest(frames=[frame(i) for i in range(s, s + 5)]) for s in (0, 5)
    ]
    responses = await estimate(stub, *batches)
    checked = [p.frame_index for r in responses for p in r.poses if p.HasField("others")]
    assert checked == [0, 3, 6, 9]


def test_without_the_check_and_following_no_detector_is_needed_and_a_missing_one_is_named(
    tmp_path, weights
):
    missing = tmp_path / "missing.safetensors"
    off = PoseSettings(
        weights=weights, detector_weights=missing, people_every=0, follow_detected=False
    )
    assert create_detector(off) is None
    for settings in (
        PoseSettings(weights=weights, detector_weights=missing),
        PoseSettings(weights=weights, detector_weights=missing, people_every=0),
    ):
        with pytest.raises(
            FileNotFoundError, match=r"no person detector .*--people-every 0 and --no-follow"
        ):
            create_detector(settings)


async def test_caller_boxes_are_used_as_given(stub):
    box = common_pb2.Box(x=10, y=5, width=60, height=100)
    responses = await estimate(stub, pose_pb2.EstimatePosesRequest(frames=[frame(0)], boxes=[box]))
    assert responses[0].poses[0].pose.box == box


async def test_the_same_frames_give_the_same_keypoints(stub):
    request = pose_pb2.EstimatePosesRequest(frames=[frame(3)])
    first, second = (await estimate(stub, request))[0], (await estimate(stub, request))[0]
    assert first == second


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (pose_pb2.EstimatePosesRequest(), "at least one frame"),
        (pose_pb2.EstimatePosesRequest(frames=[frame(i) for i in range(9)]), "over the cap of 8"),
        (
            pose_pb2.EstimatePosesRequest(
                frames=[
                    common_pb2.Frame(image=Image(encoding=Image.ENCODING_JPEG, data=b"not a jpeg"))
                ]
            ),
            "does not decode",
        ),
        (
            pose_pb2.EstimatePosesRequest(
                frames=[
                    common_pb2.Frame(
                        image=Image(
                            encoding=Image.ENCODING_RAW_RGB,
                            data=bytes(4 * 4 * 4),
                            width=4,
                            height=4,
                        )
                    )
                ]
            ),
            "channel count",
        ),
        (
            pose_pb2.EstimatePosesRequest(
                frames=[frame(0)], boxes=[common_pb2.Box(x=500, y=10, width=20, height=20)]
            ),
            "outside the 160x120 frame",
        ),
        (
            pose_pb2.EstimatePosesRequest(
                frames=[frame(0), frame(1)], boxes=[common_pb2.Box(x=1, y=1, width=20, height=20)]
            ),
            "1 boxes for 2 frames",
        ),
    ],
    ids=["empty", "over-cap", "undecodable", "wrong-channels", "box-outside", "box-count"],
)
async def test_bad_input_is_invalid_argument_with_a_message(stub, request_, message):
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await estimate(stub, request_)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in error.value.details()


async def test_model_info_names_the_backend(stub):
    info = await stub.GetModelInfo(pose_pb2.GetModelInfoRequest(), timeout=5)
    assert (info.backend, info.input_width, info.input_height) == ("in_process", 192, 256)
    assert info.max_batch_size == 8


async def test_torchserve_down_is_unavailable():
    settings = PoseSettings(
        port=0, torchserve_url=f"http://127.0.0.1:{free_port()}", backend_timeout_seconds=5
    )
    running = await start_server(settings, [binding(create_backend(settings), settings)])
    try:
        async with open_channel(f"127.0.0.1:{running.port}", max_attempts=1) as channel:
            stub = pose_pb2_grpc.PoseEstimatorStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as error:
                await estimate(stub, pose_pb2.EstimatePosesRequest(frames=[frame(0)]))
        assert error.value.code() == grpc.StatusCode.UNAVAILABLE
        assert "does not answer" in error.value.details()
    finally:
        await running.stop(None)


async def test_a_real_portrait_phone_frame_gets_a_pose(stub):
    with VideoReader(REAL_CLIP, max_side=640) as reader:
        first = next(iter(reader))
    request = pose_pb2.EstimatePosesRequest(
        frames=[common_pb2.Frame(image=encode_image(first.image), index=first.index)]
    )
    (response,) = await estimate(stub, request)
    pose = response.poses[0].pose
    assert len(pose.keypoints) == 17
    assert all(0 <= k.x <= 360 for k in pose.keypoints)
    assert all(0 <= k.y <= 640 for k in pose.keypoints)


def test_keypoints_beyond_the_frame_are_clamped_and_scores_stay_within_0_and_1():
    from pose_service.server import inside_frame

    keypoints = np.zeros((17, 3), np.float32)
    keypoints[:, :2] = 10.0
    keypoints[:, 2] = 0.8
    keypoints[0] = (-5.0, 10.0, 0.9)  # left of the frame
    keypoints[1] = (10.0, 10.0, 1.07)  # a heatmap maximum above 1
    result = inside_frame(keypoints, np.zeros((48, 64, 3), np.uint8))
    assert tuple(result[0]) == (0.0, 10.0, 0.0)
    assert result[1, 2] == 1.0
    assert result[2, 2] == np.float32(0.8)
