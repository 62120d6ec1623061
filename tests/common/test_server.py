"""The server bootstrap: health, reflection, error statuses, limits, deadlines, logging."""

from __future__ import annotations

import asyncio
import json
import logging

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from common.channels import open_channel
from common.fitness.v1 import common_pb2, pose_pb2, pose_pb2_grpc, scoring_pb2, scoring_pb2_grpc
from common.interceptors import INTERNAL_ERROR_MESSAGE, MAX_MESSAGE_CHARS
from common.server import RunningServer, run_service, serve, server_options, start_server
from common.settings import ServerSettings
from tests.common.doubles import SlowScorer, scorer_binding

SCORER = "fitness.v1.KeypointScorer"


async def health_status(channel: grpc.aio.Channel, service: str = "") -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    response = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    return response.status


async def test_health_reports_serving_for_the_server_and_each_service(double_channel):
    assert await health_status(double_channel) == health_pb2.HealthCheckResponse.SERVING
    assert await health_status(double_channel, SCORER) == health_pb2.HealthCheckResponse.SERVING
    assert await health_status(double_channel, "fitness.v1.PoseEstimator") == (
        health_pb2.HealthCheckResponse.SERVING
    )


async def test_health_follows_a_service_marked_not_serving(
    double_server: RunningServer, double_channel
):
    await double_server.set_serving(False, SCORER)
    assert await health_status(double_channel, SCORER) == health_pb2.HealthCheckResponse.NOT_SERVING
    assert await health_status(double_channel) == health_pb2.HealthCheckResponse.SERVING


async def test_health_of_an_unknown_service_is_not_found(double_channel):
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await health_status(double_channel, "fitness.v1.Nothing")
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


async def reflection_request(
    channel: grpc.aio.Channel, request: reflection_pb2.ServerReflectionRequest
) -> reflection_pb2.ServerReflectionResponse:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    call = stub.ServerReflectionInfo(iter([request]), timeout=5)
    responses = [response async for response in call]
    assert len(responses) == 1
    return responses[0]


async def test_reflection_lists_the_hosted_services(double_channel):
    response = await reflection_request(
        double_channel, reflection_pb2.ServerReflectionRequest(list_services="")
    )
    names = {service.name for service in response.list_services_response.service}
    assert {SCORER, "fitness.v1.PoseEstimator", "grpc.health.v1.Health"} <= names


async def test_reflection_describes_a_service_method_by_method(double_channel):
    response = await reflection_request(
        double_channel, reflection_pb2.ServerReflectionRequest(file_containing_symbol=SCORER)
    )
    files = [
        descriptor_pb2.FileDescriptorProto.FromString(raw)
        for raw in response.file_descriptor_response.file_descriptor_proto
    ]
    scoring = next(f for f in files if f.name == "fitness/v1/scoring.proto")
    methods = {m.name for m in scoring.service[0].method}
    assert methods == {"Score", "ListExercises"}


async def test_a_product_error_ends_the_call_with_its_status_and_message(double_channel):
    stub = scoring_pb2_grpc.KeypointScorerStub(double_channel)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Score(scoring_pb2.ScoreRequest(exercise_id="Unknown"), timeout=5)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    assert "call ListExercises" in error.value.details()


async def test_a_message_quoting_a_huge_input_is_cut_and_keeps_its_status(double_channel):
    stub = scoring_pb2_grpc.KeypointScorerStub(double_channel)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Score(scoring_pb2.ScoreRequest(exercise_id="x" * 20_000), timeout=5)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    assert error.value.details().startswith("no exercise 'xxx")
    assert len(error.value.details()) == MAX_MESSAGE_CHARS
    assert error.value.details().endswith("…")


async def test_an_unexpected_exception_is_internal_and_logged_once_with_its_traceback(
    double_channel, caplog
):
    stub = scoring_pb2_grpc.KeypointScorerStub(double_channel)
    with caplog.at_level(logging.INFO), pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Score(scoring_pb2.ScoreRequest(exercise_id="Crash"), timeout=5)
    assert error.value.code() == grpc.StatusCode.INTERNAL
    assert error.value.details() == INTERNAL_ERROR_MESSAGE
    assert "a bug" not in error.value.details()
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    assert "a bug the caller must not see" in str(tracebacks[0].exc_info[1])


async def test_a_handler_abort_keeps_its_status(double_channel):
    stub = scoring_pb2_grpc.KeypointScorerStub(double_channel)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Score(scoring_pb2.ScoreRequest(exercise_id="Forbidden"), timeout=5)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_each_call_logs_one_line_with_method_status_and_duration(double_channel, caplog):
    stub = scoring_pb2_grpc.KeypointScorerStub(double_channel)
    metadata = (("x-analysis-id", "analysis-42"),)
    with caplog.at_level(logging.INFO, logger="common.interceptors"):
        await stub.ListExercises(scoring_pb2.ListExercisesRequest(), timeout=5, metadata=metadata)
        with pytest.raises(grpc.aio.AioRpcError):
            await stub.Score(scoring_pb2.ScoreRequest(exercise_id="Unknown"), timeout=5)
    lines = [r for r in caplog.records if r.name == "common.interceptors"]
    assert [(r.method, r.code) for r in lines] == [
        (f"/{SCORER}/ListExercises", "OK"),
        (f"/{SCORER}/Score", "NOT_FOUND"),
    ]
    assert lines[0].analysis_id == "analysis-42"
    assert all(r.duration_ms >= 0 for r in lines)


