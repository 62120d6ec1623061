"""Server bootstrap shared by every service: one way to build, run and stop a gRPC server.

Every server gets the product's interceptor (error mapping, a log line per call), message
size caps, `grpc.health.v1` and server reflection. `serve()` runs until SIGTERM or SIGINT,
then marks every service NOT_SERVING, refuses new calls and lets in-flight ones finish
within the grace period.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from common.interceptors import CallInterceptor
from common.logs import configure_logging
from common.settings import ServerSettings

logger = logging.getLogger(__name__)
SettingsT = TypeVar("SettingsT", bound=ServerSettings)

MIB = 1024 * 1024


@dataclass(frozen=True)
class ServiceBinding:
    """A servicer with its generated registration function and its proto descriptor."""

    descriptor: ServiceDescriptor
    servicer: Any
    add_to_server: Callable[[Any, grpc.aio.Server], None]

    @property
    def name(self) -> str:
        """Fully qualified service name, for example `fitness.v1.PoseEstimator`."""
        return self.descriptor.full_name


@dataclass
class RunningServer:
    """A started server with its bound port and health servicer."""

    server: grpc.aio.Server
    port: int
    health: health.aio.HealthServicer
    service_names: tuple[str, ...]

    async def set_serving(self, serving: bool, service: str | None = None) -> None:
        """Marks one service (or all, and the server as a whole) SERVING or NOT_SERVING."""
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if serving
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in (service,) if service else ("", *self.service_names):
            await self.health.set(name, status)

    async def stop(self, grace_seconds: float) -> None:
        """Reports NOT_SERVING, refuses new calls, waits up to `grace_seconds` for running ones."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace_seconds)


def server_options(settings: ServerSettings) -> list[tuple[str, Any]]:
    """Channel arguments for a server: message size caps and an exclusive port."""
    limit = settings.max_message_mb * MIB
    return [
        ("grpc.max_receive_message_length", limit),
        ("grpc.max_send_message_length", limit),
        # Without this, Linux lets a second server bind the same port silently.
        ("grpc.so_reuseport", 0),
    ]


async def start_server(
    settings: ServerSettings, bindings: Sequence[ServiceBinding], *, serving: bool = True
) -> RunningServer:
    """Builds and starts a server for `bindings` on `settings.address`.

    Args:
        settings: Where to listen and the server's limits.
        bindings: The services to host.
        serving: Report SERVING at once; pass False for a service that loads data first and
            calls `set_serving(True)` when ready.

    Raises:
        OSError: The address cannot be bound (in use, or not an address of this machine).
    """
    server = grpc.aio.server(
        interceptors=[CallInterceptor()],
        options=server_options(settings),
        maximum_concurrent_rpcs=settings.max_concurrent_rpcs or None,
    )
    for binding in bindings:
        binding.add_to_server(binding.servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = tuple(binding.name for binding in bindings)
    reflection.enable_server_reflection(
        (*names, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    try:
        port = server.add_insecure_port(settings.address)
    except RuntimeError as error:
        raise OSError(f"cannot listen on {settings.address}: {error}") from error
    await server.start()
    running = RunningServer(server, port, health_servicer, names)
    await running.set_serving(serving)
    return running


async def serve(
    settings: ServerSettings,
    bindings: Sequence[ServiceBinding],
    *,
    on_started: Callable[[RunningServer], Any] | None = None,
) -> None:
    """Runs a server until SIGTERM or SIGINT, then stops it gracefully.

    Args:
        settings: Where to listen and the server's limits.
        bindings: The services to host.
        on_started: Called (and awaited if it returns an awaitable) once the server listens,
            for example to load models and then report SERVING.
    """
    running = await start_server(settings, bindings, serving=on_started is None)
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop_requested.set)
    logger.info(
        "serving %s on %s:%d",
        ", ".join(running.service_names),
        settings.host,
        running.port,
        extra={"port": running.port, "services": list(running.service_names)},
    )
    if on_started is not None:
        result = on_started(running)
        if asyncio.iscoroutine(result):
            await result
    await stop_requested.wait()
    logger.info("stopping: in-flight calls have %.1f s to finish", settings.grace_seconds)
    await running.stop(settings.grace_seconds)
    logger.info("stopped")


def run_service(
    settings_type: type[SettingsT],
    run: Callable[[SettingsT], Awaitable[None]],
    argv: Sequence[str] | None,
    prog: str,
) -> None:
    """A service's `main`: its settings from flags over the environment (`argv`, or the
    process's arguments), JSON logs, then `run(settings)` until it returns. A port it cannot
    listen on or a file it cannot read ends the process with one logged line and status 1."""
    settings = settings_type.from_args(sys.argv[1:] if argv is None else argv, prog=prog)
    configure_logging(settings.log_level)
    try:
        asyncio.run(run(settings))
    except OSError as error:
        logger.error("%s: %s", prog, error)
        sys.exit(1)
