"""What every training loop shares: one optimisation pass over a loader, and the resumable
state beside the weights.

`last.safetensors` holds the weights (written by each model's own checkpoint code, with its
metadata); `last_state.pt` beside it holds the optimiser, the schedule and the epoch reached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import torch
from safetensors.torch import load_file

WEIGHTS_FILE = "last.safetensors"
STATE_FILE = "last_state.pt"


def save_state(
    out: Path,
    optimizer: torch.optim.Optimizer,
    schedule: torch.optim.lr_scheduler.LRScheduler,
    epoch: int,
) -> None:
    """Writes the optimiser, schedule and epoch done to `out/last_state.pt`."""
    torch.save(
        {"optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(), "epoch": epoch},
        out / STATE_FILE,
    )


def resume_run(
    out: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    schedule: torch.optim.lr_scheduler.LRScheduler,
    device: torch.device,
) -> int:
    """Restores a run from `out` when both files are there; returns the epoch to start at."""
    weights, state_path = out / WEIGHTS_FILE, out / STATE_FILE
    if not (weights.is_file() and state_path.is_file()):
        return 0
    model.load_state_dict(load_file(str(weights), device=str(device)))
    state = torch.load(state_path, map_location=device, weights_only=False)
    optimizer.load_state_dict(state["optimizer"])
    schedule.load_state_dict(state["schedule"])
    return int(state["epoch"])


def train_epoch(
    batches: Iterable,
    loss_of: Callable[..., tuple[torch.Tensor, int]],
    optimizer: torch.optim.Optimizer,
    progress: Callable[[int, float], None] | None = None,
) -> float:
    """One pass: `loss_of(batch)` gives a batch's loss and its sample count; each batch takes
    an optimiser step. Reports (samples, running mean loss) to `progress`; returns the mean
    loss per sample."""
    total, count = 0.0, 0
    for batch in batches:
        loss, size = loss_of(batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += loss.item() * size
        count += size
        if progress:
            progress(size, total / count)
    return total / max(count, 1)
