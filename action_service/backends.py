"""Where the action models run: TorchServe (the default) or this process.

The same two backends serve both models, generic over what one video gives them: its frames
for the 3D ResNet (`ActionBackend`), its poses for the keypoint classifier (`KeypointBackend`).
Both return the model's class names with their probabilities, and both end in the predictor's
`probabilities` (`action_service.inference`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

import numpy as np

from action_service.payload import decode_answer
from action_service.sequences import KeypointSequence
from common.torchserve import InferenceClient

Video = TypeVar("Video")
VideoIn = TypeVar("VideoIn", contravariant=True)


class ModelBackend(Protocol[VideoIn]):
    """Recognises the exercise of one video's input."""

    name: str
    model_name: str
    classes: list[str]
    clips: int  # clips (keypoint windows) per video whose probabilities are averaged

    async def recognize(self, video: VideoIn) -> tuple[list[str], np.ndarray]: ...


ActionBackend = ModelBackend[list[np.ndarray]]
KeypointBackend = ModelBackend[KeypointSequence]


class Predictor(Protocol[VideoIn]):
    """A model with its class names: `ActionPredictor` or `KeypointPredictor`."""

    classes: list[str]

    def probabilities(self, video: VideoIn) -> np.ndarray: ...


class InProcessBackend(Generic[Video]):
    """Runs the predictor in a worker thread, one video at a time."""

    name = "in_process"

    def __init__(self, predictor: Predictor[Video], model_name: str, clips: int) -> None:
        self.predictor = predictor
        self.model_name = model_name
        self.classes = predictor.classes
        self.clips = clips
        self._lock = asyncio.Lock()

    async def recognize(self, video: Video) -> tuple[list[str], np.ndarray]:
        async with self._lock:  # one video at a time: the model already uses every core
            probabilities = await asyncio.to_thread(self.predictor.probabilities, video)
        return self.classes, probabilities


class TorchServeBackend(Generic[Video]):
    """Sends one inference request per video; TorchServe batches concurrent ones.

    Args:
        client: The model's inference API.
        model: Model name registered in TorchServe.
        classes: The class names expected until the model's first answer gives its own.
        clips: Clips (keypoint windows) per video the handler averages.
        encode: One video's input to a request body (`action_service.payload`).
    """

    name = "torchserve"

    def __init__(
        self,
        client: InferenceClient,
        model: str,
        classes: list[str],
        clips: int,
        encode: Callable[[Video], bytes],
    ) -> None:
        self.client = client
        self.model_name = model
        self.classes = classes  # replaced by the model's own names at its first answer
        self.clips = clips
        self._encode = encode

    async def recognize(self, video: Video) -> tuple[list[str], np.ndarray]:
        answer = await asyncio.to_thread(self.client.post, self._encode(video))
        self.classes, probabilities = decode_answer(answer)
        return self.classes, probabilities
