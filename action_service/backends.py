"""Where the action model runs: TorchServe (the default) or this process.

Both take one video's frames and return the model's class names with their probabilities;
both end in `ActionPredictor.probabilities`.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import numpy as np

from action_service.inference import ActionPredictor
from action_service.payload import decode_answer, encode_request
from common.torchserve import InferenceClient


class ActionBackend(Protocol):
    """Recognises the exercise of one video's frames."""

    name: str
    model_name: str
    classes: list[str]
    clips: int

    async def recognize(self, frames: list[np.ndarray]) -> tuple[list[str], np.ndarray]: ...


class InProcessBackend:
    """Runs the predictor in a worker thread, one video at a time."""

    name = "in_process"

    def __init__(self, predictor: ActionPredictor, model_name: str) -> None:
        self.predictor = predictor
        self.model_name = model_name
        self.classes = predictor.classes
        self.clips = predictor.clips
        self._lock = asyncio.Lock()

    async def recognize(self, frames: list[np.ndarray]) -> tuple[list[str], np.ndarray]:
        async with self._lock:  # one video at a time: the model already uses every core
            probabilities = await asyncio.to_thread(self.predictor.probabilities, frames)
        return self.classes, probabilities


class TorchServeBackend:
    """Sends one inference request per video; TorchServe batches concurrent ones."""

    name = "torchserve"

    def __init__(self, client: InferenceClient, model: str, classes: list[str], clips: int) -> None:
        self.client = client
        self.model_name = model
        self.classes = classes  # replaced by the model's own names at its first answer
        self.clips = clips

    async def recognize(self, frames: list[np.ndarray]) -> tuple[list[str], np.ndarray]:
        answer = await asyncio.to_thread(self.client.post, encode_request(frames))
        self.classes, probabilities = decode_answer(answer)
        return self.classes, probabilities
