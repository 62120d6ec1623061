"""A temporal convolution network that recognises the exercise from a keypoint sequence.

Glossary of shapes:
    - batch size: N
    - feature number: D (85: `action_service.sequences.features`)
    - window length: T (48 frames at 10 fps)
    - class number: C (the eight exercises and "none")

`forward` maps windows (N, D, T) to class logits (N, C). A 1x1 convolution embeds each frame's
pose, then residual blocks of two temporal convolutions (kernel 5, dilations 1, 2, 4 and 8, so
the last block sees the whole window) follow the movement over time; the features are averaged
over time and a fully connected layer classifies. With the default width 64 it has about 0.2 M
parameters: seconds to train per epoch on a CPU, thousands of windows a second to run.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["SkeletonTCN", "TemporalBlock", "initialise", "skeleton_tcn"]


class TemporalBlock(nn.Module):
    """Two dilated temporal convolutions with BatchNorm, ReLU, dropout and a residual path."""

    def __init__(self, planes: int, dilation: int, dropout: float) -> None:
        super().__init__()
        padding = 2 * dilation
        self.conv1 = nn.Conv1d(planes, planes, 5, padding=padding, dilation=dilation, bias=False)
        self.bn1 = nn.BatchNorm1d(planes)
        self.conv2 = nn.Conv1d(planes, planes, 5, padding=padding, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm1d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        out = self.dropout(self.relu(self.bn1(self.conv1(x))))
        out = self.bn2(self.conv2(out))
        return self.relu(out + x)


def initialise(model: nn.Module) -> None:
    """He initialisation for the convolutions, BatchNorm as the identity."""
    for module in model.modules():
        if isinstance(module, nn.Conv1d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(module, nn.BatchNorm1d):
            nn.init.constant_(module.weight, 1)
            nn.init.constant_(module.bias, 0)


class SkeletonTCN(nn.Module):
    """Keypoint windows (N, D, T) to class logits (N, C)."""

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        width: int = 64,
        dilations: tuple[int, ...] = (1, 2, 4, 8),
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.embed = nn.Sequential(
            nn.Conv1d(in_features, width, 1, bias=False),
            nn.BatchNorm1d(width),
            nn.ReLU(inplace=True),
        )
        self.blocks = nn.Sequential(*(TemporalBlock(width, d, dropout) for d in dilations))
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(width, num_classes)
        initialise(self)

    def forward(self, x: Tensor) -> Tensor:
        x = self.blocks(self.embed(x))
        return self.fc(self.dropout(torch.flatten(x.mean(dim=2), 1)))


def skeleton_tcn(in_features: int, num_classes: int, width: int = 64) -> SkeletonTCN:
    """The keypoint classifier at a width (64: about 0.2 M parameters)."""
    return SkeletonTCN(in_features, num_classes, width=width)
