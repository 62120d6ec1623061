"""TorchServe handler of the pose model: crop, batched HRNet and heatmap decoding on the worker.

TorchServe gathers up to `batchSize` requests (see `model-config.yaml` beside this file); each
carries one frame and one person box (`pose_service.payload`). The work itself is
`PosePredictor.predict`, the code the in-process backend runs too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ts.torch_handler.base_handler import BaseHandler

from common.torchserve import request_body, serialized_file, worker_device
from pose_service.inference import PosePredictor
from pose_service.payload import decode_request, encode_answer
from pose_service.train import load_weights


class PoseHandler(BaseHandler):
    """HRNet behind TorchServe's inference API."""

    def initialize(self, context: Any) -> None:
        self.device = worker_device(context)
        weights = serialized_file(context)
        model, input_size = load_weights(weights)
        options = (context.model_yaml_config or {}).get("handler", {})
        self.predictor = PosePredictor(
            model.eval().to(self.device),
            input_size,
            bool(options.get("flip_test", PosePredictor.flip_test)),
            self.device,
            options.get("decoding", PosePredictor.decoding),
        )
        self.initialized = True

    def preprocess(self, data: list[dict]) -> tuple[list[np.ndarray], list[tuple]]:
        requests = [decode_request(request_body(row)) for row in data]
        return [frame for frame, _ in requests], [box for _, box in requests]

    def inference(
        self, data: tuple[list[np.ndarray], list[tuple]], *args: Any, **kwargs: Any
    ) -> np.ndarray:
        frames, boxes = data
        return self.predictor.predict(frames, boxes)

    def postprocess(self, data: np.ndarray) -> list[str]:
        return [encode_answer(keypoints) for keypoints in data]
