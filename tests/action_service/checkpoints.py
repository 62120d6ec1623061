"""Tiny, randomly initialised action checkpoints: a 3D ResNet and a keypoint classifier."""

from __future__ import annotations

from pathlib import Path

import torch

from action_service.checkpoint import save_checkpoint, save_skeleton_checkpoint
from action_service.classes import EXERCISES, KEYPOINT_CLASSES
from action_service.model import build_model
from action_service.sequences import FEATURES
from action_service.skeleton_model import skeleton_tcn


def save_tiny_action_checkpoint(path: Path) -> Path:
    """A 10-layer 3D ResNet at a quarter width over the eight exercises."""
    torch.manual_seed(6)
    model = build_model(10, widen_factor=0.25)
    save_checkpoint(model, depth=10, widen_factor=0.25, classes=EXERCISES, path=path)
    return path


def save_tiny_keypoint_checkpoint(path: Path) -> Path:
    """A width-16 keypoint classifier over the exercises and "none"."""
    torch.manual_seed(7)
    model = skeleton_tcn(FEATURES, len(KEYPOINT_CLASSES), width=16)
    save_skeleton_checkpoint(
        model, in_features=FEATURES, width=16, classes=KEYPOINT_CLASSES, path=path
    )
    return path
