"""The bytes of one action request to the model server and of its answer.

A request to the 3D ResNet carries the frames of one video (or window), losslessly (raw RGB in
an `.npz`, no pickle); one to the keypoint classifier the poses of one video with their
timestamps (also an `.npz`). An answer is JSON: the probability of every class, in the model's
class order.
"""

from __future__ import annotations

import io
import json

import numpy as np

from action_service.sequences import KeypointSequence
from common.errors import InvalidInputError


def encode_request(frames: list[np.ndarray]) -> bytes:
    """One request: RGB frames (F, H, W, 3) uint8 of one size."""
    buffer = io.BytesIO()
    np.savez(buffer, frames=np.stack(frames).astype(np.uint8, copy=False))
    return buffer.getvalue()


def _arrays(body: bytes | bytearray, *names: str) -> list[np.ndarray]:
    try:
        with np.load(io.BytesIO(bytes(body)), allow_pickle=False) as arrays:
            return [arrays[name] for name in names]
    except (ValueError, KeyError, OSError) as error:
        raise InvalidInputError(f"not an action request: {error}") from error


def decode_request(body: bytes | bytearray) -> list[np.ndarray]:
    """The frames of a request made by `encode_request`."""
    (frames,) = _arrays(body, "frames")
    if frames.ndim != 4 or frames.shape[3] != 3 or frames.dtype != np.uint8:
        raise InvalidInputError(
            f"an action request needs RGB uint8 frames (F, H, W, 3), got {frames.dtype} "
            f"{frames.shape}"
        )
    return list(frames)


def encode_keypoints_request(sequence: KeypointSequence) -> bytes:
    """One request to the keypoint classifier: a video's poses and their timestamps."""
    buffer = io.BytesIO()
    np.savez(
        buffer,
        keypoints=sequence.keypoints.astype(np.float32),
        timestamps=sequence.timestamps.astype(np.float64),
    )
    return buffer.getvalue()


def decode_keypoints_request(body: bytes | bytearray) -> KeypointSequence:
    """The poses of a request made by `encode_keypoints_request`."""
    keypoints, timestamps = _arrays(body, "keypoints", "timestamps")
    try:
        return KeypointSequence(keypoints.astype(np.float32), timestamps.astype(np.float64))
    except ValueError as error:
        raise InvalidInputError(f"not a keypoint request: {error}") from error


def encode_answer(classes: list[str], probabilities: np.ndarray) -> str:
    """JSON of class names and their probabilities (C,)."""
    values = np.asarray(probabilities, np.float64).round(6).tolist()
    return json.dumps({"classes": classes, "probabilities": values})


def decode_answer(body: bytes | str) -> tuple[list[str], np.ndarray]:
    """Class names and probabilities (C,) float32 of an answer made by `encode_answer`."""
    answer = json.loads(body)
    return list(answer["classes"]), np.asarray(answer["probabilities"], np.float32)
