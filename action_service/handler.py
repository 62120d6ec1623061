"""TorchServe handler of the action model: clip sampling, the 3D ResNet and averaged softmax.

Each request carries one video's frames (`action_service.payload`); the work is
`ActionPredictor.probabilities`, the code the in-process backend runs too. Batching is in
`model-config.yaml` beside this file.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ts.torch_handler.base_handler import BaseHandler

from action_service.checkpoint import load_predictor
from action_service.clips import TEST_CLIPS
from action_service.payload import decode_request, encode_answer
from common.torchserve import request_body, serialized_file, worker_device


class ActionHandler(BaseHandler):
    """The 3D ResNet behind TorchServe's inference API."""

    def initialize(self, context: Any) -> None:
        self.device = worker_device(context)
        options = (context.model_yaml_config or {}).get("handler", {})
        self.predictor = load_predictor(
            serialized_file(context),
            clips=int(options.get("clips", TEST_CLIPS)),
            device=self.device,
        )
        self.initialized = True

    def preprocess(self, data: list[dict]) -> list[list[np.ndarray]]:
        return [decode_request(request_body(row)) for row in data]

    def inference(self, data: list, *args: Any, **kwargs: Any) -> list[np.ndarray]:
        # `data` is what `preprocess` made: frames here, poses in the keypoint handler.
        return [self.predictor.probabilities(video) for video in data]

    def postprocess(self, data: list[np.ndarray]) -> list[str]:
        return [encode_answer(self.predictor.classes, probabilities) for probabilities in data]
