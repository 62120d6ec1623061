"""Training the 3D ResNet on a UCF101-format folder (`fitness train action --ucf DIR`).

Transfer learning as the paper and the official code do it: a pretrained checkpoint (for
example Kinetics) is loaded, its classifier replaced for the exercises, early stages
optionally frozen, and the network fine-tuned with SGD (momentum 0.9, weight decay 1e-3) and a
learning rate divided by 10 at 60% and 85% of the epochs. Without `--pretrained` it trains from
scratch, where Adam (`--optimizer adam`, learning rate 1e-3) gets going much sooner on a small
set than SGD does, and AdamW (`--optimizer adamw`, weight decay 0.05) keeps a network trained
long on a rendered set from memorising it. On a GPU the forward pass runs in bfloat16 autocast,
the loss in float32. Checkpoints: `last.safetensors` (weights with depth, width and class
names) after every epoch, plus `last_state.pt` (optimiser, schedule, epoch) to resume.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from safetensors.torch import load_file
from torch.utils.data import DataLoader

from action_service.checkpoint import save_checkpoint
from action_service.dataset import UCF101Clips
from action_service.model import ResNet3D, build_model, load_pretrained
from common.device import pick_device
from common.training import WEIGHTS_FILE, resume_run, save_state, train_epoch

logger = logging.getLogger(__name__)

# Frozen from the input up: stem (conv1, bn1), then layer1 to layer4.
STAGES = ("stem", "layer1", "layer2", "layer3", "layer4")


@dataclass(frozen=True)
class TrainConfig:
    """What `fitness train action` was asked to do."""

    ucf: tuple[Path, ...]
    out: Path
    depth: int = 18
    widen_factor: float = 0.25
    list_name: str = "trainlist01.txt"
    pretrained: Path | None = None
    frozen_stages: int = 0
    epochs: int = 20
    batch_size: int = 8
    learning_rate: float = 0.01
    optimizer: Literal["sgd", "adam", "adamw"] = "sgd"
    clips_per_video: int = 1
    temporal_stride: int = 1
    in_memory: bool = False
    workers: int = 2
    seed: int = 0
    resume: bool = False
    device: str = "auto"


def freeze(model: ResNet3D, stages: int) -> None:
    """Stops training the first `stages` of STAGES (their BatchNorm statistics included)."""
    if not 0 <= stages <= len(STAGES):
        raise ValueError(f"frozen stages must be 0 to {len(STAGES)}, got {stages}")
    for name in STAGES[:stages]:
        modules = [model.conv1, model.bn1] if name == "stem" else [getattr(model, name)]
        for module in modules:
            module.eval()
            for parameter in module.parameters():
                parameter.requires_grad_(False)


def make_optimizer(
    model: torch.nn.Module, name: str, learning_rate: float
) -> torch.optim.Optimizer:
    """SGD (momentum 0.9, weight decay 1e-3, as published), Adam, or AdamW (weight decay 0.05)."""
    if name == "sgd":
        return torch.optim.SGD(
            model.parameters(), lr=learning_rate, momentum=0.9, weight_decay=1e-3
        )
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=learning_rate)
    if name == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.05)
    raise ValueError(f"unknown optimizer {name!r}: choose sgd, adam or adamw")


def read_pretrained(path: Path) -> dict[str, torch.Tensor]:
    """A published checkpoint (`.pth`, maybe with a `state_dict` entry) or our safetensors."""
    if path.suffix == ".safetensors":
        return load_file(str(path))
    state = torch.load(path, map_location="cpu", weights_only=True)
    return state.get("state_dict", state) if isinstance(state, dict) else state


def train(
    config: TrainConfig,
    progress: Callable[[int, float], None] | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
    loaded: Callable[[int], None] | None = None,
) -> list[float]:
    """Fine-tunes (or trains) and checkpoints; returns the mean loss of each epoch run.

    Args:
        config: Data, model and schedule.
        progress: Called after every step with (clips done, running loss).
        on_epoch: Called after every epoch's checkpoint with (epoch number, mean loss).
        loaded: With `config.in_memory`, called with 1 after each video is decoded.
    """
    torch.manual_seed(config.seed)
    device = pick_device(config.device)
    torch.backends.cudnn.benchmark = True
    dataset = UCF101Clips(
        config.ucf,
        config.list_name,
        seed=config.seed,
        clips_per_video=config.clips_per_video,
        in_memory=config.in_memory,
        loaded=loaded,
        temporal_stride=config.temporal_stride,
    )
    loader = DataLoader(
        dataset,
        batch_size=config.batch_size,
        shuffle=True,
        num_workers=config.workers,
        persistent_workers=config.workers > 0,
        pin_memory=device.type == "cuda",
    )
    model = build_model(
        config.depth, num_classes=len(dataset.classes), widen_factor=config.widen_factor
    )
    if config.pretrained is not None:
        replaced = load_pretrained(model, read_pretrained(config.pretrained))
        logger.info("loaded %s (re-initialised: %s)", config.pretrained, replaced or "nothing")
    model.to(device)
    # Frozen parameters get no gradient, so SGD leaves them as they are.
    optimizer = make_optimizer(model, config.optimizer, config.learning_rate)
    milestones = [max(1, round(config.epochs * 0.6)), max(1, round(config.epochs * 0.85))]
    schedule = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, gamma=0.1)
    weights_path = config.out / WEIGHTS_FILE
    start_epoch = resume_run(config.out, model, optimizer, schedule, device) if config.resume else 0
    losses = []

    def classification_loss(batch: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, int]:
        clips, labels = (tensor.to(device, non_blocking=True) for tensor in batch)
        with torch.autocast(device.type, torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(clips)
        return torch.nn.functional.cross_entropy(logits.float(), labels), len(labels)

    for epoch in range(start_epoch, config.epochs):
        model.train()
        freeze(model, config.frozen_stages)
        losses.append(train_epoch(loader, classification_loss, optimizer, progress))
        schedule.step()
        save_checkpoint(
            model,
            depth=config.depth,
            widen_factor=config.widen_factor,
            classes=dataset.classes,
            path=weights_path,
            temporal_stride=config.temporal_stride,
        )
        save_state(config.out, optimizer, schedule, epoch + 1)
        if on_epoch:
            on_epoch(epoch + 1, losses[-1])
    return losses
