"""The whole system as `fitness serve all` runs it: real TorchServe with the shipped pose and
action archives, the four services as separate processes on loopback, the shipped scoring
indexes, and gym videos uploaded through the gateway."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format

from client.analyze import analyze_video
from client.cli import main
from client.stack import LocalStack, StackConfig, build_archives
from common.channels import open_channel
from common.fitness.v1 import gateway_pb2, gateway_pb2_grpc
from common.torchserve import free_port
from synth.dataset import render_clip

MODELS = Path(__file__).parents[1] / "models"
EXERCISE = "PushUps"
FAULT = {"sagging_hips": 1.0}


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> dict[str, Path]:
    """One performer's push-up set, clean and with badly sagging hips (same camera, timing)."""
    folder = tmp_path_factory.mktemp("videos")
    clean, faulty = folder / "clean.mp4", folder / "faulty.mp4"
    render_clip(EXERCISE, clean, seed=11, reps=2)
    render_clip(EXERCISE, faulty, seed=11, reps=2, faults=FAULT)
    return {"clean": clean, "faulty": faulty}


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[LocalStack]:
    folder = tmp_path_factory.mktemp("stack")
    store = folder / "model-store"
    build_archives(MODELS, store)
    ports = {name: free_port() for name in ("gateway", "pose", "action", "scoring")}
    config = StackConfig(
        model_store=store,
        index_dir=MODELS / "scoring",
        workdir=folder / "run",
        gateway_port=ports["gateway"],
        pose_port=ports["pose"],
        action_port=ports["action"],
        scoring_port=ports["scoring"],
    )
    with LocalStack(config) as running:
        yield running


def gateway(stack: LocalStack) -> str:
    return stack.address(stack.config.gateway_port)


def test_a_gym_video_gets_its_exercise_and_only_sagging_hips_get_the_hips_cue(stack, videos):
    reports = {
        name: asyncio.run(analyze_video(path, gateway(stack))) for name, path in videos.items()
    }
    cues = {}
    for name, report in reports.items():
        assert report.exercise.exercise_id == EXERCISE
        assert not report.exercise.from_hint
        assert len(report.poses) > 0
        assert len(report.reps) == 2
        cues[name] = [cue for rep in report.reps for cue in rep.scores.cues]
    assert any("hips sag" in cue for cue in cues["faulty"]), cues
    assert not any("hips sag" in cue for cue in cues["clean"]), cues


def test_several_videos_at_once_all_complete(stack, videos):
    async def analyse_all() -> list[gateway_pb2.Report]:
        paths = [videos["clean"], videos["faulty"], videos["clean"]]
        return await asyncio.gather(
            *(analyze_video(path, gateway(stack), exercise_hint=EXERCISE) for path in paths)
        )

    reports = asyncio.run(analyse_all())
    assert [len(report.poses) > 0 for report in reports] == [True, True, True]
    assert reports[0].scores.overall == pytest.approx(reports[2].scores.overall, abs=1e-3)


def test_the_cli_coaches_a_video_streamed_live_and_writes_the_session_report(
    stack, videos, tmp_path, capsys
):
    out = tmp_path / "live.json"
    argv = ["live", "--video", str(videos["clean"]), "--gateway", gateway(stack)]
    with pytest.raises(SystemExit) as done:
        main([*argv, "--exercise", EXERCISE, "--no-window", "--json", str(out)])
    assert done.value.code == 0
    printed = capsys.readouterr().out
    assert "rep 1:" in printed
    assert "live:" in printed
    report = json_format.Parse(out.read_text(), gateway_pb2.Report())
    assert report.live.frames_posed > 0
    assert len(report.reps) == 2


async def upload(address: str, chunks: list[bytes], size: int = 0) -> None:
    def requests() -> Iterator[gateway_pb2.AnalyzeVideoRequest]:
        metadata = gateway_pb2.VideoMetadata(file_name="upload.bin", size_bytes=size)
        yield gateway_pb2.AnalyzeVideoRequest(metadata=metadata)
        for chunk in chunks:
            yield gateway_pb2.AnalyzeVideoRequest(chunk=chunk)

    async with open_channel(address, max_attempts=1) as channel:
        stub = gateway_pb2_grpc.GatewayStub(channel)
        async for _ in stub.AnalyzeVideo(requests(), timeout=120):
            pass


def test_bad_uploads_and_a_stopped_pose_service_get_clear_statuses(stack, videos):
    address = gateway(stack)
    with pytest.raises(grpc.aio.AioRpcError) as not_video:
        asyncio.run(upload(address, [b"this is a text file, not a video"]))
    assert not_video.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as too_big:
        asyncio.run(upload(address, [], size=10 * 1024**3))
    assert too_big.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # The gateway still serves.
    report = asyncio.run(analyze_video(videos["clean"], address, exercise_hint=EXERCISE))
    assert len(report.poses) > 0

    pose = dict(stack.processes)["pose"]
    pose.send_signal(signal.SIGTERM)
    pose.wait(timeout=30)
    with pytest.raises(grpc.aio.AioRpcError) as down:
        asyncio.run(analyze_video(videos["clean"], address, exercise_hint=EXERCISE))
    assert down.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "pose service" in down.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as still_serving:
        asyncio.run(upload(address, [b"not a video either"]))
    assert still_serving.value.code() == grpc.StatusCode.INVALID_ARGUMENT
