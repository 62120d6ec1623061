"""The action models' TorchServe archives: weights, handler and config in one `.mar` each.

The checkpoint says which archive it makes: 3D ResNet weights `action.mar` (`handler.py`,
`model-config.yaml`), keypoint classifier weights `action_keypoints.mar` (`keypoint_handler.py`,
`keypoint-model-config.yaml`).
"""

from __future__ import annotations

from pathlib import Path

from action_service.checkpoint import R3D, SKELETON_TCN, checkpoint_architecture
from common.torchserve import build_archive

PACKAGE = Path(__file__).resolve().parent
MODEL_NAME = "action"
KEYPOINT_MODEL_NAME = "action_keypoints"

# Architecture: (model name, handler, model config), files beside this one.
ARCHIVES = {
    R3D: (MODEL_NAME, "handler.py", "model-config.yaml"),
    SKELETON_TCN: (KEYPOINT_MODEL_NAME, "keypoint_handler.py", "keypoint-model-config.yaml"),
}


def build_action_archive(weights: Path, out_dir: Path, version: str = "1.0") -> Path:
    """Writes `out_dir/action.mar` or `out_dir/action_keypoints.mar`, as the architecture of
    the weights (saved by `action_service.checkpoint`) asks."""
    architecture = checkpoint_architecture(weights)
    if architecture not in ARCHIVES:
        raise ValueError(f"{weights} holds a {architecture} model, which has no archive")
    name, handler, config = ARCHIVES[architecture]
    return build_archive(
        name=name,
        version=version,
        weights=weights,
        handler=PACKAGE / handler,
        config=PACKAGE / config,
        out_dir=out_dir,
    )
