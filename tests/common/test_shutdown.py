"""Graceful shutdown: a real server process on SIGTERM and SIGINT, and the order of a stop."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest

from common.channels import open_channel
from common.fitness.v1 import scoring_pb2, scoring_pb2_grpc
from common.server import RunningServer

REPO_ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    """`python -m tests.common.doubles` in a child process, read line by line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.common.doubles", "--port", "0", *args],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: list[dict] = []
        started = self.wait_for(lambda line: "port" in line)
        self.port: int = started["port"]

    def wait_for(self, predicate: Callable[[dict], bool], timeout: float = 20.0) -> dict:
        """Reads the process's JSON log lines until one matches `predicate`."""
        deadline = time.monotonic() + timeout
        stdout = self.process.stdout
        assert stdout is not None
        while (remaining := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([stdout], [], [], remaining)
            if not ready:
                break
            raw = stdout.readline()
            if not raw:
                break
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                continue  # gRPC core's own diagnostics are not JSON
            self.lines.append(line)
            if predicate(line):
                return line
        raise AssertionError(f"no matching log line; saw {self.lines}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


async def refused_codes(
    address: str, request: scoring_pb2.ListExercisesRequest
) -> list[grpc.StatusCode]:
    """Calls a stopping server until it refuses with UNAVAILABLE; returns every status seen.

    A call that lands in the instant between the "stopping" line and the listener closing
    is cancelled rather than refused; no call may be served.
    """
    codes: list[grpc.StatusCode] = []
    for _ in range(30):
        async with open_channel(address, max_attempts=1) as channel:
            stub = scoring_pb2_grpc.KeypointScorerStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.ListExercises(request, timeout=5)
        codes.append(refused.value.code())
        if codes[-1] == grpc.StatusCode.UNAVAILABLE:
            break
        await asyncio.sleep(0.1)
    assert set(codes) <= {grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE}
    return codes


@pytest.fixture
def slow_server() -> Iterator[ServerProcess]:
    server = ServerProcess("--delay-seconds", "1.5", "--grace-seconds", "10")
    yield server
    server.stop()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
async def test_a_stop_signal_lets_the_running_call_finish_and_refuses_new_ones(
    slow_server: ServerProcess, stop_signal: signal.Signals
):
    address = f"127.0.0.1:{slow_server.port}"
    request = scoring_pb2.ListExercisesRequest()
    async with open_channel(address, max_attempts=1) as channel:
        stub = scoring_pb2_grpc.KeypointScorerStub(channel)
        running = asyncio.ensure_future(stub.ListExercises(request, timeout=10))
        await asyncio.to_thread(slow_server.wait_for, lambda line: "started" in line["message"])

        slow_server.process.send_signal(stop_signal)
        await asyncio.to_thread(slow_server.wait_for, lambda line: "stopping" in line["message"])

        codes = await refused_codes(address, request)
        assert codes[-1] == grpc.StatusCode.UNAVAILABLE

        finished = await running
        assert [e.id for e in finished.exercises] == ["BodyWeightSquats"]

    assert await asyncio.to_thread(slow_server.process.wait, 10) == 0
    call_line = slow_server.wait_for(lambda line: line.get("method", "").endswith("/ListExercises"))
    assert call_line["code"] == "OK"
    slow_server.wait_for(lambda line: line["message"] == "stopped")


async def test_calls_still_running_when_the_grace_period_ends_are_cancelled():
    server = ServerProcess("--delay-seconds", "30", "--grace-seconds", "0.5")
    try:
        async with open_channel(f"127.0.0.1:{server.port}", max_attempts=1) as channel:
            stub = scoring_pb2_grpc.KeypointScorerStub(channel)
            running = asyncio.ensure_future(
                stub.ListExercises(scoring_pb2.ListExercisesRequest(), timeout=20)
            )
            await asyncio.to_thread(server.wait_for, lambda line: "started" in line["message"])
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            with pytest.raises(grpc.aio.AioRpcError) as error:
                await running
            assert error.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)
        assert await asyncio.to_thread(server.process.wait, 10) == 0
        assert time.monotonic() - started < 10
    finally:
        server.stop()


class CallWhenStoppingIsLogged(logging.Handler):
    """Calls the server from another thread the moment it logs that it is stopping, holding
    the server's event loop meanwhile, as a process descheduled at that instant would."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port
        self.codes: list[grpc.StatusCode] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("stopping"):
            caller = threading.Thread(target=self._call)
            caller.start()
            caller.join()

    def _call(self) -> None:
        with grpc.insecure_channel(f"127.0.0.1:{self.port}") as channel:
            stub = scoring_pb2_grpc.KeypointScorerStub(channel)
            try:
                stub.ListExercises(scoring_pb2.ListExercisesRequest(), timeout=2)
                self.codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as error:
                self.codes.append(error.code())


async def test_a_call_made_once_stopping_is_logged_is_refused_even_before_the_loop_runs_again(
    double_server: RunningServer, caplog
):
    caller = CallWhenStoppingIsLogged(double_server.port)
    logger = logging.getLogger("common.server")
    logger.addHandler(caller)
    try:
        with caplog.at_level(logging.INFO, logger="common.server"):
            await double_server.stop(5)
    finally:
        logger.removeHandler(caller)
    assert caller.codes in ([grpc.StatusCode.UNAVAILABLE], [grpc.StatusCode.CANCELLED])
