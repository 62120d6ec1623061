"""TLS on every hop and the gateway's caller check, on real servers over loopback with
certificates from `fitness certs`."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from client.certs import write_development_certificates
from client.cli import main
from common.channels import open_channel
from common.fitness.v1 import scoring_pb2, scoring_pb2_grpc
from common.security import CallerCheck, ClientSecurity, read_tokens, server_credentials
from common.server import RunningServer, start_server
from common.settings import ServerSettings
from common.torchserve import free_port
from gateway.server import caller_checks
from gateway.settings import GatewaySettings
from tests.common.doubles import SlowScorer, scorer_binding

TOKEN = "s3cret-token-for-tests"


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("certs")
    write_development_certificates(folder)
    return folder


def tls_settings(certs: Path, *, mutual: bool = False) -> ServerSettings:
    return ServerSettings(
        port=0,
        tls_cert=certs / "scoring.pem",
        tls_key=certs / "scoring-key.pem",
        tls_client_ca=certs / "ca.pem" if mutual else None,
    )


async def serving(
    settings: ServerSettings, interceptors: Sequence[grpc.aio.ServerInterceptor] = ()
) -> RunningServer:
    return await start_server(settings, [scorer_binding(SlowScorer())], interceptors=interceptors)


async def list_exercises(port: int, security: ClientSecurity) -> int:
    """Calls the server; returns the number of exercises, or raises the call's error."""
    credentials = security.credentials()
    async with open_channel(
        f"127.0.0.1:{port}", max_attempts=1, credentials=credentials
    ) as channel:
        stub = scoring_pb2_grpc.KeypointScorerStub(channel)
        response = await stub.ListExercises(scoring_pb2.ListExercisesRequest(), timeout=10)
    return len(response.exercises)


async def health(port: int, security: ClientSecurity) -> int:
    async with open_channel(
        f"127.0.0.1:{port}", max_attempts=1, credentials=security.credentials()
    ) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        return (await stub.Check(health_pb2.HealthCheckRequest(), timeout=10)).status


@pytest.fixture
async def tls_server(certs) -> AsyncIterator[RunningServer]:
    running = await serving(tls_settings(certs))
    yield running
    await running.stop(None)


@pytest.fixture
async def mutual_server(certs) -> AsyncIterator[RunningServer]:
    running = await serving(tls_settings(certs, mutual=True))
    yield running
    await running.stop(None)


@pytest.fixture
async def checked_server(certs) -> AsyncIterator[RunningServer]:
    """Mutual TLS, tokens or the `client` certificate accepted."""
    check = CallerCheck([TOKEN, "another-token"], client_names=["client"])
    running = await serving(tls_settings(certs, mutual=True), [check])
    yield running
    await running.stop(None)


