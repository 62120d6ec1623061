"""Training the keypoint classifier (`fitness train action-skeleton --keypoints DIR ...`).

From scratch with AdamW (weight decay 1e-2) and a cosine learning rate, on random augmented
windows of the pose model's keypoints (`action_service.skeleton_dataset`), with a class-balanced
cross-entropy (`class_weights`). Checkpoints as the
3D ResNet's: `last.safetensors` after every epoch (weights, width, class names) and
`last_state.pt` to resume.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from action_service.checkpoint import save_skeleton_checkpoint
from action_service.classes import KEYPOINT_CLASSES
from action_service.sequences import FEATURES
from action_service.skeleton_dataset import KeypointWindows, labelled_sequences
from action_service.skeleton_model import skeleton_tcn
from common.device import pick_device
from common.training import WEIGHTS_FILE, resume_run, save_state, train_epoch


@dataclass(frozen=True)
class SkeletonTrainConfig:
    """What `fitness train action-skeleton` was asked to do."""

    keypoints: tuple[Path, ...]
    out: Path
    width: int = 64
    epochs: int = 60
    batch_size: int = 64
    learning_rate: float = 2e-3
    windows_per_video: int = 8
    seed: int = 0
    resume: bool = False
    device: str = "auto"


def train_skeleton(
    config: SkeletonTrainConfig,
    progress: Callable[[int, float], None] | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Trains and checkpoints; returns the mean loss of each epoch run."""
    torch.manual_seed(config.seed)
    device = pick_device(config.device)
    dataset = KeypointWindows(
        labelled_sequences(config.keypoints),
        windows_per_video=config.windows_per_video,
        seed=config.seed,
    )
    loader = DataLoader(dataset, batch_size=config.batch_size, shuffle=True)
    balance = class_weights([item.label for item in dataset.sequences]).to(device)
    model = skeleton_tcn(FEATURES, len(KEYPOINT_CLASSES), config.width).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=1e-2)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(1, config.epochs))
    start_epoch = resume_run(config.out, model, optimizer, schedule, device) if config.resume else 0
    losses = []

    def classification_loss(batch: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, int]:
        windows, labels = batch
        logits = model(windows.to(device))
        loss = torch.nn.functional.cross_entropy(logits, labels.to(device), weight=balance)
        return loss, len(labels)

    for epoch in range(start_epoch, config.epochs):
        model.train()
        dataset.epoch = epoch
        losses.append(train_epoch(loader, classification_loss, optimizer, progress))
        schedule.step()
        save_skeleton_checkpoint(
            model,
            in_features=FEATURES,
            width=config.width,
            classes=KEYPOINT_CLASSES,
            path=config.out / WEIGHTS_FILE,
        )
        save_state(config.out, optimizer, schedule, epoch + 1)
        if on_epoch:
            on_epoch(epoch + 1, losses[-1])
    return losses


def class_weights(labels: list[int]) -> torch.Tensor:
    """Loss weights (C,) under which every class present weighs the same whatever its number
    of videos (there are far fewer videos of other movements than of the exercises); 0 for an
    absent class."""
    counts = torch.bincount(torch.tensor(labels), minlength=len(KEYPOINT_CLASSES)).float()
    present = counts > 0
    weights = torch.zeros(len(KEYPOINT_CLASSES))
    weights[present] = counts.sum() / (present.sum() * counts[present])
    return weights
