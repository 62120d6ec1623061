"""Action model weights as safetensors, with what rebuilds the model in the metadata.

Two architectures live here: the 3D ResNet (`architecture` "r3d", the default of files that
name none) and the keypoint classifier ("skeleton_tcn"). Each loader refuses the other's file
with a clear error.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from action_service.clips import TEST_CLIPS
from action_service.inference import ActionPredictor
from action_service.model import ResNet3D, build_model
from action_service.skeleton_model import SkeletonTCN, skeleton_tcn

R3D = "r3d"
SKELETON_TCN = "skeleton_tcn"


def _save(model: nn.Module, classes: list[str], path: Path, metadata: dict[str, str]) -> None:
    outputs = model.fc.out_features
    if len(classes) != outputs:
        raise ValueError(f"{len(classes)} class names for {outputs} outputs")
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path), metadata={**metadata, "classes": json.dumps(classes)})


def _read_metadata(path: Path) -> dict[str, str]:
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
    if "classes" not in metadata:
        raise ValueError(f"{path} has no action model metadata: not a checkpoint of ours")
    return metadata


def checkpoint_architecture(path: Path) -> str:
    """The architecture an action checkpoint holds: `R3D` or `SKELETON_TCN`."""
    return _read_metadata(path).get("architecture", R3D)


def _metadata(path: Path, architecture: str) -> dict[str, str]:
    metadata = _read_metadata(path)
    found = metadata.get("architecture", R3D)
    if found != architecture:
        raise ValueError(f"{path} holds a {found} model, not a {architecture} model")
    return metadata


def save_checkpoint(
    model: ResNet3D,
    *,
    depth: int,
    widen_factor: float,
    classes: list[str],
    path: Path,
    temporal_stride: int = 1,
) -> None:
    """Writes 3D ResNet weights with depth, width, the clips' temporal stride and class names
    in the metadata."""
    metadata = {
        "architecture": R3D,
        "depth": str(depth),
        "widen_factor": str(widen_factor),
        "temporal_stride": str(temporal_stride),
    }
    _save(model, classes, path, metadata)


def _load_r3d(path: Path) -> tuple[ResNet3D, list[str], dict[str, str]]:
    metadata = _metadata(path, R3D)
    classes = json.loads(metadata["classes"])
    model = build_model(
        int(metadata["depth"]),
        num_classes=len(classes),
        widen_factor=float(metadata["widen_factor"]),
    )
    model.load_state_dict(load_file(str(path)), strict=True)
    return model, classes, metadata


def load_weights(path: Path) -> tuple[ResNet3D, list[str]]:
    """The 3D ResNet and its class names from a checkpoint written by `save_checkpoint`."""
    model, classes, _ = _load_r3d(path)
    return model, classes


def load_predictor(
    path: Path, *, clips: int = TEST_CLIPS, device: torch.device | None = None
) -> ActionPredictor:
    """An evaluation-mode predictor of `save_checkpoint`'s file, sampling clips with the
    temporal stride it was trained with (1 for files that name none)."""
    model, classes, metadata = _load_r3d(path)
    device = device or torch.device("cpu")
    stride = int(metadata.get("temporal_stride", "1"))
    return ActionPredictor(model.eval().to(device), classes, clips, device, stride)


def save_skeleton_checkpoint(
    model: SkeletonTCN, *, in_features: int, width: int, classes: list[str], path: Path
) -> None:
    """Writes keypoint classifier weights with input size, width and class names."""
    metadata = {"architecture": SKELETON_TCN, "in_features": str(in_features), "width": str(width)}
    _save(model, classes, path, metadata)


def load_skeleton_weights(path: Path) -> tuple[SkeletonTCN, list[str]]:
    """The keypoint classifier and its class names from `save_skeleton_checkpoint`'s file."""
    metadata = _metadata(path, SKELETON_TCN)
    classes = json.loads(metadata["classes"])
    model = skeleton_tcn(int(metadata["in_features"]), len(classes), int(metadata["width"]))
    model.load_state_dict(load_file(str(path)), strict=True)
    return model, classes
