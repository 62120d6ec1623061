"""From a video's frames, or its poses, to exercise probabilities: the one path every backend
runs.

Glossary of shapes:
    - frame number: F
    - clip number: M (evaluation clips or windows of one video)
    - class number: C

Several clips spread over the video (`action_service.clips.evaluation_clips`) go through the
3D ResNet, or several keypoint windows (`action_service.sequences`) through the keypoint
classifier; their softmax probabilities are averaged, as the published evaluation does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from action_service.clips import TEST_CLIPS, evaluation_clips
from action_service.sequences import KeypointSequence, crop, features, resample, window_starts


@dataclass
class ActionPredictor:
    """A 3D ResNet with its class names.

    Args:
        model: Maps clips (M, 3, T, 112, 112) to logits (M, C).
        classes: Exercise ids in the order of the model's outputs.
        clips: Clips per video whose probabilities are averaged.
        device: Where the model runs.
        temporal_stride: Clips take every this many frames, as the model was trained.
    """

    model: torch.nn.Module
    classes: list[str]
    clips: int = TEST_CLIPS
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    temporal_stride: int = 1

    def probabilities(self, frames: list[np.ndarray]) -> np.ndarray:
        """Class probabilities (C,) of a video's RGB frames (F, H, W, 3) uint8."""
        batch = evaluation_clips(frames, self.clips, self.temporal_stride).to(self.device)
        with torch.inference_mode():
            probabilities = torch.softmax(self.model(batch).float(), dim=1).mean(dim=0)
        return probabilities.cpu().numpy()

    def top_k(self, frames: list[np.ndarray], k: int = 3) -> list[tuple[str, float]]:
        """The `k` most probable exercises with their probabilities, most probable first."""
        probabilities = self.probabilities(frames)
        order = np.argsort(probabilities)[::-1][: max(1, k)]
        return [(self.classes[i], float(probabilities[i])) for i in order]


@dataclass
class KeypointPredictor:
    """The keypoint classifier with its class names.

    Args:
        model: Maps windows (M, D, T) to logits (M, C).
        classes: Exercise ids (and "none") in the order of the model's outputs.
        windows: Most windows per sequence whose probabilities are averaged.
        device: Where the model runs.
    """

    model: torch.nn.Module
    classes: list[str]
    windows: int = 5
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    def probabilities(self, sequence: KeypointSequence) -> np.ndarray:
        """Class probabilities (C,) of one video's poses."""
        poses = resample(sequence)
        starts = window_starts(len(poses), windows=self.windows)
        batch = torch.from_numpy(np.stack([features(crop(poses, s)) for s in starts]))
        with torch.inference_mode():
            logits = self.model(batch.to(self.device)).float()
        return torch.softmax(logits, dim=1).mean(dim=0).cpu().numpy()
