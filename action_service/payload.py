"""The bytes of one action request to the model server and of its answer.

A request carries the frames of one video (or window), losslessly (raw RGB in an `.npz`, no
pickle). An answer is JSON: the probability of every class, in the model's class order.
"""

from __future__ import annotations

import io
import json

import numpy as np

from common.errors import InvalidInputError


def encode_request(frames: list[np.ndarray]) -> bytes:
    """One request: RGB frames (F, H, W, 3) uint8 of one size."""
    buffer = io.BytesIO()
    np.savez(buffer, frames=np.stack(frames).astype(np.uint8, copy=False))
    return buffer.getvalue()


def decode_request(body: bytes | bytearray) -> list[np.ndarray]:
    """The frames of a request made by `encode_request`."""
    try:
        with np.load(io.BytesIO(bytes(body)), allow_pickle=False) as arrays:
            frames = arrays["frames"]
    except (ValueError, KeyError, OSError) as error:
        raise InvalidInputError(f"not an action request: {error}") from error
    if frames.ndim != 4 or frames.shape[3] != 3 or frames.dtype != np.uint8:
        raise InvalidInputError(
            f"an action request needs RGB uint8 frames (F, H, W, 3), got {frames.dtype} "
            f"{frames.shape}"
        )
    return list(frames)


def encode_answer(classes: list[str], probabilities: np.ndarray) -> str:
    """JSON of class names and their probabilities (C,)."""
    values = np.asarray(probabilities, np.float64).round(6).tolist()
    return json.dumps({"classes": classes, "probabilities": values})


def decode_answer(body: bytes | str) -> tuple[list[str], np.ndarray]:
    """Class names and probabilities (C,) float32 of an answer made by `encode_answer`."""
    answer = json.loads(body)
    return list(answer["classes"]), np.asarray(answer["probabilities"], np.float32)
