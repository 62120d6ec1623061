"""Server bootstrap shared by every service: one way to build, run and stop a gRPC server.

Every server gets the product's interceptor (error mapping, a log line per call), message
size caps, `grpc.health.v1` and server reflection. `serve()` runs until SIGTERM or SIGINT,
then marks every service NOT_SERVING, refuses new calls and lets in-flight ones finish
within the grace period.
"""

from __future__ import annotations

import asyncio
import faulthandler
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
from common.metrics import start_metrics_server
from common.security import server_credentials
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
    health_server: grpc.aio.Server | None = None  # the plaintext health port's, if any

    async def set_serving(self, serving: bool, service: str | None = None) -> None:
        """Marks one service (or all, and the server as a whole) SERVING or NOT_SERVING."""
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if serving
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in (service,) if service else ("", *self.service_names):
            await self.health.set(name, status)

    async def stop(self, grace_seconds: float | None) -> None:
        """Refuses new calls at once, logs that it is stopping, reports NOT_SERVING (to the
        health port, which stays open meanwhile) and waits up to `grace_seconds` for running
        calls (None: cancels them)."""
        # The shutdown's first step calls gRPC core's shutdown, which refuses new calls (the
        # port itself closes a moment later). It runs before anything else is awaited, and the
        # "stopping" line comes after it: a client that reads the line and calls at once is
        # refused, never served.
        shutdown = asyncio.ensure_future(self.server.stop(grace_seconds))
        await asyncio.sleep(0)
        if grace_seconds is None:
            logger.info("stopping: in-flight calls are cancelled")
        else:
            logger.info("stopping: in-flight calls have %.1f s to finish", grace_seconds)
        await asyncio.gather(shutdown, self.health.enter_graceful_shutdown())
        if self.health_server is not None:
            await self.health_server.stop(None)


def server_options(settings: ServerSettings) -> list[tuple[str, Any]]:
    """Channel arguments for a server: message size caps, an exclusive port and, when set, a
    connection age after which clients reconnect."""
    limit = settings.max_message_mb * MIB
    options: list[tuple[str, Any]] = [
        ("grpc.max_receive_message_length", limit),
        ("grpc.max_send_message_length", limit),
        # Without this, Linux lets a second server bind the same port silently.
        ("grpc.so_reuseport", 0),
    ]
    if settings.max_connection_age_seconds:
        age_ms = round(settings.max_connection_age_seconds * 1000)
        options.append(("grpc.max_connection_age_ms", age_ms))
    return options


async def start_server(
    settings: ServerSettings,
    bindings: Sequence[ServiceBinding],
    *,
    serving: bool = True,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
) -> RunningServer:
    """Builds and starts a server for `bindings` on `settings.address`, with TLS when the
    settings name a certificate and key.

    Args:
        settings: Where to listen, the server's limits and TLS material.
        bindings: The services to host.
        serving: Report SERVING at once; pass False for a service that loads data first and
            calls `set_serving(True)` when ready.
        interceptors: Run inside the product's own (which logs and maps errors), in order.

    Raises:
        OSError: The address cannot be bound (in use, or not an address of this machine), or
            a TLS file cannot be read.
        ValueError: Incomplete TLS settings.
    """
    credentials = server_credentials(settings.tls_cert, settings.tls_key, settings.tls_client_ca)
    server = grpc.aio.server(
        interceptors=[CallInterceptor(), *interceptors],
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
        port = (
            server.add_insecure_port(settings.address)
            if credentials is None
            else server.add_secure_port(settings.address, credentials)
        )
    except RuntimeError as error:
        raise OSError(f"cannot listen on {settings.address}: {error}") from error
    await server.start()
    health_server = None
    if settings.health_port is not None:
        health_server = await _start_health_server(settings, health_servicer)
    running = RunningServer(server, port, health_servicer, names, health_server)
    await running.set_serving(serving)
    return running


async def _start_health_server(
    settings: ServerSettings, health_servicer: health.aio.HealthServicer
) -> grpc.aio.Server:
    """A plaintext server on the health port answering grpc.health.v1 from the main server's
    health servicer (so both report the same)."""
    assert settings.health_port is not None
    server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    address = settings.address_at(settings.health_port)
    try:
        server.add_insecure_port(address)
    except RuntimeError as error:
        raise OSError(f"cannot listen for health checks on {address}: {error}") from error
    await server.start()
    return server


async def serve(
    settings: ServerSettings,
    bindings: Sequence[ServiceBinding],
    *,
    on_started: Callable[[RunningServer], Any] | None = None,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
) -> None:
    """Runs a server until SIGTERM or SIGINT, then stops it gracefully; with
    `settings.metrics_port`, serves the Prometheus metrics at `/metrics` meanwhile.

    Args:
        settings: Where to listen, the server's limits and TLS material.
        bindings: The services to host.
        on_started: Called (and awaited if it returns an awaitable) once the server listens,
            for example to load models and then report SERVING.
        interceptors: More server interceptors (see `start_server`).
    """
    running = await start_server(
        settings, bindings, serving=on_started is None, interceptors=interceptors
    )
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop_requested.set)
    tls = settings.tls_cert is not None
    logger.info(
        "serving %s on %s:%d (%s)",
        ", ".join(running.service_names),
        settings.host,
        running.port,
        ("mutual TLS" if settings.tls_client_ca else "TLS") if tls else "plaintext",
        extra={"port": running.port, "services": list(running.service_names), "tls": tls},
    )
    metrics = None
    if settings.metrics_port is not None:
        try:
            metrics = start_metrics_server(settings.host, settings.metrics_port)
        except OSError:
            await running.stop(None)
            raise
        logger.info(
            "metrics on http://%s:%d/metrics",
            settings.host,
            metrics.port,
            extra={"metrics_port": metrics.port},
        )
    if on_started is not None:
        result = on_started(running)
        if asyncio.iscoroutine(result):
            await result
    await stop_requested.wait()
    await running.stop(settings.grace_seconds)
    if metrics is not None:
        metrics.stop()
    logger.info("stopped")


def run_service(
    settings_type: type[SettingsT],
    run: Callable[[SettingsT], Awaitable[None]],
    argv: Sequence[str] | None,
    prog: str,
) -> None:
    """A service's `main`: its settings from flags over the environment (`argv`, or the
    process's arguments), JSON logs, then `run(settings)` until it returns. A port it cannot
    listen on, a file it cannot read or incomplete TLS settings end the process with one
    logged line and status 1; a crash in native code leaves every thread's Python stack on
    stderr."""
    faulthandler.enable(sys.__stderr__)  # the process's own stderr, whatever replaced sys.stderr
    settings = settings_type.from_args(sys.argv[1:] if argv is None else argv, prog=prog)
    configure_logging(settings.log_level)
    try:
        asyncio.run(run(settings))
    except (OSError, ValueError) as error:
        logger.error("%s: %s", prog, error)
        sys.exit(1)
