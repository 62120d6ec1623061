"""Where the pose model runs: TorchServe (the default) or this process.

Both take frames with person boxes and return keypoints (N, 17, 3) in frame pixels, and
both end in `PosePredictor.predict` (the TorchServe handler calls it on the worker), so the
same frames give the same keypoints.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import numpy as np

from common.torchserve import InferenceClient
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
        self, client: InferenceClient, model: str, input_size: tuple[int, int] = (192, 256)
    ) -> None:
        self.client = client
        self.model_name = model
        self.input_size = input_size

    async def estimate(self, frames: list[np.ndarray], boxes: list[Box]) -> np.ndarray:
        answers = await asyncio.gather(
            *(
                asyncio.to_thread(self.client.post, encode_request(f, b))
                for f, b in zip(frames, boxes, strict=True)
            )
        )
        if not answers:
            return np.zeros((0, 17, 3), np.float32)
        return np.stack([decode_answer(answer) for answer in answers])
