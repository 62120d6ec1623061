"""TLS on every gRPC hop and the gateway's caller check.

A server with a certificate and key listens with TLS only; with a client CA as well it asks
every caller for a certificate signed by that CA (mutual TLS). A client verifies the server
with a CA, may present its own certificate, and may send a bearer token. `CallerCheck` is the
gateway's interceptor: a call passes with a known token or with a client certificate whose
common name is allowed; health checks always pass (probes carry no credentials).
"""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path

import grpc

from common.interceptors import CallGuard, GuardInterceptor

AUTHORIZATION_METADATA_KEY = "authorization"
_UNCHECKED_PREFIXES = ("/grpc.health.v1.Health/",)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise OSError(f"cannot read the {what} {path}: {error.strerror or error}") from error


def server_credentials(
    cert: Path | None, key: Path | None, client_ca: Path | None = None
) -> grpc.ServerCredentials | None:
    """TLS credentials for a server; None (plaintext) when neither certificate nor key is set.

    Raises:
        ValueError: Only one of certificate and key, or a client CA without them.
        OSError: A file cannot be read.
    """
    if cert is None and key is None:
        if client_ca is not None:
            raise ValueError("a client CA (mutual TLS) needs the server's certificate and key")
        return None
    if cert is None or key is None:
        raise ValueError("TLS needs both a certificate and its key")
    pair = [(_read(key, "TLS key"), _read(cert, "TLS certificate"))]
    if client_ca is None:
        return grpc.ssl_server_credentials(pair)
    return grpc.ssl_server_credentials(
        pair, root_certificates=_read(client_ca, "client CA"), require_client_auth=True
    )


@dataclass(frozen=True)
class ClientSecurity:
    """How a client reaches a server: the CA that signed the server's certificate (TLS), the
    client's own certificate and key (mutual TLS) and a bearer token. All unset: plaintext."""

    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    token: str = ""

    def credentials(self) -> grpc.ChannelCredentials | None:
        """Channel credentials, or None for plaintext.

        Raises:
            ValueError: A token or client certificate without a CA (they need TLS), or a
                certificate without its key.
        """
        if self.ca is None:
            if self.token or self.cert or self.key:
                raise ValueError("a token or client certificate needs TLS: give the CA too")
            return None
        if (self.cert is None) != (self.key is None):
            raise ValueError("a client certificate needs both the certificate and its key")
        credentials = grpc.ssl_channel_credentials(
            root_certificates=_read(self.ca, "CA certificate"),
            private_key=_read(self.key, "client key") if self.key else None,
            certificate_chain=_read(self.cert, "client certificate") if self.cert else None,
        )
        if not self.token:
            return credentials
        return grpc.composite_channel_credentials(
            credentials, grpc.access_token_call_credentials(self.token)
        )


def read_tokens(path: Path) -> list[str]:
    """Accepted bearer tokens: one per line; blank lines and `#` comments skipped.

    Raises:
        ValueError: The file holds no token.
    """
    lines = (line.strip() for line in _read(path, "token file").decode().splitlines())
    tokens = [line for line in lines if line and not line.startswith("#")]
    if not tokens:
        raise ValueError(f"the token file {path} holds no token")
    return tokens


class CallerCheck(GuardInterceptor):
    """Lets a call through with an accepted bearer token or an allowed client certificate.

    No credentials, or a token not accepted: UNAUTHENTICATED. A verified client certificate
    whose common name is not allowed: PERMISSION_DENIED.
    """

    def __init__(self, tokens: Iterable[str], client_names: Iterable[str] = ()) -> None:
        self._tokens = [token.encode() for token in tokens]
        self._client_names = frozenset(client_names)

    def guard(self, method: str) -> CallGuard | None:
        return None if method.startswith(_UNCHECKED_PREFIXES) else self._checked

    @contextlib.asynccontextmanager
    async def _checked(self, context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
        await self._check(context)
        yield

    async def _check(self, context: grpc.aio.ServicerContext) -> None:
        metadata = dict(context.invocation_metadata() or ())
        authorization = str(metadata.get(AUTHORIZATION_METADATA_KEY, ""))
        scheme, _, token = authorization.partition(" ")
        if authorization:
            if scheme.lower() != "bearer" or not self._accepts(token.strip()):
                await context.abort(
                    grpc.StatusCode.UNAUTHENTICATED, "the bearer token is not accepted"
                )
            return
        names = [name.decode() for name in context.auth_context().get("x509_common_name", [])]
        if names:
            if not self._client_names.intersection(names):
                await context.abort(
                    grpc.StatusCode.PERMISSION_DENIED,
                    f"the client certificate of {names[0]!r} is not allowed to call the gateway",
                )
            return
        await context.abort(
            grpc.StatusCode.UNAUTHENTICATED,
            "this gateway needs a bearer token (metadata `authorization: Bearer <token>`) "
            "or an allowed client certificate",
        )

    def _accepts(self, token: str) -> bool:
        offered = token.encode()
        # Every token compared, in constant time each: no timing hint of how close a guess is.
        return any([hmac.compare_digest(offered, accepted) for accepted in self._tokens])
