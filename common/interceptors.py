"""The server interceptor every service runs: error mapping and one log line per call.

A `FitnessError` raised by a handler ends the call with the error's own status code and
message. Any other exception ends it with INTERNAL and is logged once, with its traceback.
Every call then logs one structured line: method, status code, duration, peer, and the
analysis id when the caller sent one in the `x-analysis-id` metadata; and it is counted and
timed in the Prometheus metrics (`common.metrics`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from common.errors import FitnessError
from common.metrics import record_call

logger = logging.getLogger(__name__)

ANALYSIS_ID_METADATA_KEY = "x-analysis-id"
# Initial metadata the gateway sends once it lets a call in (a slot free): only then does a
# client send more than the first message. A refusal before it has empty initial metadata.
CALL_ACCEPTED = ("x-call-accepted", "1")
# Probes and tooling call these often; their lines are logged at DEBUG only.
_QUIET_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
INTERNAL_ERROR_MESSAGE = "internal error; the server log has the details"
# Longest status message sent: messages may quote a caller's input, and gRPC replaces a
# status whose message passes its metadata limit (8 KiB) with a transport error.
MAX_MESSAGE_CHARS = 1000


def capped(message: str) -> str:
    """`message`, cut to `MAX_MESSAGE_CHARS` with an ellipsis where longer."""
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return message[: MAX_MESSAGE_CHARS - 1] + "…"


# Runs around one call, given its context: may abort it, log it, map its errors.
CallGuard = Callable[[grpc.aio.ServicerContext], contextlib.AbstractAsyncContextManager[None]]


class GuardInterceptor(grpc.aio.ServerInterceptor):
    """Runs each call of a method inside the guard `guard(method)` returns (None: unguarded)."""

    def guard(self, method: str) -> CallGuard | None:
        raise NotImplementedError

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:  # unknown method: gRPC answers UNIMPLEMENTED itself
            return handler
        guard = self.guard(handler_call_details.method)
        return handler if guard is None else wrap_handler(handler, guard)


class CallInterceptor(GuardInterceptor):
    """Maps `FitnessError`s to statuses and logs each call's outcome."""

    def guard(self, method: str) -> CallGuard:
        return functools.partial(_guarded_call, method)


def wrap_handler(handler: grpc.RpcMethodHandler, guard: CallGuard) -> grpc.RpcMethodHandler:
    """`handler` with its behaviour run inside `guard(context)`, for unary and streaming
    responses alike (a streaming one stays inside the guard until its last response)."""
    kind = _handler_kind(handler)
    behavior = getattr(handler, kind)
    if handler.response_streaming and inspect.isasyncgenfunction(behavior):

        async def streaming(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            async with guard(context):
                async for response in behavior(request, context):
                    yield response

        return handler._replace(**{kind: streaming})

    async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
        async with guard(context):
            return await behavior(request, context)

    return handler._replace(**{kind: unary})


def _handler_kind(handler: grpc.RpcMethodHandler) -> str:
    request = "stream" if handler.request_streaming else "unary"
    response = "stream" if handler.response_streaming else "unary"
    return f"{request}_{response}"


@contextlib.asynccontextmanager
async def _guarded_call(method: str, context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
    start = time.perf_counter()
    code = grpc.StatusCode.OK
    try:
        yield
    except FitnessError as error:
        code = error.code
        await context.abort(error.code, capped(str(error)))
    except grpc.aio.AbortError:  # the handler called context.abort() itself
        code = context.code() or grpc.StatusCode.UNKNOWN
        raise
    except (asyncio.CancelledError, GeneratorExit):
        remaining = context.time_remaining()
        expired = remaining is not None and remaining <= 0
        code = grpc.StatusCode.DEADLINE_EXCEEDED if expired else grpc.StatusCode.CANCELLED
        raise
    except Exception:
        code = grpc.StatusCode.INTERNAL
        logger.exception("unhandled error in %s", method)
        await context.abort(grpc.StatusCode.INTERNAL, INTERNAL_ERROR_MESSAGE)
    finally:
        seconds = time.perf_counter() - start
        record_call(method, code.name, seconds)
        _log_call(method, context, code, seconds)


def _log_call(
    method: str, context: grpc.aio.ServicerContext, code: grpc.StatusCode, seconds: float
) -> None:
    metadata = dict(context.invocation_metadata() or ())
    level = logging.DEBUG if method.startswith(_QUIET_PREFIXES) else logging.INFO
    logger.log(
        level,
        "%s %s",
        method,
        code.name,
        extra={
            "method": method,
            "code": code.name,
            "duration_ms": round(seconds * 1000, 2),
            "peer": context.peer(),
            "analysis_id": metadata.get(ANALYSIS_ID_METADATA_KEY, ""),
        },
    )
