"""Training the person detector on the gym's videos (`fitness train detector --ucf DIR`).

Glossary of shapes:
    - batch size: N
    - input side: S; grid side: G (S / 8)

Samples are frames of the videos of a UCF101-style split list, a few evenly spaced per video,
labelled with every person in view: the performer's box and the boxes of the others (the
gym's bystanders, `others` in its labels). Each sample is letterboxed at a random scale (so
people of every size are seen, down to a tenth of the frame) and place, flipped, and jittered
in brightness, contrast, saturation and sharpness, for the step from rendered rooms to filmed
ones. Half the samples are mosaics (as YOLOv4 trains): four frames, each placed in a quarter
of the square, so that most samples show several people and small ones, where the gym's
frames mostly show one.

Targets follow CenterNet: a Gaussian per person on the centre heatmap (sigma a sixth of the
box, per axis), trained with the penalty-reduced focal loss; log box size in cells and the
centre's sub-cell offset, trained with the L1 loss at the centre cell. AdamW with a cosine
schedule; `last.safetensors` after every epoch, `last_state.pt` beside it to resume.
"""

from __future__ import annotations

import json
import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from common.device import pick_device
from common.training import WEIGHTS_FILE, resume_run, save_state, train_epoch
from common.video import VideoReader
from pose_service.detector import PAD_VALUE, STRIDE, PeopleNet, save_detector
from pose_service.inference import normalise

logger = logging.getLogger(__name__)

Box = tuple[float, float, float, float]
MIN_BOX_PIXELS = 4.0  # a box thinner than this (off the frame) is no person to find
MIN_KEPT_SHARE = 0.4  # a person cut by the crop counts while this much of the box stays
MOSAIC_SHARE = 0.5


def listed_videos(root: Path, list_name: str) -> list[Path]:
    """The videos of a UCF101 split list under `root` ("Class/v_....mp4 [label]" lines)."""
    path = root / list_name
    if not path.is_file():
        raise FileNotFoundError(f"no split list {path}")
    return [root / line.split()[0] for line in path.read_text().splitlines() if line.strip()]


def people_in(frame: dict) -> list[Box]:
    """Every person box of one frame of the gym's labels: the performer's, then the others'."""
    boxes = [tuple(frame["box"]), *(tuple(box) for box in frame["others"])]
    return [box for box in boxes if min(box[2], box[3]) >= MIN_BOX_PIXELS]


def read_samples(
    videos: list[Path], frames_per_video: int, loaded: Callable[[int], None] | None = None
) -> list[tuple[np.ndarray, list[Box]]]:
    """Evenly spaced frames of each video (RGB) with the people in them, from the labels JSON
    beside each video; `loaded(1)` after each video."""
    samples = []
    for video in videos:
        labels = json.loads(video.with_suffix(".json").read_text())["frames"]
        wanted = set(np.linspace(0, len(labels) - 1, frames_per_video).round().astype(int))
        with VideoReader(video) as reader:
            for frame in reader:
                if frame.index in wanted:
                    samples.append((frame.image, people_in(labels[frame.index])))
        if loaded:
            loaded(1)
    return samples


def place(
    image: np.ndarray, boxes: list[Box], side: int, rng: random.Random
) -> tuple[np.ndarray, list[Box]]:
    """The image at a random scale and place in a `side` square (grey elsewhere), flipped
    half the time; the boxes moved with it and clipped, those mostly cut off dropped."""
    height, width = image.shape[:2]
    scale = side / max(height, width) * rng.uniform(0.4, 1.3)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    left = rng.uniform(min(0, side - new_w), max(0, side - new_w))
    top = rng.uniform(min(0, side - new_h), max(0, side - new_h))
    flip = rng.random() < 0.5
    matrix = np.array([[scale, 0, left], [0, scale, top]], np.float32)
    if flip:
        matrix = np.array([[-scale, 0, side - left], [0, scale, top]], np.float32)
    square = cv2.warpAffine(
        image, matrix, (side, side), flags=cv2.INTER_AREA, borderValue=(PAD_VALUE,) * 3
    )
    placed = []
    for x, y, w, h in boxes:
        x0 = side - (left + (x + w) * scale) if flip else left + x * scale
        y0 = top + y * scale
        x1, y1 = x0 + w * scale, y0 + h * scale
        cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, side), min(y1, side)
        kept = max(cx1 - cx0, 0) * max(cy1 - cy0, 0) / max(w * h * scale * scale, 1e-6)
        if kept >= MIN_KEPT_SHARE:
            placed.append((cx0, cy0, cx1 - cx0, cy1 - cy0))
    return square, placed


def jitter(image: np.ndarray, rng: random.Random) -> np.ndarray:
    """Brightness, contrast and saturation jitter, and a blur a third of the time."""
    result = image.astype(np.float32)
    grey = result.mean(axis=2, keepdims=True)
    result = grey + (result - grey) * rng.uniform(0.5, 1.5)
    result = (result - result.mean()) * rng.uniform(0.7, 1.3) + result.mean()
    result = result * rng.uniform(0.6, 1.4)
    if rng.random() < 0.3:
        result = cv2.GaussianBlur(result, (0, 0), rng.uniform(0.5, 1.5))
    return np.clip(result, 0, 255).astype(np.uint8)


