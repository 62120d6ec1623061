"""`fitness.v1.Gateway`: uploads in, analysis events out; live sessions, frames in, events out."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Sequence

import grpc

from common.channels import open_channel
from common.errors import LimitExceededError
from common.fitness.v1 import (
    action_pb2_grpc,
    gateway_pb2,
    gateway_pb2_grpc,
    pose_pb2_grpc,
    scoring_pb2_grpc,
)
from common.interceptors import CALL_ACCEPTED
from common.metrics import ANALYSES_IN_FLIGHT, ANALYSES_QUEUED
from common.security import CallerCheck, ClientSecurity, read_tokens
from common.server import ServiceBinding, run_service, serve
from gateway.analysis import Analysis, Backends, drain
from gateway.fusion import Fusion
from gateway.live import LiveSession
from gateway.settings import GatewaySettings
from gateway.upload import MIB, receive_upload

Stage = gateway_pb2.Progress.Stage


class Gateway(gateway_pb2_grpc.GatewayServicer):
    """Runs each uploaded video through the services, at most `max_analyses` at once."""

    def __init__(self, backends: Backends, settings: GatewaySettings) -> None:
        self.backends = backends
        self.settings = settings
        self.fusion = Fusion.load(settings.fusion) if settings.fusion.is_file() else Fusion()
        self._slots = asyncio.Semaphore(settings.max_analyses)

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """Waits up to `queue_seconds` for a free analysis slot (back-pressure on the upload:
        its bytes are not read meanwhile)."""
        try:
            with ANALYSES_QUEUED.track_inprogress():
                await asyncio.wait_for(self._slots.acquire(), self.settings.queue_seconds)
        except TimeoutError:
            raise LimitExceededError(
                f"{self.settings.max_analyses} analyses are running and none finished within "
                f"{self.settings.queue_seconds:g} s: try again later"
            ) from None
        ANALYSES_IN_FLIGHT.inc()
        try:
            yield
        finally:
            ANALYSES_IN_FLIGHT.dec()
            self._slots.release()

    async def AnalyzeVideo(
        self,
        request_iterator: AsyncIterator[gateway_pb2.AnalyzeVideoRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[gateway_pb2.AnalyzeVideoResponse]:
        remaining = context.time_remaining()
        deadline = time.monotonic() + remaining if remaining is not None else None
        async with self._slot():
            await context.send_initial_metadata((CALL_ACCEPTED,))  # the client may upload
            events: asyncio.Queue = asyncio.Queue()

            def progress(done: int, total: int) -> None:
                update = gateway_pb2.Progress(stage=Stage.STAGE_UPLOAD, done=done, total=total)
                events.put_nowait(gateway_pb2.AnalyzeVideoResponse(progress=update))

            receiving = asyncio.create_task(
                receive_upload(
                    request_iterator,
                    max_bytes=self.settings.max_upload_mb * MIB,
                    progress=progress,
                )
            )
            try:
                async for event in drain(receiving, events):
                    yield event
            finally:
                receiving.cancel()
            upload = receiving.result()
            try:
                analysis = Analysis(
                    self.backends,
                    self.settings,
                    self.fusion,
                    upload,
                    uuid.uuid4().hex[:12],
                    deadline,
                )
                async for event in analysis.run():
                    yield event
            finally:
                upload.delete()

    async def LiveSession(
        self,
        request_iterator: AsyncIterator[gateway_pb2.LiveSessionRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[gateway_pb2.LiveSessionResponse]:
        async with self._slot():
            await context.send_initial_metadata((CALL_ACCEPTED,))  # the client may stream
            session = LiveSession(self.backends, self.settings, self.fusion, uuid.uuid4().hex[:12])
            async for event in session.run(request_iterator):
                yield event


def open_backends(settings: GatewaySettings) -> tuple[Backends, list[grpc.aio.Channel]]:
    """Stubs over one channel per service (round-robin over its replicas), TLS when the
    settings name the backends' CA."""
    security = ClientSecurity(
        settings.backend_tls_ca, settings.backend_tls_cert, settings.backend_tls_key
    )
    credentials = security.credentials()
    channels = [
        open_channel(targets, max_message_mb=settings.max_message_mb, credentials=credentials)
        for targets in (settings.pose_targets, settings.action_targets, settings.scoring_targets)
    ]
    backends = Backends(
        pose=pose_pb2_grpc.PoseEstimatorStub(channels[0]),
        action=action_pb2_grpc.ActionRecognizerStub(channels[1]),
        scoring=scoring_pb2_grpc.KeypointScorerStub(channels[2]),
    )
    return backends, channels


def binding(backends: Backends, settings: GatewaySettings) -> ServiceBinding:
    """The gateway service, ready for `common.server`."""
    return ServiceBinding(
        gateway_pb2.DESCRIPTOR.services_by_name["Gateway"],
        Gateway(backends, settings),
        gateway_pb2_grpc.add_GatewayServicer_to_server,
    )


def caller_checks(settings: GatewaySettings) -> list[grpc.aio.ServerInterceptor]:
    """The caller check when the settings name accepted tokens or client names; else none.

    Raises:
        ValueError: Client names without a client CA to verify certificates, or tokens sent
            in the clear (no TLS).
    """
    names = [name.strip() for name in settings.auth_client_names.split(",") if name.strip()]
    if settings.auth_tokens_file is None and not names:
        return []
    if settings.tls_cert is None:
        raise ValueError("checking callers needs TLS: set --tls-cert and --tls-key")
    if names and settings.tls_client_ca is None:
        raise ValueError("--auth-client-names needs --tls-client-ca to verify certificates")
    tokens = read_tokens(settings.auth_tokens_file) if settings.auth_tokens_file else []
    return [CallerCheck(tokens, names)]


async def serve_gateway(settings: GatewaySettings) -> None:
    """Serves until SIGTERM or SIGINT, then closes the backend channels."""
    interceptors = caller_checks(settings)
    backends, channels = open_backends(settings)
    try:
        await serve(settings, [binding(backends, settings)], interceptors=interceptors)
    finally:
        for channel in channels:
            await channel.close()


def main(argv: Sequence[str] | None = None) -> None:
    """`fitness serve gateway`: runs the gateway until SIGTERM or SIGINT."""
    run_service(GatewaySettings, serve_gateway, argv, "fitness serve gateway")


if __name__ == "__main__":
    main()
