"""Prometheus metrics: every call counted and timed, the gateway's slots, the /metrics endpoint.

The metrics live in the process's default registry, shared by every test of the session:
the in-process tests assert on how much a value moved, never on the value itself.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from common.channels import open_channel
from common.errors import LimitExceededError
from common.fitness.v1 import scoring_pb2, scoring_pb2_grpc
from common.metrics import start_metrics_server
from common.server import run_service, serve
from common.settings import ServerSettings
from common.torchserve import free_port
from gateway.server import Gateway
from gateway.settings import GatewaySettings
from tests.common.doubles import SlowScorer, scorer_binding
from tests.common.test_shutdown import ServerProcess

SCORER = "/fitness.v1.KeypointScorer"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Samples:
    """Every sample at `url`, by name and labels."""
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 for a series not yet created."""
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def metrics_url() -> Iterator[str]:
    server = start_metrics_server("127.0.0.1", free_port())
    yield f"http://127.0.0.1:{server.port}/metrics"
    server.stop()


async def test_each_call_is_counted_by_method_and_status_code_and_timed(
    double_channel, metrics_url
):
    stub = scoring_pb2_grpc.KeypointScorerStub(double_channel)
    before = await asyncio.to_thread(scrape, metrics_url)
    await stub.ListExercises(scoring_pb2.ListExercisesRequest(), timeout=5)
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.Score(scoring_pb2.ScoreRequest(exercise_id="Unknown"), timeout=5)
    after = await asyncio.to_thread(scrape, metrics_url)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    listed, scored = f"{SCORER}/ListExercises", f"{SCORER}/Score"
    assert moved("fitness_grpc_calls_total", method=listed, code="OK") == 1
    assert moved("fitness_grpc_calls_total", method=scored, code="NOT_FOUND") == 1
    assert moved("fitness_grpc_calls_total", method=scored, code="OK") == 0
    assert moved("fitness_grpc_call_seconds_count", method=listed) == 1
    assert moved("fitness_grpc_call_seconds_count", method=scored) == 1
    assert moved("fitness_grpc_call_seconds_bucket", method=listed, le="300.0") == 1
    assert 0 < moved("fitness_grpc_call_seconds_sum", method=listed) < 5


def test_the_endpoint_shows_every_frame_stage_from_the_start(metrics_url):
    samples = scrape(metrics_url)
    for stage in ("decoded", "posed", "scored"):
        assert ("fitness_frames_total", frozenset({("stage", stage)})) in samples


def test_a_stopped_endpoint_refuses_connections():
    server = start_metrics_server("127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.port}/metrics"
    assert scrape(url)
    server.stop()
    with pytest.raises(urllib.error.URLError):
        scrape(url)


def gateway_gauges() -> tuple[float, float]:
    """(analyses in flight, analyses queued)."""
    return (
        REGISTRY.get_sample_value("fitness_analyses_in_flight") or 0.0,
        REGISTRY.get_sample_value("fitness_analyses_queued") or 0.0,
    )


def one_slot_gateway(tmp_path: Path, queue_seconds: float) -> Gateway:
    settings = GatewaySettings(
        max_analyses=1, queue_seconds=queue_seconds, fusion=tmp_path / "no-fusion.json"
    )
    return Gateway(backends=None, settings=settings)  # the slots never call a backend


async def test_the_gateway_gauges_count_analyses_running_and_waiting(tmp_path: Path):
    gateway = one_slot_gateway(tmp_path, queue_seconds=10)
    in_flight, queued = gateway_gauges()
    second_started, second_done = asyncio.Event(), asyncio.Event()

    async def second_analysis() -> None:
        async with gateway._slot():
            second_started.set()
            await second_done.wait()

    async with gateway._slot():
        assert gateway_gauges() == (in_flight + 1, queued)
        second = asyncio.create_task(second_analysis())
        await asyncio.sleep(0.05)
        assert gateway_gauges() == (in_flight + 1, queued + 1)
    await asyncio.wait_for(second_started.wait(), 5)
    assert gateway_gauges() == (in_flight + 1, queued)
    second_done.set()
    await second
    assert gateway_gauges() == (in_flight, queued)


async def test_an_analysis_that_waited_in_vain_leaves_the_queue(tmp_path: Path):
    gateway = one_slot_gateway(tmp_path, queue_seconds=0.05)
    in_flight, queued = gateway_gauges()
    async with gateway._slot():
        with pytest.raises(LimitExceededError):
            async with gateway._slot():
                pass
        assert gateway_gauges() == (in_flight + 1, queued)
    assert gateway_gauges() == (in_flight, queued)


def test_no_metrics_port_is_set_by_default():
    assert ServerSettings().metrics_port is None
    assert ServerSettings.from_args(["--metrics-port", "9464"]).metrics_port == 9464


async def test_a_server_process_serves_its_metrics_until_it_stops():
    server = ServerProcess("--metrics-port", str(free_port()))
    try:
        port = server.wait_for(lambda line: "metrics_port" in line)["metrics_port"]
        url = f"http://127.0.0.1:{port}/metrics"
        async with open_channel(f"127.0.0.1:{server.port}", max_attempts=1) as channel:
            stub = scoring_pb2_grpc.KeypointScorerStub(channel)
            await stub.ListExercises(scoring_pb2.ListExercisesRequest(), timeout=5)
        samples = await asyncio.to_thread(scrape, url)
        listed = f"{SCORER}/ListExercises"
        assert value(samples, "fitness_grpc_calls_total", method=listed, code="OK") == 1
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=20) == 0
    finally:
        server.stop()


def test_a_server_process_without_a_metrics_port_serves_no_metrics():
    server = ServerProcess()
    try:
        server.process.send_signal(signal.SIGTERM)
        server.wait_for(lambda line: line.get("message") == "stopped")
        assert not [line for line in server.lines if "metrics_port" in line]
    finally:
        server.stop()


def test_a_metrics_port_in_use_ends_the_service_with_one_error_line(capsys):
    async def run(settings: ServerSettings) -> None:
        await serve(settings, [scorer_binding(SlowScorer())])

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        argv = ["--port", "0", "--metrics-port", str(taken.getsockname()[1])]
        with pytest.raises(SystemExit) as exit_info:
            run_service(ServerSettings, run, argv, prog="fitness serve scoring")
    assert exit_info.value.code == 1
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    errors = [entry["message"] for entry in logged if entry["severity"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0].startswith("fitness serve scoring: cannot serve metrics on 127.0.0.1:")
