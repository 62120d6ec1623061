"""Receiving an upload: the metadata message, then the file's bytes in chunks, spooled to disk.

Containers such as mp4 may keep their index at the end of the file, so a video is decoded only
once every byte has arrived. The bytes go to a private temporary file (never a path the caller
names) that is deleted when the analysis ends, whatever the outcome.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from common.errors import InvalidInputError, LimitExceededError
from common.fitness.v1 import gateway_pb2

MIB = 1024 * 1024


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
        InvalidInputError: The first message has no metadata, a later one repeats it, or no
            bytes came.
        LimitExceededError: The declared or received size is over `max_bytes`, or more bytes
            came than declared.
    """
    first = await anext(aiter(requests), None)
    if first is None or first.WhichOneof("payload") != "metadata":
        raise InvalidInputError("the first message must carry the video's metadata")
    metadata = first.metadata
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
                    raise InvalidInputError("only the first message may carry metadata")
                received += len(request.chunk)
                if received > max_bytes:
                    await _discard_rest(requests, max_bytes)
                    raise LimitExceededError(
                        f"the upload passed the {max_bytes / MIB:.0f} MiB limit"
                    )
                if declared and received > declared:
                    await _discard_rest(requests, max_bytes)
                    raise LimitExceededError(
                        f"the upload sent more than the {declared} bytes it declared"
                    )
                handle.write(request.chunk)
                if progress:
                    progress(received, declared)
        if received == 0:
            raise InvalidInputError("the upload has no video bytes")
    except BaseException:
        Upload(metadata, path, received).delete()
        raise
    return Upload(metadata, path, received)


async def _discard_rest(
    requests: AsyncIterator[gateway_pb2.AnalyzeVideoRequest], limit: int
) -> None:
    """Reads and drops what the client is still sending (up to `limit` bytes), so that it
    receives the refusal as a status rather than as a failed write."""
    dropped = 0
    async for request in requests:
        dropped += len(request.chunk)
        if dropped > limit:
            return
