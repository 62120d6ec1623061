"""3D ResNets for exercise recognition (Hara, Kataoka and Satoh, CVPR 2018).

Glossary of shapes:
    - batch size: N
    - clip length: T (16 frames)
    - crop height, width: H, W (112x112)
    - class number: C (8 exercises)

`forward` maps normalised clips (N, 3, T, H, W) to class logits (N, C). The layout is the
paper's: conv1 7x7x7 with temporal stride 1 and spatial stride 2, a 3x3x3 max pool with stride
2, four stages of residual blocks (basic blocks [3, 4, 6, 3] of widths 64/128/256/512 for the
34-layer network) downsampling at conv3_1, conv4_1 and conv5_1, BatchNorm and ReLU after every
convolution, global average pooling and a fully connected classifier.

Names follow the official implementation (kenshohara/3D-ResNets-PyTorch, master,
`models/resnet.py`, shortcut type B), so its Kinetics checkpoints (`r3d18_K_200ep.pth`,
`r3d34_K_200ep.pth`, ...) load strictly, the classifier aside when the class count differs
(`load_pretrained`); `tests/action_service/test_model.py` checks every key and shape against
`reference/state_dicts/r3d*_kinetics700.json`.
"""

from __future__ import annotations

import logging

import torch
from torch import Tensor, nn

__all__ = ["DEPTHS", "ResNet3D", "build_model", "load_pretrained", "r3d18", "r3d34"]

logger = logging.getLogger(__name__)


def conv3x3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv3d:
    return nn.Conv3d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv3d:
    return nn.Conv3d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3x3 convolutions with a residual connection."""

    expansion: int = 1

    def __init__(
        self, in_planes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        super().__init__()
        self.conv1 = conv3x3x3(in_planes, planes, stride)
        self.bn1 = nn.BatchNorm3d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3x3(planes, planes)
        self.bn2 = nn.BatchNorm3d(planes)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1x1 reduce, 3x3x3, 1x1x1 expand by 4, with a residual connection (depth 50)."""

    expansion: int = 4

    def __init__(
        self, in_planes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        super().__init__()
        self.conv1 = conv1x1x1(in_planes, planes)
        self.bn1 = nn.BatchNorm3d(planes)
        self.conv2 = conv3x3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm3d(planes)
        self.conv3 = conv1x1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm3d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet3D(nn.Module):
    """A 3D ResNet; `widen_factor` scales every width (the compact model uses 0.25).

    Args:
        block: The residual block.
        layers: Blocks per stage, for example [3, 4, 6, 3] for depth 34.
        num_classes: Outputs of the classifier.
        widen_factor: Width multiplier of all stages.
        conv1_t_size: Temporal kernel size of conv1 (7 in the published models).
    """

    def __init__(
        self,
        block: type[BasicBlock] | type[Bottleneck],
        layers: list[int],
        num_classes: int,
        *,
        widen_factor: float = 1.0,
        conv1_t_size: int = 7,
    ) -> None:
        super().__init__()
        if len(layers) != 4:
            raise ValueError(f"a 3D ResNet has 4 stages, got layers={layers}")
        if num_classes < 1:
            raise ValueError(f"num_classes must be positive, got {num_classes}")
        widths = [int(w * widen_factor) for w in (64, 128, 256, 512)]
        if min(widths) < 1:
            raise ValueError(f"widen_factor {widen_factor} leaves a stage without channels")
        self.in_planes = widths[0]
        self.conv1 = nn.Conv3d(
            3,
            self.in_planes,
            kernel_size=(conv1_t_size, 7, 7),
            stride=(1, 2, 2),
            padding=(conv1_t_size // 2, 3, 3),
            bias=False,
        )
        self.bn1 = nn.BatchNorm3d(self.in_planes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool3d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, widths[0], layers[0])
        self.layer2 = self._make_layer(block, widths[1], layers[1], stride=2)
        self.layer3 = self._make_layer(block, widths[2], layers[2], stride=2)
        self.layer4 = self._make_layer(block, widths[3], layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool3d((1, 1, 1))
        self.fc = nn.Linear(widths[3] * block.expansion, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Conv3d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm3d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def _make_layer(
        self,
        block: type[BasicBlock] | type[Bottleneck],
        planes: int,
        blocks: int,
        stride: int = 1,
    ) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.in_planes != planes * block.expansion:
            # Shortcut type B: a strided 1x1x1 projection where the shape changes.
            downsample = nn.Sequential(
                conv1x1x1(self.in_planes, planes * block.expansion, stride),
                nn.BatchNorm3d(planes * block.expansion),
            )
        layers = [block(self.in_planes, planes, stride, downsample)]
        self.in_planes = planes * block.expansion
        layers += [block(self.in_planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def features(self, x: Tensor) -> Tensor:
        """Pooled clip features (N, 512 x widen x expansion) of clips (N, 3, T, H, W)."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)

    def forward(self, x: Tensor) -> Tensor:
        """Class logits (N, C) of normalised clips (N, 3, T, H, W)."""
        if x.ndim != 5 or x.shape[1] != 3:
            raise ValueError(f"expected clips of shape (N, 3, T, H, W), got {tuple(x.shape)}")
        return self.fc(self.features(x))


# Depth to (block, blocks per stage), as in the paper and the official code.
DEPTHS: dict[int, tuple[type[BasicBlock] | type[Bottleneck], list[int]]] = {
    10: (BasicBlock, [1, 1, 1, 1]),
    18: (BasicBlock, [2, 2, 2, 2]),
    34: (BasicBlock, [3, 4, 6, 3]),
    50: (Bottleneck, [3, 4, 6, 3]),
}


def build_model(depth: int, *, num_classes: int = 8, widen_factor: float = 1.0) -> ResNet3D:
    """A 3D ResNet of `depth` (10, 18, 34 or 50), randomly initialised."""
    if depth not in DEPTHS:
        raise ValueError(f"unknown depth {depth}: choose one of {sorted(DEPTHS)}")
    block, layers = DEPTHS[depth]
    return ResNet3D(block, layers, num_classes, widen_factor=widen_factor)


def r3d18(*, num_classes: int = 8, widen_factor: float = 1.0) -> ResNet3D:
    """ResNet-18 3D."""
    return build_model(18, num_classes=num_classes, widen_factor=widen_factor)


def r3d34(*, num_classes: int = 8, widen_factor: float = 1.0) -> ResNet3D:
    """ResNet-34 3D, the paper's exercise classifier."""
    return build_model(34, num_classes=num_classes, widen_factor=widen_factor)


def load_pretrained(model: ResNet3D, state: dict[str, Tensor]) -> list[str]:
    """Loads a published checkpoint's state dict for transfer learning.

    Every parameter must match by name and shape except the classifier, which is left as
    initialised when its class count differs (the fine-tuning recipe of the official code).
    Accepts `module.`-prefixed keys from DataParallel training.

    Returns:
        The keys left as initialised (the classifier's, or none).
    """
    state = {key.removeprefix("module."): value for key, value in state.items()}
    own = model.state_dict()
    skipped = [
        key
        for key in ("fc.weight", "fc.bias")
        if key in state and state[key].shape != own[key].shape
    ]
    for key in skipped:
        del state[key]
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or sorted(missing) != sorted(skipped):
        raise ValueError(
            "the checkpoint does not fit this model: missing "
            f"{sorted(set(missing) - set(skipped))}, unexpected {sorted(unexpected)}"
        )
    if skipped:
        logger.info("classifier re-initialised for %d classes", model.fc.out_features)
    return skipped
