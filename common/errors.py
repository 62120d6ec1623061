"""Errors a person can act on, each carrying the gRPC status code it ends a call with.

Library code raises these; the server's interceptor (`common.interceptors`) turns them into
`context.abort(error.code, str(error))`, so services never build statuses by hand. Each
class names its own code, so no lookup table can shadow one error with another.
"""

from __future__ import annotations

from typing import ClassVar

import grpc


class FitnessError(Exception):
    """Base of the product's errors; the message is shown to the caller as is."""

    code: ClassVar[grpc.StatusCode] = grpc.StatusCode.INTERNAL


class InvalidInputError(FitnessError, ValueError):
    """The request itself is wrong (malformed frame, bad coordinates, empty sequence)."""

    code = grpc.StatusCode.INVALID_ARGUMENT


class VideoDecodeError(InvalidInputError):
    """The bytes are not a video we can decode (empty, truncated, not a video at all)."""


class LimitExceededError(FitnessError):
    """The request is over a documented limit (size, duration, frames, concurrency)."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class NotFoundError(FitnessError, LookupError):
    """The request names something that does not exist (an exercise, a model)."""

    code = grpc.StatusCode.NOT_FOUND


class NotReadyError(FitnessError):
    """The service cannot do this yet or any more (an index not loaded, a broken file)."""

    code = grpc.StatusCode.FAILED_PRECONDITION


class BackendUnavailableError(FitnessError):
    """A backend this service depends on (TorchServe, another service) does not answer."""

    code = grpc.StatusCode.UNAVAILABLE


class DeadlineError(FitnessError):
    """The caller's deadline passed before the work was done."""

    code = grpc.StatusCode.DEADLINE_EXCEEDED


def error_for_status(code: grpc.StatusCode, message: str) -> FitnessError:
    """The error class of a status code (INTERNAL for codes without one), with `message`:
    how a service passes on a backend's failure with the backend's own code."""
    classes = (
        InvalidInputError,
        LimitExceededError,
        NotFoundError,
        NotReadyError,
        BackendUnavailableError,
        DeadlineError,
    )
    for cls in classes:
        if cls.code == code:
            return cls(message)
    return FitnessError(message)
