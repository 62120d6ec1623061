"""`fitness.v1.ActionRecognizer` on a real gRPC server: top-k exercises and bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import numpy as np
import pytest

from action_service.classes import EXERCISES
from action_service.clips import TEST_CLIPS
from action_service.server import binding, create_backend
from action_service.settings import ActionSettings
from common.channels import open_channel
from common.fitness.v1 import action_pb2, action_pb2_grpc, common_pb2
from common.images import encode_image
from common.server import start_server
from common.torchserve import free_port

Image = common_pb2.Image


@pytest.fixture
async def stub(action_weights) -> AsyncIterator[action_pb2_grpc.ActionRecognizerStub]:
    settings = ActionSettings(port=0, backend="in_process", weights=action_weights, max_frames=40)
    running = await start_server(settings, [binding(create_backend(settings), settings)])
    async with open_channel(f"127.0.0.1:{running.port}", max_attempts=1) as channel:
        yield action_pb2_grpc.ActionRecognizerStub(channel)
    await running.stop(None)


def frames(
    start: int, count: int, width: int = 96, height: int = 72, fps: float = 25.0
) -> list[common_pb2.Frame]:
    rng = np.random.default_rng(start)
    return [
        common_pb2.Frame(
            image=encode_image(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)),
            index=start + i,
            timestamp_seconds=(start + i) / fps,
        )
        for i in range(count)
    ]


async def test_a_video_in_batches_gets_its_top_k_exercises(stub):
    requests = [
        action_pb2.RecognizeRequest(frames=frames(0, 10), top_k=2),
        action_pb2.RecognizeRequest(frames=frames(10, 10)),
    ]
    response = await stub.Recognize(iter(requests), timeout=60)
    assert len(response.top_k) == 2
    assert response.top_k[0].probability >= response.top_k[1].probability
    assert {p.exercise_id for p in response.top_k} <= set(EXERCISES)
    assert response.clips == TEST_CLIPS


async def test_a_60_fps_video_keeps_every_second_frame_before_clipping(stub):
    # 30 frames at 60 fps keep 15: fewer than one clip, so a single looped clip.
    request = action_pb2.RecognizeRequest(frames=frames(0, 30, fps=60.0))
    assert (await stub.Recognize(iter([request]), timeout=60)).clips == 1
    request = action_pb2.RecognizeRequest(frames=frames(0, 30, fps=30.0))
    assert (await stub.Recognize(iter([request]), timeout=60)).clips == TEST_CLIPS


async def test_a_declared_frame_rate_overrides_the_timestamps(stub):
    request = action_pb2.RecognizeRequest(frames=frames(0, 30, fps=30.0), fps=60.0)
    assert (await stub.Recognize(iter([request]), timeout=60)).clips == 1


async def test_the_classes_are_listed_in_model_order(stub):
    response = await stub.ListClasses(action_pb2.ListClassesRequest(), timeout=5)
    assert list(response.exercise_ids) == EXERCISES


@pytest.mark.parametrize(
    ("requests", "code", "message"),
    [
        ([action_pb2.RecognizeRequest()], grpc.StatusCode.INVALID_ARGUMENT, "no frames"),
        (
            [action_pb2.RecognizeRequest(frames=frames(0, 3) + frames(3, 3, width=64))],
            grpc.StatusCode.INVALID_ARGUMENT,
            "share one size",
        ),
        (
            [
                action_pb2.RecognizeRequest(
                    frames=[
                        common_pb2.Frame(image=Image(encoding=Image.ENCODING_PNG, data=b"junk"))
                    ]
                )
            ],
            grpc.StatusCode.INVALID_ARGUMENT,
            "does not decode",
        ),
        (
            [action_pb2.RecognizeRequest(frames=frames(0, 41))],
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "more than 40 frames",
        ),
    ],
    ids=["no-frames", "mixed-sizes", "undecodable", "too-many"],
)
async def test_bad_input_gets_a_clear_status(stub, requests, code, message):
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Recognize(iter(requests), timeout=30)
    assert error.value.code() == code
    assert message in error.value.details()


async def test_torchserve_down_is_unavailable():
    settings = ActionSettings(
        port=0, torchserve_url=f"http://127.0.0.1:{free_port()}", backend_timeout_seconds=5
    )
    running = await start_server(settings, [binding(create_backend(settings), settings)])
    try:
        async with open_channel(f"127.0.0.1:{running.port}", max_attempts=1) as channel:
            stub = action_pb2_grpc.ActionRecognizerStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as error:
                await stub.Recognize(
                    iter([action_pb2.RecognizeRequest(frames=frames(0, 2))]), timeout=30
                )
        assert error.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        await running.stop(None)
