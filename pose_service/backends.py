"""Where the pose model runs: TorchServe (the default) or this process.

Both take frames with person boxes and return keypoints (N, 17, 3) in frame pixels, and
both end in `PosePredictor.predict` (the TorchServe handler calls it on the worker), so the
same frames give the same keypoints.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Protocol

import numpy as np

from common.errors import BackendUnavailableError, InvalidInputError
from pose_service.inference import PosePredictor
from pose_service.payload import decode_answer, encode_request
from pose_service.tracking import Box


class PoseBackend(Protocol):
    """Estimates one person's keypoints per frame inside the given boxes."""

    name: str
    input_size: tuple[int, int]
    model_name: str

    async def estimate(self, frames: list[np.ndarray], boxes: list[Box]) -> np.ndarray: ...


class InProcessBackend:
    """Runs the predictor in a worker thread, one batch at a time."""

    name = "in_process"

    def __init__(self, predictor: PosePredictor, model_name: str) -> None:
        self.predictor = predictor
        self.input_size = predictor.input_size
        self.model_name = model_name
        self._lock = asyncio.Lock()

    async def estimate(self, frames: list[np.ndarray], boxes: list[Box]) -> np.ndarray:
        async with self._lock:  # one batch at a time: the model already uses every core
            return await asyncio.to_thread(self.predictor.predict, frames, boxes)


class TorchServeBackend:
    """Sends one inference request per frame; TorchServe batches concurrent ones."""

    name = "torchserve"

    def __init__(
        self,
        url: str,
        model: str,
        token: str,
        *,
        timeout_seconds: float,
        input_size: tuple[int, int] = (192, 256),
    ) -> None:
        self.url = f"{url.rstrip('/')}/predictions/{model}"
        self.model_name = model
        self.input_size = input_size
        self._headers = {"Content-Type": "application/octet-stream"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._timeout = timeout_seconds

    async def estimate(self, frames: list[np.ndarray], boxes: list[Box]) -> np.ndarray:
        answers = await asyncio.gather(
            *(asyncio.to_thread(self._post, f, b) for f, b in zip(frames, boxes, strict=True))
        )
        return np.stack(answers) if answers else np.zeros((0, 17, 3), np.float32)

    def _post(self, frame: np.ndarray, box: Box) -> np.ndarray:
        request = urllib.request.Request(
            self.url, data=encode_request(frame, box), headers=self._headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return decode_answer(response.read())
        except urllib.error.HTTPError as error:
            message = _torchserve_message(error)
            if error.code == 400:
                raise InvalidInputError(f"the pose model refused the frame: {message}") from error
            raise BackendUnavailableError(
                f"TorchServe at {self.url} answered {error.code}: {message}"
            ) from error
        except (urllib.error.URLError, OSError) as error:
            raise BackendUnavailableError(
                f"TorchServe at {self.url} does not answer: {error}"
            ) from error


def _torchserve_message(error: urllib.error.HTTPError) -> str:
    try:
        return json.loads(error.read()).get("message", error.reason)
    except (ValueError, OSError):
        return str(error.reason)