def test_certs_name_every_service_and_keep_keys_private(certs):
    for name in ("ca", "gateway", "pose", "action", "scoring", "client"):
        assert (certs / f"{name}.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
        mode = stat.S_IMODE(os.stat(certs / f"{name}-key.pem").st_mode)
        assert mode == 0o600


async def test_a_tls_server_refuses_plaintext_and_serves_a_client_that_trusts_its_ca(
    tls_server, certs
):
    with pytest.raises(grpc.aio.AioRpcError) as plaintext:
        await list_exercises(tls_server.port, ClientSecurity())
    assert plaintext.value.code() == grpc.StatusCode.UNAVAILABLE
    assert await list_exercises(tls_server.port, ClientSecurity(certs / "ca.pem")) > 0


async def test_a_client_that_does_not_trust_the_servers_ca_is_refused(tls_server, tmp_path):
    other = tmp_path / "other"
    write_development_certificates(other, ["client"])
    with pytest.raises(grpc.aio.AioRpcError) as untrusted:
        await list_exercises(tls_server.port, ClientSecurity(other / "ca.pem"))
    assert untrusted.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_mutual_tls_refuses_a_client_without_a_certificate(mutual_server, certs):
    ca = certs / "ca.pem"
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await list_exercises(mutual_server.port, ClientSecurity(ca))
    assert anonymous.value.code() == grpc.StatusCode.UNAVAILABLE
    client = ClientSecurity(ca, certs / "client.pem", certs / "client-key.pem")
    assert await list_exercises(mutual_server.port, client) > 0


async def test_callers_need_an_accepted_token_or_an_allowed_certificate(checked_server, certs):
    ca, port = certs / "ca.pem", checked_server.port
    client = {"cert": certs / "client.pem", "key": certs / "client-key.pem"}
    pose = {"cert": certs / "pose.pem", "key": certs / "pose-key.pem"}

    assert await list_exercises(port, ClientSecurity(ca, **client)) > 0
    assert await list_exercises(port, ClientSecurity(ca, **pose, token=TOKEN)) > 0
    assert await list_exercises(port, ClientSecurity(ca, **pose, token="another-token")) > 0

    with pytest.raises(grpc.aio.AioRpcError) as wrong_token:
        await list_exercises(port, ClientSecurity(ca, **client, token="guess"))
    assert wrong_token.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "not accepted" in wrong_token.value.details()

    with pytest.raises(grpc.aio.AioRpcError) as not_allowed:
        await list_exercises(port, ClientSecurity(ca, **pose))
    assert not_allowed.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "'pose'" in not_allowed.value.details()


async def test_a_token_is_required_when_no_client_certificate_is_asked_for(certs):
    running = await serving(tls_settings(certs), [CallerCheck([TOKEN])])
    try:
        ca = certs / "ca.pem"
        with pytest.raises(grpc.aio.AioRpcError) as no_token:
            await list_exercises(running.port, ClientSecurity(ca))
        assert no_token.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "bearer token" in no_token.value.details()
        assert await list_exercises(running.port, ClientSecurity(ca, token=TOKEN)) > 0
    finally:
        await running.stop(None)


async def test_health_checks_pass_without_credentials(checked_server, certs):
    client = ClientSecurity(certs / "ca.pem", certs / "client.pem", certs / "client-key.pem")
    assert await health(checked_server.port, client) == health_pb2.HealthCheckResponse.SERVING


def test_incomplete_tls_settings_are_refused_with_what_is_missing(certs):
    with pytest.raises(ValueError, match="both a certificate and its key"):
        server_credentials(certs / "scoring.pem", None)
    with pytest.raises(ValueError, match="needs the server's certificate"):
        server_credentials(None, None, certs / "ca.pem")
    with pytest.raises(OSError, match="cannot read the TLS key"):
        server_credentials(certs / "scoring.pem", certs / "missing-key.pem")
    with pytest.raises(ValueError, match="needs TLS"):
        ClientSecurity(token=TOKEN).credentials()
    with pytest.raises(ValueError, match="both the certificate and its key"):
        ClientSecurity(certs / "ca.pem", cert=certs / "client.pem").credentials()


def test_the_gateway_checks_callers_only_over_tls(certs, tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text("# one per line\n\nfirst\nsecond\n")
    assert read_tokens(tokens) == ["first", "second"]
    assert caller_checks(GatewaySettings()) == []
    with pytest.raises(ValueError, match="needs TLS"):
        caller_checks(GatewaySettings(auth_tokens_file=tokens))
    tls = {"tls_cert": certs / "gateway.pem", "tls_key": certs / "gateway-key.pem"}
    assert len(caller_checks(GatewaySettings(auth_tokens_file=tokens, **tls))) == 1
    with pytest.raises(ValueError, match="tls-client-ca"):
        caller_checks(GatewaySettings(auth_client_names="client", **tls))
    (tmp_path / "empty").write_text("# nothing\n")
    with pytest.raises(ValueError, match="holds no token"):
        read_tokens(tmp_path / "empty")


async def test_the_cli_checks_a_tls_server_with_its_ca_and_fails_clearly_without(
    tls_server, certs, capsys
):
    address = f"127.0.0.1:{tls_server.port}"
    with pytest.raises(SystemExit) as trusted:
        await asyncio.to_thread(main, ["--tls-ca", str(certs / "ca.pem"), "check", address])
    assert trusted.value.code == 0
    assert "SERVING" in capsys.readouterr().out
    with pytest.raises(SystemExit) as token_without_tls:
        await asyncio.to_thread(main, ["--token", TOKEN, "check", address])
    assert token_without_tls.value.code == 2
    assert "needs TLS" in capsys.readouterr().err


async def test_tls_replicas_listed_by_address_all_answer_under_their_shared_name(certs):
    scorers = [SlowScorer(replica=name) for name in ("a", "b")]
    settings = tls_settings(certs, mutual=True)
    replicas = [await start_server(settings, [scorer_binding(scorer)]) for scorer in scorers]
    try:
        client = ClientSecurity(certs / "ca.pem", certs / "client.pem", certs / "client-key.pem")
        addresses = [f"127.0.0.1:{replica.port}" for replica in replicas]
        async with open_channel(
            addresses, max_attempts=1, credentials=client.credentials()
        ) as channel:
            stub = scoring_pb2_grpc.KeypointScorerStub(channel)
            for _ in range(6):
                await stub.ListExercises(scoring_pb2.ListExercisesRequest(), timeout=10)
        assert [scorer.calls > 0 for scorer in scorers] == [True, True]
    finally:
        for replica in replicas:
            await replica.stop(None)


async def test_a_plaintext_health_port_reports_what_the_tls_server_reports(certs):
    settings = tls_settings(certs, mutual=True).model_copy(update={"health_port": free_port()})
    running = await serving(settings)
    try:
        probe = ClientSecurity()  # Kubernetes' grpc probe: plaintext, no certificate
        serving_status = health_pb2.HealthCheckResponse.SERVING
        assert await health(settings.health_port, probe) == serving_status
        await running.set_serving(False)
        assert await health(settings.health_port, probe) == (
            health_pb2.HealthCheckResponse.NOT_SERVING
        )
        with pytest.raises(grpc.aio.AioRpcError) as not_there:
            await list_exercises(settings.health_port, probe)
        assert not_there.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        await running.stop(None)
    with pytest.raises(grpc.aio.AioRpcError) as stopped:
        await health(settings.health_port, ClientSecurity())
    assert stopped.value.code() == grpc.StatusCode.UNAVAILABLE
