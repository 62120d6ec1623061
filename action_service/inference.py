"""From a video's frames to exercise probabilities: the one path every backend runs.

Glossary of shapes:
    - frame number: F
    - clip number: M (evaluation clips of one video)
    - class number: C

Several clips spread over the video (`action_service.clips.evaluation_clips`) go through the
network; their softmax probabilities are averaged, as the published evaluation does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from action_service.clips import evaluation_clips


@dataclass
class ActionPredictor:
    """A 3D ResNet with its class names.

    Args:
        model: Maps clips (M, 3, T, 112, 112) to logits (M, C).
        classes: Exercise ids in the order of the model's outputs.
        clips: Clips per video whose probabilities are averaged.
        device: Where the model runs.
    """

    model: torch.nn.Module
    classes: list[str]
    clips: int = 3
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    def probabilities(self, frames: list[np.ndarray]) -> np.ndarray:
        """Class probabilities (C,) of a video's RGB frames (F, H, W, 3) uint8."""
        batch = evaluation_clips(frames, self.clips).to(self.device)
        with torch.inference_mode():
            probabilities = torch.softmax(self.model(batch).float(), dim=1).mean(dim=0)
        return probabilities.cpu().numpy()

    def top_k(self, frames: list[np.ndarray], k: int = 3) -> list[tuple[str, float]]:
        """The `k` most probable exercises with their probabilities, most probable first."""
        probabilities = self.probabilities(frames)
        order = np.argsort(probabilities)[::-1][: max(1, k)]
        return [(self.classes[i], float(probabilities[i])) for i in order]
