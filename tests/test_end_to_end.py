"""The whole system as `fitness serve all` runs it: real TorchServe with the shipped pose and
action archives, the four services as separate processes on loopback (three pose replicas), TLS
on every hop (mutual between the services) and a bearer token at the gateway, the shipped
scoring indexes, and gym videos uploaded through the gateway."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format

from client.analyze import analyze_video
from client.certs import write_development_certificates
from client.cli import main
from client.stack import LocalStack, StackConfig, build_archives, log_tail
from common.channels import open_channel
from common.fitness.v1 import gateway_pb2, gateway_pb2_grpc
from common.security import ClientSecurity
from synth.dataset import render_clip

MODELS = Path(__file__).parents[1] / "models"
EXERCISE = "PushUps"
FAULT = {"sagging_hips": 1.0}
TOKEN = "end-to-end-token"
STAGE_POSE = gateway_pb2.Progress.Stage.STAGE_POSE


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
    write_development_certificates(folder / "certs")
    (folder / "tokens").write_text(f"{TOKEN}\n")
    config = StackConfig.on_free_ports(
        store,
        MODELS / "scoring",
        folder / "run",
        # Three: one is killed below, and a replica has been seen to crash on its own (SIGSEGV,
        # under investigation) in full test runs; the analyses must not depend on which.
        pose_replicas=3,
        tls_dir=folder / "certs",
        auth_tokens_file=folder / "tokens",
    )
    with LocalStack(config) as running:
        yield running


def gateway(stack: LocalStack) -> str:
    return stack.address(stack.config.gateway_port)


def caller(stack: LocalStack, token: str = TOKEN) -> ClientSecurity:
    """A caller that trusts the stack's CA and sends `token`."""
    return ClientSecurity(stack.client_security.ca, token=token)


def credentials(stack: LocalStack) -> grpc.ChannelCredentials | None:
    return caller(stack).credentials()


