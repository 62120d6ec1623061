"""Training HRNet on COCO-format person keypoints (`fitness train pose --coco DIR`).

Glossary of shapes:
    - batch size: N
    - keypoint number: K
    - input height, width: H, W; heatmap height, width: h, w (H/4, W/4)

The recipe is the published one: one sample per annotated person, the ground-truth box
grown to the input aspect with 1.25 padding, random scale (sd 0.35), rotation (sd 45
degrees, on 60% of samples) and horizontal flip; Gaussian heatmap targets (sigma 2); the
mean squared error weighted by each joint's visibility; Adam at 1e-3 with the rate divided by
10 at 80% and 95% of the epochs (170 and 200 of 210 in the original). The original's
half-body augmentation is left out. The same code reads COCO itself (`--split train2017`) and
the gym's sets (`fitness synth poses`); several sets train together as one. On a GPU the
forward pass runs in bfloat16 autocast, the loss in float32.

Checkpoints: `last.safetensors` (the weights, with the model name and input size in its
metadata) after every epoch, plus `last_state.pt` (optimiser, schedule, epoch) to resume.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch.utils.data import ConcatDataset, DataLoader, Dataset

from common.device import pick_device
from common.skeleton import FLIP_INDEX
from common.training import WEIGHTS_FILE, resume_run, save_state, train_epoch
from pose_service.codec import CropRegion, encode
from pose_service.inference import normalise
from pose_service.model import PoseHRNet, build_model

logger = logging.getLogger(__name__)

SCALE_FACTOR = 0.35
ROTATION_FACTOR = 45.0
ROTATION_PROBABILITY = 0.6


def annotation_file(root: Path, split: str) -> Path:
    """`annotations/person_keypoints_<split>.json` under a COCO-layout root."""
    return root / "annotations" / f"person_keypoints_{split}.json"


class CocoKeypoints(Dataset):
    """One sample per person annotated with at least one keypoint (crowds left out).

    Args:
        root: Folder with `annotations/` and one image folder per split.
        split: `train`, `val`, or COCO's `train2017` / `val2017`.
        input_size: (W, H) of the network input.
        augment: Random scale, rotation and flip, for training.
        sigma: Gaussian target spread in heatmap pixels.
    """

    def __init__(
        self,
        root: Path,
        split: str,
        input_size: tuple[int, int] = (192, 256),
        *,
        augment: bool = False,
        sigma: float = 2.0,
    ) -> None:
        path = annotation_file(root, split)
        if not path.is_file():
            raise FileNotFoundError(f"no annotations at {path}: expected a COCO keypoints set")
        data = json.loads(path.read_text())
        images = {image["id"]: image for image in data["images"]}
        self.image_dir = root / split
        self.input_size = input_size
        self.heatmap_size = (input_size[0] // 4, input_size[1] // 4)
        self.augment = augment
        self.sigma = sigma
        self.samples = [
            (
                images[a["image_id"]]["file_name"],
                a["bbox"],
                np.asarray(a["keypoints"], np.float32).reshape(-1, 3),
            )
            for a in data["annotations"]
            if a.get("num_keypoints", 0) > 0
            and not a.get("iscrowd", 0)
            and a["bbox"][2] > 1
            and a["bbox"][3] > 1
        ]
        if not self.samples:
            raise ValueError(f"{path} has no person with labelled keypoints")

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Input (3, H, W), targets (K, h, w) and joint weights (K,)."""
        name, box, keypoints = self.samples[index]
        image = cv2.imread(str(self.image_dir / name), cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(f"cannot read image {self.image_dir / name}")
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        region = CropRegion.from_box(box, self.input_size[0] / self.input_size[1])
        points, visible = keypoints[:, :2].copy(), keypoints[:, 2].copy()
        rotation = 0.0
        if self.augment:
            scale = np.clip(
                np.random.randn() * SCALE_FACTOR + 1, 1 - SCALE_FACTOR, 1 + SCALE_FACTOR
            )
            region = CropRegion(region.center, region.scale * scale)
            if random.random() <= ROTATION_PROBABILITY:
                rotation = float(
                    np.clip(
                        np.random.randn() * ROTATION_FACTOR,
                        -2 * ROTATION_FACTOR,
                        2 * ROTATION_FACTOR,
                    )
                )
            if random.random() < 0.5:
                image = image[:, ::-1]
                width = image.shape[1]
                points[:, 0] = width - 1 - points[:, 0]
                points, visible = points[list(FLIP_INDEX)], visible[list(FLIP_INDEX)]
                region = CropRegion(
                    np.array([width - 1 - region.center[0], region.center[1]]), region.scale
                )
        matrix = region.affine(self.input_size, rotation=rotation)
        patch = cv2.warpAffine(
            np.ascontiguousarray(image), matrix, self.input_size, flags=cv2.INTER_LINEAR
        )
        in_crop = points @ matrix[:, :2].T + matrix[:, 2]
        targets, weights = encode(in_crop, visible, self.input_size, self.heatmap_size, self.sigma)
        return normalise(patch[None])[0], torch.from_numpy(targets), torch.from_numpy(weights)


def heatmap_loss(
    predicted: torch.Tensor, target: torch.Tensor, weight: torch.Tensor
) -> torch.Tensor:
    """The original's JointsMSELoss: 0.5 x mean squared error per joint, weighted by the
    joint's target weight, averaged over joints. Shapes (N, K, h, w), (N, K, h, w), (N, K)."""
    w = weight[..., None, None]
    return 0.5 * ((predicted * w - target * w) ** 2).mean(dim=(0, 2, 3)).mean()


@dataclass(frozen=True)
class TrainConfig:
    """What `fitness train pose` was asked to do."""

    coco: tuple[Path, ...]
    out: Path
    model: str = "compact"
    split: str = "train"
    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 1e-3
    workers: int = 2
    seed: int = 0
    resume: bool = False
    device: str = "auto"


def save_checkpoint(model: PoseHRNet, name: str, input_size: tuple[int, int], path: Path) -> None:
    """Weights as safetensors, with what is needed to rebuild the model in the metadata."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    metadata = {
        "model": name,
        "input_width": str(input_size[0]),
        "input_height": str(input_size[1]),
        "num_joints": str(model.config.num_joints),
    }
    save_file(state, str(path), metadata=metadata)


def load_weights(path: Path) -> tuple[PoseHRNet, tuple[int, int]]:
    """A model and its input size (W, H) from a checkpoint written by `save_checkpoint`."""
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
    if "model" not in metadata:
        raise ValueError(f"{path} has no model metadata: not a checkpoint of ours")
    model = build_model(metadata["model"], num_joints=int(metadata["num_joints"]))
    model.load_state_dict(load_file(str(path)), strict=True)
    return model, (int(metadata["input_width"]), int(metadata["input_height"]))


def train(
    config: TrainConfig,
    progress: Callable[[int, float], None] | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Trains and checkpoints; returns the mean loss of each epoch run.

    Args:
        config: Data, model and schedule.
        progress: Called after every step with (samples done, running loss).
        on_epoch: Called after every epoch's checkpoint with (epoch number, mean loss).
    """
    torch.manual_seed(config.seed)
    random.seed(config.seed)
    np.random.seed(config.seed)
    device = pick_device(config.device)
    input_size = (192, 256) if config.model != "w48" else (288, 384)
    dataset = ConcatDataset(
        [CocoKeypoints(root, config.split, input_size, augment=True) for root in config.coco]
    )
    loader = DataLoader(
        dataset,
        batch_size=config.batch_size,
        shuffle=True,
        drop_last=False,
        num_workers=config.workers,
        persistent_workers=config.workers > 0,
        pin_memory=device.type == "cuda",
    )
    model = build_model(config.model).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    milestones = [max(1, round(config.epochs * 0.8)), max(1, round(config.epochs * 0.95))]
    schedule = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, gamma=0.1)
    weights_path = config.out / WEIGHTS_FILE
    start_epoch = resume_run(config.out, model, optimizer, schedule, device) if config.resume else 0
    losses = []

    def batch_loss(batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, int]:
        images, targets, weights = (tensor.to(device, non_blocking=True) for tensor in batch)
        with torch.autocast(device.type, torch.bfloat16, enabled=device.type == "cuda"):
            heatmaps = model(images)
        return heatmap_loss(heatmaps.float(), targets, weights), len(images)

    for epoch in range(start_epoch, config.epochs):
        model.train()
        losses.append(train_epoch(loader, batch_loss, optimizer, progress))
        schedule.step()
        save_checkpoint(model, config.model, input_size, weights_path)
        save_state(config.out, optimizer, schedule, epoch + 1)
        logger.info("epoch %d: loss %.6f", epoch + 1, losses[-1])
        if on_epoch:
            on_epoch(epoch + 1, losses[-1])
    return losses
