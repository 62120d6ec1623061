"""The bytes of one pose request to the model server and of its answer.

A request carries one frame and one person box, losslessly (raw RGB in an `.npz`, no pickle),
so the TorchServe worker and the in-process backend see exactly the same pixels. An answer is
JSON: 17 rows of [x, y, confidence] in frame pixels.
"""

from __future__ import annotations

import io
import json

import numpy as np

from common.errors import InvalidInputError


def encode_request(frame: np.ndarray, box: tuple[float, float, float, float]) -> bytes:
    """One request: an RGB frame (H, W, 3) uint8 and a box (x, y, w, h) in its pixels."""
    buffer = io.BytesIO()
    np.savez(buffer, frame=np.ascontiguousarray(frame, np.uint8), box=np.asarray(box, np.float64))
    return buffer.getvalue()


def decode_request(body: bytes | bytearray) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The frame and box of a request made by `encode_request`."""
    try:
        with np.load(io.BytesIO(bytes(body)), allow_pickle=False) as arrays:
            frame, box = arrays["frame"], arrays["box"]
    except (ValueError, KeyError, OSError) as error:
        raise InvalidInputError(f"not a pose request: {error}") from error
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8 or box.shape != (4,):
        raise InvalidInputError(
            f"a pose request needs an RGB uint8 frame and a 4-value box, got "
            f"{frame.dtype} {frame.shape} and {box.shape}"
        )
    x, y, w, h = (float(v) for v in box)
    return frame, (x, y, w, h)


def encode_answer(keypoints: np.ndarray) -> str:
    """JSON of keypoints (17, 3)."""
    return json.dumps(np.asarray(keypoints, np.float64).round(4).tolist())


def decode_answer(body: bytes | str) -> np.ndarray:
    """Keypoints (17, 3) float32 of an answer made by `encode_answer`."""
    return np.asarray(json.loads(body), np.float32)