def test_a_gym_video_gets_its_exercise_and_only_sagging_hips_get_the_hips_cue(stack, videos):
    reports = {
        name: asyncio.run(analyze_video(path, gateway(stack), credentials=credentials(stack)))
        for name, path in videos.items()
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
    # Each service's log line for its call carries the analysis id the gateway passed on.
    for report in reports.values():
        for service in ("pose", "action", "scoring"):
            logs = [log.read_text() for log in stack.config.workdir.glob(f"{service}*.log")]
            assert any(f'"analysis_id": "{report.analysis_id}"' in log for log in logs), service


def test_several_videos_at_once_all_complete(stack, videos):
    async def analyse_all() -> list[gateway_pb2.Report]:
        paths = [videos["clean"], videos["faulty"], videos["clean"]]
        return await asyncio.gather(
            *(
                analyze_video(
                    path, gateway(stack), exercise_hint=EXERCISE, credentials=credentials(stack)
                )
                for path in paths
            )
        )

    reports = asyncio.run(analyse_all())
    assert [len(report.poses) > 0 for report in reports] == [True, True, True]
    assert reports[0].scores.overall == pytest.approx(reports[2].scores.overall, abs=1e-3)


def test_the_cli_coaches_a_video_streamed_live_and_writes_the_session_report(
    stack, videos, tmp_path, capsys
):
    out = tmp_path / "live.json"
    security = ["--tls-ca", str(stack.client_security.ca), "--token", TOKEN]
    argv = [*security, "live", "--video", str(videos["clean"]), "--gateway", gateway(stack)]
    with pytest.raises(SystemExit) as done:
        # Each frame once the one before is posed: every frame coached, however loaded the
        # machine (a realtime replay's drops are the gateway tests' subject).
        main([*argv, "--exercise", EXERCISE, "--no-realtime", "--no-window", "--json", str(out)])
    assert done.value.code == 0
    printed = capsys.readouterr().out
    assert "rep 1:" in printed
    assert "live:" in printed
    report = json_format.Parse(out.read_text(), gateway_pb2.Report())
    assert report.live.frames_posed == report.live.frames_received == report.video.frame_count
    assert report.live.frames_dropped == 0
    assert len(report.reps) == 2


async def upload(
    address: str,
    chunks: list[bytes],
    credentials: grpc.ChannelCredentials | None,
    size: int = 0,
) -> None:
    def requests() -> Iterator[gateway_pb2.AnalyzeVideoRequest]:
        metadata = gateway_pb2.VideoMetadata(file_name="upload.bin", size_bytes=size)
        yield gateway_pb2.AnalyzeVideoRequest(metadata=metadata)
        for chunk in chunks:
            yield gateway_pb2.AnalyzeVideoRequest(chunk=chunk)

    async with open_channel(address, max_attempts=1, credentials=credentials) as channel:
        stub = gateway_pb2_grpc.GatewayStub(channel)
        async for _ in stub.AnalyzeVideo(requests(), timeout=120):
            pass


def test_the_gateway_refuses_plaintext_tokenless_and_wrong_token_callers(stack, videos):
    address = gateway(stack)
    with pytest.raises(grpc.aio.AioRpcError) as plaintext:
        asyncio.run(analyze_video(videos["clean"], address))
    assert plaintext.value.code() == grpc.StatusCode.UNAVAILABLE
    for token in ("", "wrong-token"):
        secure = caller(stack, token).credentials()
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            asyncio.run(analyze_video(videos["clean"], address, credentials=secure))
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


def cpu_ticks(process: subprocess.Popen) -> int:
    """CPU time (user and system, in clock ticks) a process has used so far."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


async def busiest(processes: dict[str, subprocess.Popen]) -> str:
    """The process working hardest over the next moments (the replica serving a stream)."""
    for _ in range(20):
        before = {name: cpu_ticks(process) for name, process in processes.items()}
        await asyncio.sleep(0.2)
        spent = {name: cpu_ticks(process) - before[name] for name, process in processes.items()}
        ranked = sorted(spent, key=spent.get, reverse=True)
        if spent[ranked[0]] > spent[ranked[1]]:
            return ranked[0]
    raise AssertionError(f"no pose replica stands out as busy: {spent}")


def test_a_pose_replica_killed_mid_analysis_leaves_the_report_unchanged(stack, videos):
    address, secure = gateway(stack), credentials(stack)
    video = videos["faulty"]
    replicas = {name: process for name, process in stack.processes if name.startswith("pose")}
    assert len(replicas) == 3
    reference = asyncio.run(
        analyze_video(video, address, exercise_hint=EXERCISE, credentials=secure)
    )

    async def analyse_and_kill() -> tuple[gateway_pb2.Report, str]:
        posing = asyncio.Event()

        def on_event(event: gateway_pb2.AnalyzeVideoResponse) -> None:
            if event.WhichOneof("event") == "progress" and event.progress.stage == STAGE_POSE:
                posing.set()

        analysis = asyncio.create_task(
            analyze_video(
                video, address, exercise_hint=EXERCISE, credentials=secure, on_event=on_event
            )
        )
        await asyncio.wait_for(posing.wait(), 120)
        victim = await busiest(replicas)
        replicas[victim].send_signal(signal.SIGKILL)
        try:
            return await asyncio.wait_for(analysis, 300), victim
        except grpc.aio.AioRpcError as error:
            states = {name: process.poll() for name, process in replicas.items()}
            logs = {
                name: log_tail(stack.config.workdir / f"{name}.log")
                for name in (*replicas, "gateway")
            }
            raise AssertionError(f"killed {victim}; exit codes {states}; logs {logs}") from error

    report, victim = asyncio.run(analyse_and_kill())
    assert replicas[victim].wait(timeout=10) == -signal.SIGKILL
    log = (stack.config.workdir / "gateway.log").read_text()
    assert f"analysis {report.analysis_id}: the pose stream lost its replica" in log
    assert_same_report(report, reference)


def assert_same_report(report: gateway_pb2.Report, reference: gateway_pb2.Report) -> None:
    """Equal but for the analysis id and timings; keypoints to a hundredth of a pixel."""
    assert [p.frame_index for p in report.poses] == [p.frame_index for p in reference.poses]
    for pose, expected in zip(report.poses, reference.poses, strict=True):
        for keypoint, wanted in zip(pose.pose.keypoints, expected.pose.keypoints, strict=True):
            assert (keypoint.x, keypoint.y) == pytest.approx((wanted.x, wanted.y), abs=0.01)
    assert report.exercise == reference.exercise
    assert [(r.start_frame_index, r.end_frame_index) for r in report.reps] == [
        (r.start_frame_index, r.end_frame_index) for r in reference.reps
    ]
    assert [c for r in report.reps for c in r.scores.cues] == [
        c for r in reference.reps for c in r.scores.cues
    ]
    assert report.scores.overall == pytest.approx(reference.scores.overall, abs=1e-3)
    assert list(report.feedback) == list(reference.feedback)


def test_bad_uploads_and_stopped_pose_replicas_get_clear_statuses(stack, videos):
    address, secure = gateway(stack), credentials(stack)
    with pytest.raises(grpc.aio.AioRpcError) as not_video:
        asyncio.run(upload(address, [b"this is a text file, not a video"], secure))
    assert not_video.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as too_big:
        asyncio.run(upload(address, [], secure, size=10 * 1024**3))
    assert too_big.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # The gateway still serves.
    report = asyncio.run(
        analyze_video(videos["clean"], address, exercise_hint=EXERCISE, credentials=secure)
    )
    assert len(report.poses) > 0

    for name, process in stack.processes:
        if name.startswith("pose") and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    with pytest.raises(grpc.aio.AioRpcError) as down:
        asyncio.run(
            analyze_video(videos["clean"], address, exercise_hint=EXERCISE, credentials=secure)
        )
    assert down.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "pose service" in down.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as still_serving:
        asyncio.run(upload(address, [b"not a video either"], secure))
    assert still_serving.value.code() == grpc.StatusCode.INVALID_ARGUMENT
