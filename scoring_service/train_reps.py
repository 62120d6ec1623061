"""Training the rep segmenter (`fitness train reps --keypoints DIR --videos DIR ...`).

The sequences are keypoint datasets written by `fitness index dataset --all-performances` (the
pose model run over a gym folder, so the segmenter learns the pose model's noise), and each
instant's phase comes from the gym's rep labels in the JSON beside each video: out from a rep's
start to its turning point, back from there to its end, rest elsewhere.

Each epoch draws `windows_per_video` windows from every video, each at a random tempo (0.7x to
1.4x) and start, half of them cut to a random length (from `MIN_WINDOW` instants: they stop
anywhere, as a live session's poses so far do), augmented as the keypoint classifier's
(`action_service.sequences.augment`: mirrored, rolled, stretched, jittered, joints dropped) and
normalised as a whole. The loss of each stage is the per-instant cross-entropy plus MS-TCN's
smoothing term (the clipped squared change of log-probabilities from one instant to the next,
weight `SMOOTHING_WEIGHT`). AdamW (weight decay 1e-2) with a cosine learning rate;
`last.safetensors` after every epoch and `last_state.pt` to resume, as every training here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from action_service.sequences import FEATURES, SEQUENCE_FPS, augment, features, interpolated
from common.device import pick_device
from common.training import WEIGHTS_FILE, resume_run, save_state, train_epoch
from scoring_service.keypoint_dataset import read_keypoint_dataset
from scoring_service.rep_model import BACK, OUT, REST, rep_segmenter
from scoring_service.reps import save_rep_segmenter

SPEEDS = (0.7, 1.4)
SMOOTHING_WEIGHT = 0.15
IGNORED = -100  # the label of padding
CUT_SHARE = 0.5  # of windows cut short: they end anywhere, as a live session's poses so far do
MIN_WINDOW = 40  # instants


@dataclass(frozen=True)
class PhaseSequence:
    """One video's poses (F, K, 3) at 10 fps and each instant's phase (F,)."""

    video: str
    poses: np.ndarray
    phases: np.ndarray
    reps: int


def phase_sequences(keypoints: Path, videos: Path) -> list[PhaseSequence]:
    """The videos of a keypoint dataset made from the gym folder `videos`, with their phases."""
    sequences = []
    for video in read_keypoint_dataset(keypoints):
        labels_path = (videos / video.video).with_suffix(".json")
        if not labels_path.is_file():
            raise FileNotFoundError(
                f"no labels at {labels_path}: is {videos} the dataset's folder?"
            )
        labels = json.loads(labels_path.read_text())
        poses = interpolated(video.keypoints, video.timestamps, SEQUENCE_FPS)
        instants = video.timestamps[0] + np.arange(len(poses)) / SEQUENCE_FPS
        phases = np.full(len(poses), REST, np.int64)
        for rep in labels["reps"]:
            start, turn, end = (rep[key] / labels["fps"] for key in ("start", "bottom", "end"))
            phases[(instants >= start) & (instants < turn)] = OUT
            phases[(instants >= turn) & (instants <= end)] = BACK
        sequences.append(PhaseSequence(video.video, poses, phases, len(labels["reps"])))
    return sequences


class PhaseWindows(Dataset):
    """`windows_per_video` random augmented windows (D, T) of each sequence with their phases
    (T,), padded to `window` instants; set `epoch` before each epoch for fresh windows."""

    def __init__(
        self, sequences: list[PhaseSequence], window: int, windows_per_video: int, seed: int
    ) -> None:
        if not sequences:
            raise ValueError("no sequences to train on")
        self.sequences = sequences
        self.window = window
        self.windows_per_video = windows_per_video
        self.seed = seed
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.sequences) * self.windows_per_video

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        rng = np.random.default_rng((self.seed, self.epoch, index))
        sequence = self.sequences[index // self.windows_per_video]
        steps = np.arange(0, len(sequence.poses), rng.uniform(*SPEEDS))
        chosen = np.minimum(np.round(steps).astype(int), len(sequence.poses) - 1)
        length = min(self.window, len(chosen))
        if rng.random() < CUT_SHARE:
            length = int(rng.integers(min(MIN_WINDOW, length), length + 1))
        start = int(rng.integers(0, len(chosen) - length + 1))
        chosen = chosen[start : start + length]
        poses = augment(sequence.poses[chosen], rng)
        padding = self.window - len(chosen)
        inputs = np.pad(features(poses), ((0, 0), (0, padding)), mode="edge")
        phases = np.pad(sequence.phases[chosen], (0, padding), constant_values=IGNORED)
        return torch.from_numpy(inputs), torch.from_numpy(phases)


def segmentation_loss(stages: list[Tensor], phases: Tensor) -> Tensor:
    """Cross-entropy plus the weighted smoothing term, summed over the stages."""
    valid = (phases[:, 1:] != IGNORED)[:, None]
    total = torch.zeros((), device=phases.device)
    for logits in stages:
        total = total + torch.nn.functional.cross_entropy(logits, phases, ignore_index=IGNORED)
        log_probabilities = logits.log_softmax(dim=1)
        change = (log_probabilities[:, :, 1:] - log_probabilities[:, :, :-1].detach()) ** 2
        smoothing = (change.clamp(max=16) * valid).sum() / (valid.sum() * change.shape[1] + 1)
        total = total + SMOOTHING_WEIGHT * smoothing
    return total


@dataclass(frozen=True)
class RepTrainConfig:
    """What `fitness train reps` was asked to do: `keypoints[i]` was made from `videos[i]`."""

    keypoints: tuple[Path, ...]
    videos: tuple[Path, ...]
    out: Path
    width: int = 64
    epochs: int = 80
    batch_size: int = 16
    learning_rate: float = 2e-3
    window: int = 160
    windows_per_video: int = 1
    seed: int = 0
    resume: bool = False
    device: str = "auto"


def training_sequences(config: RepTrainConfig) -> list[PhaseSequence]:
    """Every listed dataset's sequences."""
    if len(config.keypoints) != len(config.videos):
        raise ValueError("give one gym folder (--videos) for each keypoint dataset (--keypoints)")
    return [
        sequence
        for keypoints, videos in zip(config.keypoints, config.videos, strict=True)
        for sequence in phase_sequences(keypoints, videos)
    ]


def train_reps(
    config: RepTrainConfig,
    progress: Callable[[int, float], None] | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Trains and checkpoints; returns the mean loss of each epoch run."""
    torch.manual_seed(config.seed)
    device = pick_device(config.device)
    dataset = PhaseWindows(
        training_sequences(config), config.window, config.windows_per_video, config.seed
    )
    loader = DataLoader(dataset, batch_size=config.batch_size, shuffle=True)
    model = rep_segmenter(FEATURES, config.width).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=1e-2)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(1, config.epochs))
    start_epoch = resume_run(config.out, model, optimizer, schedule, device) if config.resume else 0
    losses = []

    def loss_of(batch: tuple[Tensor, Tensor]) -> tuple[Tensor, int]:
        inputs, phases = batch
        return segmentation_loss(model(inputs.to(device)), phases.to(device)), len(phases)

    for epoch in range(start_epoch, config.epochs):
        model.train()
        dataset.epoch = epoch
        losses.append(train_epoch(loader, loss_of, optimizer, progress))
        schedule.step()
        save_rep_segmenter(model, width=config.width, path=config.out / WEIGHTS_FILE)
        save_state(config.out, optimizer, schedule, epoch + 1)
        if on_epoch:
            on_epoch(epoch + 1, losses[-1])
    return losses
