"""Action model weights as safetensors, with what rebuilds the model in the metadata."""

from __future__ import annotations

import json
from pathlib import Path

from safetensors import safe_open
from safetensors.torch import load_file, save_file

from action_service.model import ResNet3D, build_model


def save_checkpoint(
    model: ResNet3D, *, depth: int, widen_factor: float, classes: list[str], path: Path
) -> None:
    """Writes the weights with depth, width and class names in the metadata."""
    if len(classes) != model.fc.out_features:
        raise ValueError(f"{len(classes)} class names for {model.fc.out_features} outputs")
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    metadata = {
        "depth": str(depth),
        "widen_factor": str(widen_factor),
        "classes": json.dumps(classes),
    }
    save_file(state, str(path), metadata=metadata)


def load_weights(path: Path) -> tuple[ResNet3D, list[str]]:
    """The model and its class names from a checkpoint written by `save_checkpoint`."""
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
    if "classes" not in metadata:
        raise ValueError(f"{path} has no action model metadata: not a checkpoint of ours")
    classes = json.loads(metadata["classes"])
    model = build_model(
        int(metadata["depth"]),
        num_classes=len(classes),
        widen_factor=float(metadata["widen_factor"]),
    )
    model.load_state_dict(load_file(str(path)), strict=True)
    return model, classes