async def test_a_streaming_call_answers_each_batch_then_fails_on_a_bad_one(double_channel):
    stub = pose_pb2_grpc.PoseEstimatorStub(double_channel)
    frame = common_pb2.Frame(index=3)
    requests = [pose_pb2.EstimatePosesRequest(frames=[frame]), pose_pb2.EstimatePosesRequest()]
    call = stub.EstimatePoses(iter(requests), timeout=5)
    first = await call.read()
    assert [p.frame_index for p in first.poses] == [3]
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call.read()
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "at least one frame" in error.value.details()


async def test_an_unknown_method_is_unimplemented(double_channel):
    call = double_channel.unary_unary("/fitness.v1.KeypointScorer/Nothing")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call(b"", timeout=5)
    assert error.value.code() == grpc.StatusCode.UNIMPLEMENTED


async def test_a_message_over_the_size_cap_is_refused_as_resource_exhausted():
    running = await start_server(
        ServerSettings(port=0, max_message_mb=1), [scorer_binding(SlowScorer())]
    )
    try:
        async with open_channel(f"127.0.0.1:{running.port}", max_attempts=1) as channel:
            stub = scoring_pb2_grpc.KeypointScorerStub(channel)
            pose = common_pb2.FramePose(
                pose=common_pb2.Pose(keypoints=[common_pb2.Keypoint()] * 17)
            )
            big = scoring_pb2.ScoreRequest(exercise_id="x" * (1024 * 1024 + 1), poses=[pose])
            with pytest.raises(grpc.aio.AioRpcError) as error:
                await stub.Score(big, timeout=5)
            assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            small = await stub.Score(scoring_pb2.ScoreRequest(exercise_id="ok"), timeout=5)
            assert small.exercise_id == "ok"
    finally:
        await running.stop(None)


async def test_a_call_past_its_deadline_is_cancelled_on_the_server(
    slow_scorer, double_channel, caplog
):
    slow_scorer.delay_seconds = 3.0
    stub = scoring_pb2_grpc.KeypointScorerStub(double_channel)
    with caplog.at_level(logging.INFO, logger="common.interceptors"):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.ListExercises(scoring_pb2.ListExercisesRequest(), timeout=0.3)
        assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        for _ in range(50):  # the server notices the expiry on its own clock
            if any(r.name == "common.interceptors" for r in caplog.records):
                break
            await asyncio.sleep(0.05)
    lines = [r for r in caplog.records if r.name == "common.interceptors"]
    assert [r.code for r in lines] == ["DEADLINE_EXCEEDED"]
    assert lines[0].duration_ms < 2000
    slow_scorer.delay_seconds = 0.0
    await stub.ListExercises(scoring_pb2.ListExercisesRequest(), timeout=5)


async def test_calls_over_the_concurrency_cap_are_refused():
    running = await start_server(
        ServerSettings(port=0, max_concurrent_rpcs=1), [scorer_binding(SlowScorer(1.0))]
    )
    try:
        async with open_channel(f"127.0.0.1:{running.port}", max_attempts=1) as channel:
            stub = scoring_pb2_grpc.KeypointScorerStub(channel)
            request = scoring_pb2.ListExercisesRequest()
            results = await asyncio.gather(
                stub.ListExercises(request, timeout=5),
                stub.ListExercises(request, timeout=5),
                return_exceptions=True,
            )
        refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
        assert len(refused) == 1
        assert refused[0].code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        await running.stop(None)


async def test_a_port_in_use_fails_loudly(double_server: RunningServer):
    with pytest.raises(OSError, match="cannot listen"):
        await start_server(ServerSettings(port=double_server.port), [scorer_binding(SlowScorer())])


def test_a_service_on_a_port_in_use_exits_with_status_1_and_one_logged_line(
    double_server: RunningServer, capsys
):
    async def run(settings: ServerSettings) -> None:
        await serve(settings, [scorer_binding(SlowScorer())])

    argv = ["--host", "127.0.0.1", "--port", str(double_server.port)]
    with pytest.raises(SystemExit) as exit_info:
        run_service(ServerSettings, run, argv, prog="fitness serve scoring")
    assert exit_info.value.code == 1
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [entry["severity"] for entry in logged] == ["ERROR"]
    assert logged[0]["message"].startswith("fitness serve scoring: cannot listen on")


def test_a_connection_age_asks_clients_to_reconnect_and_none_is_set_by_default():
    aged = dict(server_options(ServerSettings(max_connection_age_seconds=300)))
    assert aged["grpc.max_connection_age_ms"] == 300_000
    assert "grpc.max_connection_age_ms" not in dict(server_options(ServerSettings()))
