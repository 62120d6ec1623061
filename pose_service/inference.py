"""From frames and person boxes to keypoints: the one code path every backend runs.

Glossary of shapes:
    - batch size: N (frames, one person box each)
    - keypoint number: K (17)

The TorchServe handler, the in-process backend and the evaluation all call
`PosePredictor.predict`, so they give the same keypoints for the same frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from pose_service.codec import (
    CropRegion,
    Decoding,
    check_decoding,
    crop,
    decode,
    flip_back,
    to_image,
)

# ImageNet statistics, as the published checkpoints were trained with (RGB in [0, 1]).
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def normalise(crops: np.ndarray) -> torch.Tensor:
    """Network input (N, 3, H, W) float32 of RGB uint8 crops (N, H, W, 3)."""
    scaled = (crops.astype(np.float32) / 255.0 - IMAGENET_MEAN) / IMAGENET_STD
    return torch.from_numpy(np.ascontiguousarray(scaled.transpose(0, 3, 1, 2)))


@dataclass
class PosePredictor:
    """A pose network with its input size, run on batches of (frame, box) pairs.

    Args:
        model: Maps (N, 3, H, W) to heatmaps (N, K, H/4, W/4).
        input_size: (W, H) of the network input.
        flip_test: Average with the horizontally flipped crop, as the published results do
            (one batch of twice the crops).
        device: Where the model runs.
        decoding: How each heatmap's peak is refined below a heatmap pixel: "dark" (DARK's
            Taylor step) or "quarter" (the published HRNet's quarter pixel).
    """

    model: torch.nn.Module
    input_size: tuple[int, int] = (192, 256)
    flip_test: bool = True
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    decoding: Decoding = "dark"

    def __post_init__(self) -> None:
        check_decoding(self.decoding)

    @property
    def heatmap_size(self) -> tuple[int, int]:
        return self.input_size[0] // 4, self.input_size[1] // 4

    def crops(
        self, frames: list[np.ndarray], boxes: list[tuple[float, float, float, float]]
    ) -> tuple[np.ndarray, list[CropRegion]]:
        """Crops (N, H, W, 3) and their regions for frames and boxes (x, y, w, h)."""
        if len(frames) != len(boxes):
            raise ValueError(f"{len(frames)} frames but {len(boxes)} boxes")
        aspect = self.input_size[0] / self.input_size[1]
        regions = [CropRegion.from_box(box, aspect) for box in boxes]
        patches = np.stack(
            [crop(f, r, self.input_size) for f, r in zip(frames, regions, strict=True)]
        )
        return patches, regions

    def heatmaps(self, patches: np.ndarray) -> np.ndarray:
        """Heatmaps (N, K, h, w) of crops (N, H, W, 3), flip-averaged when asked."""
        batch = normalise(patches).to(self.device)
        if self.flip_test:
            batch = torch.cat([batch, torch.flip(batch, dims=[3])])
        with torch.inference_mode():
            heatmaps = self.model(batch).float().cpu().numpy()
        if self.flip_test:
            plain, flipped = np.split(heatmaps, 2)
            heatmaps = (plain + flip_back(flipped)) * 0.5
        return heatmaps

    def keypoints(self, heatmaps: np.ndarray, regions: list[CropRegion]) -> np.ndarray:
        """Keypoints (N, K, 3) as x, y in frame pixels and a confidence."""
        coords, confidence = decode(heatmaps, self.decoding)
        points = [to_image(c, r, self.heatmap_size) for c, r in zip(coords, regions, strict=True)]
        return np.concatenate([np.stack(points), confidence[..., None]], axis=2).astype(np.float32)

    def predict(
        self, frames: list[np.ndarray], boxes: list[tuple[float, float, float, float]]
    ) -> np.ndarray:
        """Keypoints (N, K, 3) of one person per frame, inside the given boxes."""
        if not frames:
            return np.zeros((0, 17, 3), np.float32)
        patches, regions = self.crops(frames, boxes)
        return self.keypoints(self.heatmaps(patches), regions)