def targets(boxes: list[Box], grid: int) -> torch.Tensor:
    """(6, G, G): centre heatmap, log width and height in cells, x and y offset, and the
    mask of centre cells."""
    target = torch.zeros(6, grid, grid)
    ys, xs = torch.meshgrid(torch.arange(grid), torch.arange(grid), indexing="ij")
    for x, y, w, h in boxes:
        cx, cy = (x + w / 2) / STRIDE, (y + h / 2) / STRIDE
        column, row = min(int(cx), grid - 1), min(int(cy), grid - 1)
        sigma_x, sigma_y = max(w / STRIDE / 6, 0.8), max(h / STRIDE / 6, 0.8)
        gaussian = torch.exp(
            -((xs - column) ** 2) / (2 * sigma_x**2) - (ys - row) ** 2 / (2 * sigma_y**2)
        )
        target[0] = torch.maximum(target[0], gaussian)
        target[1:3, row, column] = torch.tensor([math.log(w / STRIDE), math.log(h / STRIDE)])
        target[3:5, row, column] = torch.tensor([cx - column, cy - row])
        target[5, row, column] = 1.0
    return target


class GymPeople(Dataset):
    """Augmented detector samples: (image (3, S, S) normalised, targets (6, G, G)); the
    draws depend on the seed, the epoch and the index only."""

    def __init__(
        self, samples: list[tuple[np.ndarray, list[Box]]], side: int, seed: int = 0
    ) -> None:
        self.samples = samples
        self.side = side
        self.seed = seed
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = random.Random(hash((self.seed, self.epoch, index)))
        if rng.random() < MOSAIC_SHARE:
            square, placed = self._mosaic(index, rng)
        else:
            square, placed = place(*self.samples[index], self.side, rng)
        return normalise(jitter(square, rng)[None])[0], targets(placed, self.side // STRIDE)

    def _mosaic(self, index: int, rng: random.Random) -> tuple[np.ndarray, list[Box]]:
        """Four samples (this one and three drawn), one placed in each quarter."""
        half = self.side // 2
        square = np.empty((self.side, self.side, 3), np.uint8)
        placed = []
        picks = [index, *(rng.randrange(len(self.samples)) for _ in range(3))]
        for quarter, pick in enumerate(picks):
            left, top = (quarter % 2) * half, (quarter // 2) * half
            tile, boxes = place(*self.samples[pick], half, rng)
            square[top : top + half, left : left + half] = tile
            placed += [(x + left, y + top, w, h) for x, y, w, h in boxes]
        return square, placed


def detector_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Focal loss on the centre heatmap plus L1 on sizes and offsets at centre cells, per
    person."""
    heat = torch.sigmoid(output[:, 0]).clamp(1e-4, 1 - 1e-4)
    gaussian, mask = target[:, 0], target[:, 5]
    positive = -((1 - heat) ** 2) * torch.log(heat) * mask
    negative = -((1 - gaussian) ** 4) * heat**2 * torch.log(1 - heat) * (1 - mask)
    people = mask.sum().clamp(min=1)
    focal = (positive.sum() + negative.sum()) / people
    cells = mask[:, None]
    size = (F.l1_loss(output[:, 1:3], target[:, 1:3], reduction="none") * cells).sum() / people
    offset = (F.l1_loss(output[:, 3:5], target[:, 3:5], reduction="none") * cells).sum() / people
    return focal + size + offset


@dataclass
class DetectorTrainConfig:
    """What `fitness train detector` trains on and how."""

    ucf: list[Path]
    out: Path
    list_name: str = "trainlist01.txt"
    frames_per_video: int = 10
    input_side: int = 192
    epochs: int = 40
    batch_size: int = 32
    learning_rate: float = 2e-3
    workers: int = 2
    seed: int = 0
    resume: bool = False
    device: str = "auto"


def train_detector(
    config: DetectorTrainConfig,
    progress: Callable[[int, float], None] | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
    loaded: Callable[[int], None] | None = None,
) -> list[float]:
    """Trains and checkpoints; returns the mean loss of each epoch run.

    Args:
        config: Data, size and schedule.
        progress: Called after every step with (samples done, running loss).
        on_epoch: Called after every epoch's checkpoint with (epoch number, mean loss).
        loaded: Called with 1 after each video is decoded.
    """
    torch.manual_seed(config.seed)
    device = pick_device(config.device)
    videos = [video for root in config.ucf for video in listed_videos(root, config.list_name)]
    samples = read_samples(videos, config.frames_per_video, loaded)
    dataset = GymPeople(samples, config.input_side, seed=config.seed)
    loader = DataLoader(
        dataset,
        batch_size=config.batch_size,
        shuffle=True,
        num_workers=config.workers,
        pin_memory=device.type == "cuda",
    )
    model = PeopleNet().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.epochs)
    start_epoch = resume_run(config.out, model, optimizer, schedule, device) if config.resume else 0
    losses = []

    def batch_loss(batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, int]:
        images, target = (tensor.to(device, non_blocking=True) for tensor in batch)
        return detector_loss(model(images).float(), target), len(images)

    for epoch in range(start_epoch, config.epochs):
        dataset.epoch = epoch
        model.train()
        losses.append(train_epoch(loader, batch_loss, optimizer, progress))
        schedule.step()
        save_detector(model, config.input_side, config.out / WEIGHTS_FILE)
        save_state(config.out, optimizer, schedule, epoch + 1)
        logger.info("epoch %d: loss %.4f", epoch + 1, losses[-1])
        if on_epoch:
            on_epoch(epoch + 1, losses[-1])
    return losses
