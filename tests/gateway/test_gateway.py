"""`fitness.v1.Gateway` over real pose, action and scoring servers on loopback (in-process
models): uploads in, events out, clear statuses for bad uploads and broken backends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from action_service.classes import NONE
from client.analyze import upload_requests
from common.channels import open_channel
from common.fitness.v1 import gateway_pb2, gateway_pb2_grpc
from common.server import start_server
from gateway.fusion import Fusion
from gateway.server import binding as gateway_binding
from gateway.server import open_backends
from gateway.settings import GatewaySettings
from synth.dataset import render_clip
from tests.gateway.system import running_system

REALCLIPS = Path(__file__).parents[1] / "data" / "realclips"
KIND_OTHER_PEOPLE = gateway_pb2.CaptureWarning.Kind.KIND_OTHER_PEOPLE


def squat_video(tiny_ucf: Path) -> Path:
    return sorted(tiny_ucf.glob("BodyWeightSquats/*.mp4"))[0]


async def analyse(
    stub: gateway_pb2_grpc.GatewayStub,
    requests: Iterator[gateway_pb2.AnalyzeVideoRequest],
    deadline_seconds: float = 120,
) -> list[gateway_pb2.AnalyzeVideoResponse]:
    return [event async for event in stub.AnalyzeVideo(requests, timeout=deadline_seconds)]


def kinds(events: list[gateway_pb2.AnalyzeVideoResponse]) -> list[str]:
    return [event.WhichOneof("event") for event in events]


async def test_a_hinted_video_is_accepted_posed_scored_and_reported(system, tiny_ucf):
    video = squat_video(tiny_ucf)
    options = gateway_pb2.AnalysisOptions(stream_frame_scores=True, sample_fps=10)
    events = await analyse(system.stub, upload_requests(video, "BodyWeightSquats", options))
    assert kinds(events)[0] == "progress"  # the upload's
    assert "accepted" in kinds(events)
    assert kinds(events)[-1] == "report"
    report = events[-1].report
    assert report.exercise.exercise_id == "BodyWeightSquats"
    assert report.exercise.from_hint
    assert report.file_name == video.name
    assert len(report.poses) > 0
    assert len(report.poses[0].pose.keypoints) == 17
    assert 0 <= report.scores.overall <= 100
    assert report.feedback
    posed = {pose.frame_index for pose in report.poses}
    for rep in report.reps:  # whatever the tiny clip's poses give, reps are posed frames
        assert {rep.start_frame_index, rep.turn_frame_index, rep.end_frame_index} <= posed
    stages = {event.progress.stage for event in events if event.WhichOneof("event") == "progress"}
    Stage = gateway_pb2.Progress.Stage
    assert {Stage.STAGE_UPLOAD, Stage.STAGE_DECODE, Stage.STAGE_POSE, Stage.STAGE_SCORE} <= stages
    streamed = [f.frame_index for e in events if e.WhichOneof("event") == "frame_scores"
                for f in e.frame_scores.frames]  # fmt: skip
    assert streamed == [frame.frame_index for frame in report.scores.frames]


async def test_poses_come_back_in_the_videos_own_pixels(system, tiny_ucf):
    video = squat_video(tiny_ucf)
    events = await analyse(system.stub, upload_requests(video, "BodyWeightSquats", None))
    report = events[-1].report
    width, height = report.video.width, report.video.height
    for pose in report.poses:
        assert all(0 <= k.x <= width and 0 <= k.y <= height for k in pose.pose.keypoints)


Recognizer = gateway_pb2.Recognizer
Verdict = gateway_pb2.ExerciseRecognized.Verdict


def recognised(events: list[gateway_pb2.AnalyzeVideoResponse]) -> gateway_pb2.ExerciseRecognized:
    [exercise] = [e.exercise for e in events if e.WhichOneof("event") == "exercise"]
    return exercise


async def test_without_a_hint_both_recognisers_are_fused_then_the_exercise_scored(system, tiny_ucf):
    events = await analyse(system.stub, upload_requests(squat_video(tiny_ucf), "", None))
    exercise = recognised(events)
    assert not exercise.from_hint
    assert exercise.verdict == Verdict.VERDICT_RECOGNIZED
    assert exercise.recognizer == Recognizer.RECOGNIZER_FUSED
    assert exercise.exercise_id == "BodyWeightSquats"
    assert exercise.confidence > 0.99
    assert len(exercise.top_k) == 3
    assert [a.recognizer for a in exercise.answers] == [
        Recognizer.RECOGNIZER_VIDEO,
        Recognizer.RECOGNIZER_KEYPOINTS,
    ]
    assert all(a.model_name and a.top_k[0].exercise_id == "BodyWeightSquats"
               for a in exercise.answers)  # fmt: skip
    assert events[-1].report.scores.exercise_id == "BodyWeightSquats"


@pytest.mark.parametrize(
    ("choice", "answering"),
    [(Recognizer.RECOGNIZER_VIDEO, Recognizer.RECOGNIZER_VIDEO),
     (Recognizer.RECOGNIZER_KEYPOINTS, Recognizer.RECOGNIZER_KEYPOINTS)],
)  # fmt: skip
async def test_either_recogniser_alone_can_be_chosen(system, tiny_ucf, choice, answering):
    options = gateway_pb2.AnalysisOptions(recognizer=choice)
    events = await analyse(system.stub, upload_requests(squat_video(tiny_ucf), "", options))
    exercise = recognised(events)
    assert exercise.recognizer == choice
    assert [a.recognizer for a in exercise.answers] == [answering]
    assert exercise.exercise_id == "BodyWeightSquats"
    assert events[-1].report.scores.exercise_id == "BodyWeightSquats"


async def test_a_video_of_none_of_the_exercises_is_reported_without_scores(models, tiny_ucf):
    async with running_system(models, models.none) as system:
        options = gateway_pb2.AnalysisOptions(stream_frame_scores=True)
        events = await analyse(system.stub, upload_requests(squat_video(tiny_ucf), "", options))
    exercise = recognised(events)
    assert exercise.verdict == Verdict.VERDICT_NONE
    assert exercise.exercise_id == ""
    assert exercise.top_k[0].exercise_id == NONE
    assert "none of the exercises" in exercise.reason
    report = events[-1].report
    assert not report.HasField("scores")
    assert "frame_scores" not in kinds(events)
    assert report.feedback == [exercise.reason]
    assert len(report.poses) > 0


async def test_recognisers_unsure_of_the_exercise_give_an_uncertain_report(
    models, tiny_ucf, tmp_path
):
    flat = Fusion(video_temperature=100.0, keypoint_temperature=100.0).save(
        tmp_path / "fusion.json"
    )
    async with running_system(models, models.squats, flat) as system:
        events = await analyse(system.stub, upload_requests(squat_video(tiny_ucf), "", None))
    exercise = recognised(events)
    assert exercise.verdict == Verdict.VERDICT_UNCERTAIN
    assert exercise.confidence < 0.5
    assert "could not tell" in exercise.reason
    assert not events[-1].report.HasField("scores")


async def test_without_a_keypoint_model_fusion_falls_back_to_the_3d_resnet(models, tiny_ucf):
    async with running_system(models, None) as system:
        events = await analyse(system.stub, upload_requests(squat_video(tiny_ucf), "", None))
        exercise = recognised(events)
        assert exercise.verdict == Verdict.VERDICT_RECOGNIZED
        assert exercise.recognizer == Recognizer.RECOGNIZER_VIDEO
        assert [a.recognizer for a in exercise.answers] == [Recognizer.RECOGNIZER_VIDEO]
        options = gateway_pb2.AnalysisOptions(recognizer=Recognizer.RECOGNIZER_KEYPOINTS)
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await analyse(system.stub, upload_requests(squat_video(tiny_ucf), "", options))
    assert failure.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert failure.value.details().startswith("action service")


async def test_several_videos_at_once_all_complete(system, tiny_ucf):
    videos = sorted(tiny_ucf.glob("*/*.mp4"))[:3]
    hints = [video.parent.name for video in videos]
    results = await asyncio.gather(
        *(
            analyse(system.stub, upload_requests(v, h, None))
            for v, h in zip(videos, hints, strict=True)
        )
    )
    assert [events[-1].report.exercise.exercise_id for events in results] == hints


def raw_requests(metadata: gateway_pb2.VideoMetadata | None, *chunks: bytes):
    if metadata is not None:
        yield gateway_pb2.AnalyzeVideoRequest(metadata=metadata)
    for chunk in chunks:
        yield gateway_pb2.AnalyzeVideoRequest(chunk=chunk)


BAD_UPLOADS = [
    pytest.param(
        lambda: raw_requests(gateway_pb2.VideoMetadata(file_name="notes.txt"), b"not a video"),
        grpc.StatusCode.INVALID_ARGUMENT,
        "not a decodable video",
        id="not-a-video",
    ),
    pytest.param(
        lambda: raw_requests(None, b"\x00" * 100),
        grpc.StatusCode.INVALID_ARGUMENT,
        "metadata",
        id="no-metadata",
    ),
    pytest.param(
        lambda: raw_requests(gateway_pb2.VideoMetadata(file_name="empty.mp4")),
        grpc.StatusCode.INVALID_ARGUMENT,
        "no video bytes",
        id="no-bytes",
    ),
    pytest.param(
        lambda: raw_requests(gateway_pb2.VideoMetadata(size_bytes=3 * 1024 * 1024)),
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "limit",
        id="declared-too-big",
    ),
    pytest.param(
        lambda: raw_requests(gateway_pb2.VideoMetadata(), *([b"\x00" * 1024 * 1024] * 3)),
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "limit",
        id="sent-too-much",
    ),
    pytest.param(
        lambda: raw_requests(gateway_pb2.VideoMetadata(size_bytes=10), b"\x00" * 11),
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "declared",
        id="over-declared",
    ),
    pytest.param(
        lambda: raw_requests(gateway_pb2.VideoMetadata(size_bytes=12), b"\x00" * 11),
        grpc.StatusCode.INVALID_ARGUMENT,
        "11 of the 12 bytes it declared",
        id="under-declared",
    ),
]


@pytest.mark.parametrize(("requests", "code", "message"), BAD_UPLOADS)
async def test_bad_uploads_get_a_clear_status(system, requests, code, message):
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await analyse(system.stub, requests())
    assert failure.value.code() == code
    assert message in failure.value.details()


async def test_after_every_kind_of_bad_upload_the_gateway_keeps_serving(system, tiny_ucf):
    for case in BAD_UPLOADS:
        requests, code, _ = case.values
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await analyse(system.stub, requests())
        assert failure.value.code() == code
    events = await analyse(
        system.stub, upload_requests(squat_video(tiny_ucf), "BodyWeightSquats", None)
    )
    assert kinds(events)[-1] == "report"


async def test_an_unknown_exercise_hint_is_not_found(system, tiny_ucf):
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await analyse(system.stub, upload_requests(squat_video(tiny_ucf), "Yoga", None))
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND
    assert "scoring service" in failure.value.details()


async def test_a_hinted_exercise_without_an_index_is_refused_before_any_pose_work(system, tiny_ucf):
    # The tiny set has no jumping jacks: the catalogued exercise has no index.
    events: list[gateway_pb2.AnalyzeVideoResponse] = []

    async def collect() -> None:
        requests = upload_requests(squat_video(tiny_ucf), "JumpingJack", None)
        async for event in system.stub.AnalyzeVideo(requests, timeout=60):
            events.append(event)

    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await collect()
    assert failure.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "no index built for JumpingJack" in failure.value.details()
    stages = {e.progress.stage for e in events if e.WhichOneof("event") == "progress"}
    assert gateway_pb2.Progress.Stage.STAGE_POSE not in stages


async def test_a_stopped_pose_service_is_unavailable_and_named(system, tiny_ucf):
    await system.pose.stop(None)
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await analyse(system.stub, upload_requests(squat_video(tiny_ucf), "BodyWeightSquats", None))
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "pose service" in failure.value.details()


async def test_a_deadline_too_short_for_the_analysis_is_exceeded(system, tiny_ucf):
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await analyse(
            system.stub, upload_requests(squat_video(tiny_ucf), "BodyWeightSquats", None), 0.5
        )
    assert failure.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


async def test_a_video_over_the_resolution_limit_is_refused(system, tmp_path):
    from tests.common.clips import write_clip

    video = tmp_path / "wide.mp4"
    write_clip(video, frames=3, width=2048, height=64)
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await analyse(system.stub, upload_requests(video, "BodyWeightSquats", None))
    assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "1920" in failure.value.details()


@pytest.mark.parametrize("clip", sorted(p.name for p in REALCLIPS.glob("*.mp4")))
async def test_a_real_portrait_60_fps_phone_clip_gets_a_report(system, clip):
    options = gateway_pb2.AnalysisOptions(sample_fps=2)
    events = await analyse(
        system.stub, upload_requests(REALCLIPS / clip, "BodyWeightSquats", options), 300
    )
    report = events[-1].report
    assert report.video.height > report.video.width  # portrait, upright
    assert len(report.poses) > 0


@pytest.fixture(scope="module")
def squats_filmed(tmp_path_factory) -> dict[str, Path]:
    """A squat set with a second person standing in view the whole time, and one alone."""
    folder = tmp_path_factory.mktemp("people")
    videos = {"two people": folder / "two.mp4", "alone": folder / "alone.mp4"}
    for seed, path in zip((48, 16), videos.values(), strict=True):
        render_clip("BodyWeightSquats", path, seed=seed, reps=2, size=(320, 240))
    return videos


async def test_a_second_person_in_view_is_warned_about_and_a_person_alone_is_not(
    system, squats_filmed
):
    warned = {}
    for name, video in squats_filmed.items():
        options = gateway_pb2.AnalysisOptions(sample_fps=10)
        events = await analyse(system.stub, upload_requests(video, "BodyWeightSquats", options))
        report = events[-1].report
        warned[name] = [w.kind for w in report.warnings if w.kind == KIND_OTHER_PEOPLE]
    assert warned == {"two people": [KIND_OTHER_PEOPLE], "alone": []}


async def test_a_real_clip_with_someone_in_the_background_is_warned_about(system):
    options = gateway_pb2.AnalysisOptions(sample_fps=10)
    video = REALCLIPS / "pose2sim_single_cam01.mp4"
    events = await analyse(system.stub, upload_requests(video, "BodyWeightSquats", options), 300)
    warnings = [w for w in events[-1].report.warnings if w.kind == KIND_OTHER_PEOPLE]
    assert len(warnings) == 1, events[-1].report.warnings


async def test_sequential_orchestration_gives_the_same_report(system, tiny_ucf):
    settings = GatewaySettings(
        port=0,
        pose_targets=f"127.0.0.1:{system.pose.port}",
        action_targets=f"127.0.0.1:{system.action.port}",
        scoring_targets=f"127.0.0.1:{system.scoring.port}",
        orchestration="sequential",
    )
    backends, channels = open_backends(settings)
    sequential = await start_server(settings, [gateway_binding(backends, settings)])
    try:
        async with open_channel(f"127.0.0.1:{sequential.port}", max_attempts=1) as channel:
            stub = gateway_pb2_grpc.GatewayStub(channel)
            one_by_one = await analyse(stub, upload_requests(squat_video(tiny_ucf), "", None))
    finally:
        await sequential.stop(None)
        for channel in channels:
            await channel.close()
    at_once = await analyse(system.stub, upload_requests(squat_video(tiny_ucf), "", None))
    first, second = one_by_one[-1].report, at_once[-1].report
    assert first.exercise.exercise_id == second.exercise.exercise_id
    assert list(first.poses) == list(second.poses)
    assert first.scores.overall == pytest.approx(second.scores.overall, abs=1e-4)


async def test_a_real_clip_without_a_hint_gets_a_verdict_and_a_report(models):
    clip = sorted(REALCLIPS.glob("*.mp4"))[0]
    async with running_system(models, models.none) as system:
        options = gateway_pb2.AnalysisOptions(sample_fps=2)
        events = await analyse(system.stub, upload_requests(clip, "", options), 300)
    assert recognised(events).verdict == Verdict.VERDICT_NONE
    report = events[-1].report
    assert len(report.poses) > 0
    assert not report.HasField("scores")
