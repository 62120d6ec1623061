"""TorchServe handler of the keypoint classifier: windows of a video's poses, the skeleton TCN
and averaged softmax.

Each request carries one video's poses with their timestamps (`action_service.payload`); the
work is `KeypointPredictor.probabilities`, the code the in-process backend runs too. Inference
and the answer are the action handler's; batching is in `keypoint-model-config.yaml` beside
this file.
"""

from __future__ import annotations

from typing import Any

from action_service.checkpoint import load_skeleton_weights
from action_service.handler import ActionHandler
from action_service.inference import KeypointPredictor
from action_service.payload import decode_keypoints_request
from action_service.sequences import KeypointSequence
from common.torchserve import request_body, serialized_file, worker_device


class KeypointHandler(ActionHandler):
    """The keypoint classifier behind TorchServe's inference API."""

    def initialize(self, context: Any) -> None:
        self.device = worker_device(context)
        model, classes = load_skeleton_weights(serialized_file(context))
        options = (context.model_yaml_config or {}).get("handler", {})
        self.predictor = KeypointPredictor(
            model.eval().to(self.device), classes, int(options.get("windows", 5)), self.device
        )
        self.initialized = True

    def preprocess(self, data: list[dict]) -> list[KeypointSequence]:
        return [decode_keypoints_request(request_body(row)) for row in data]
