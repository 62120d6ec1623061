"""Receiving an upload: the metadata message, then the file's bytes in chunks, spooled to disk.

Containers such as mp4 may keep their index at the end of the file, so a video is decoded only
once every byte has arrived. The bytes go to a private temporary file (never a path the caller
names) that is deleted when the analysis ends, whatever the outcome. An upload refused on the
way is read to its end (up to the size limit) first, so that the client gets the refusal.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from common.errors import FitnessError, InvalidInputError, LimitExceededError
from common.fitness.v1 import gateway_pb2

MIB = 1024 * 1024
MIN_SAMPLE_FPS = 0.01  # a frame every 100 s (far smaller rates overflow the sampling step)
MAX_NAME_CHARS = 100  # exercise ids and scorer names are much shorter


@dataclass
class Upload:
    """A received video file and what the caller said about it."""

    metadata: gateway_pb2.VideoMetadata
    path: Path
    size_bytes: int

    def delete(self) -> None:
        """Removes the spooled file."""
        self.path.unlink(missing_ok=True)


async def receive_upload(
    requests: AsyncIterator[gateway_pb2.AnalyzeVideoRequest],
    *,
    max_bytes: int,
    progress: Callable[[int, int], None] | None = None,
) -> Upload:
    """Reads the metadata and every chunk of one upload into a temporary file.

    Args:
        requests: The client's stream.
        max_bytes: Largest file accepted.
        progress: Called with (bytes received, declared size or 0) after each chunk.

    Raises:
        InvalidInputError: The first message has no metadata or metadata that makes no sense
            (`check_metadata`), a later one repeats it, no bytes came, or fewer than declared.
        LimitExceededError: The declared or received size is over `max_bytes`, or more bytes
            came than declared.
    """
    try:
        return await _receive(requests, max_bytes, progress)
    except FitnessError:
        # Reading (and dropping) what the client is still sending lets it receive the refusal
        # as a status: gRPC's asyncio client may report a write into a call the server has
        # ended as INTERNAL instead.
        await _discard_rest(requests, max_bytes)
        raise


async def _receive(
    requests: AsyncIterator[gateway_pb2.AnalyzeVideoRequest],
    max_bytes: int,
    progress: Callable[[int, int], None] | None,
) -> Upload:
    first = await anext(aiter(requests), None)
    if first is None or first.WhichOneof("payload") != "metadata":
        raise InvalidInputError("the first message must carry the video's metadata")
    metadata = first.metadata
    check_metadata(metadata)
    declared = metadata.size_bytes
    if declared > max_bytes:
        raise LimitExceededError(
            f"the video is {declared / MIB:.1f} MiB; the limit is {max_bytes / MIB:.0f} MiB"
        )
    descriptor, name = tempfile.mkstemp(prefix="upload-", suffix=".video")
    path = Path(name)
    received = 0
    try:
        with os.fdopen(descriptor, "wb") as handle:
            async for request in requests:
                if request.WhichOneof("payload") != "chunk":
                    raise InvalidInputError(
                        "only the first message may carry metadata; every later one a chunk"
                    )
                received += len(request.chunk)
                if received > max_bytes:
                    raise LimitExceededError(
                        f"the upload passed the {max_bytes / MIB:.0f} MiB limit"
                    )
                if declared and received > declared:
                    raise LimitExceededError(
                        f"the upload sent more than the {declared} bytes it declared"
                    )
                handle.write(request.chunk)
                if progress:
                    progress(received, declared)
        if received == 0:
            raise InvalidInputError("the upload has no video bytes")
        if declared and received < declared:
            raise InvalidInputError(
                f"the upload ended after {received} of the {declared} bytes it declared: "
                "send the whole file"
            )
    except BaseException:
        Upload(metadata, path, received).delete()
        raise
    return Upload(metadata, path, received)


def check_metadata(metadata: gateway_pb2.VideoMetadata) -> None:
    """Raises `InvalidInputError` for a negative declared size, a frame rate that is not 0
    (the default) or at least `MIN_SAMPLE_FPS`, or a hint or scorer name longer than any
    (status messages quote them, and gRPC drops a status whose message is too long)."""
    if metadata.size_bytes < 0:
        raise InvalidInputError(f"the declared size is negative ({metadata.size_bytes} bytes)")
    sample_fps = metadata.options.sample_fps
    if sample_fps != 0 and not sample_fps >= MIN_SAMPLE_FPS:  # NaN included
        raise InvalidInputError(
            f"sample_fps must be 0 (the default) or at least {MIN_SAMPLE_FPS} frames a second, "
            f"not {sample_fps}"
        )
    names = {"exercise hint": metadata.exercise_hint, "scorer": metadata.options.scorer}
    for what, name in names.items():
        if len(name) > MAX_NAME_CHARS:
            raise InvalidInputError(
                f"the {what} has {len(name)} characters; a name has at most {MAX_NAME_CHARS}"
            )


async def _discard_rest(
    requests: AsyncIterator[gateway_pb2.AnalyzeVideoRequest], limit: int
) -> None:
    """Reads and drops what the client is still sending, up to `limit` bytes."""
    dropped = 0
    async for request in requests:
        dropped += len(request.chunk)
        if dropped > limit:
            return
