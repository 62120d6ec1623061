"""HRNet for top-down human pose estimation (Sun et al., CVPR 2019).

Glossary of shapes:
    - batch size: N
    - keypoint number: K (17, COCO order)
    - input height, width: H, W (256x192 for W32, 384x288 for W48)

The network keeps a high-resolution branch from start to end and adds lower-resolution
branches stage by stage, fusing all of them repeatedly. `forward` maps images (N, 3, H, W),
normalised with the ImageNet mean and std, to heatmaps (N, K, H/4, W/4); decoding them to
coordinates is the codec's job (`pose_service.codec`).

Module and parameter names follow the official implementation
(leoxiaobin/deep-high-resolution-net.pytorch, `lib/models/pose_hrnet.py`), so the published
COCO checkpoints (`pose_hrnet_w32_256x192.pth`, `pose_hrnet_w48_384x288.pth`) load with
`load_state_dict(..., strict=True)` unchanged; `tests/pose_service/test_model.py` checks every
key and shape against `reference/state_dicts/hrnet_*.json`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

__all__ = [
    "CONFIGS",
    "HRNetConfig",
    "PoseHRNet",
    "build_model",
    "hrnet_compact",
    "hrnet_w32",
    "hrnet_w48",
]

# The official code uses 0.1 (PyTorch's default) for every BatchNorm.
BN_MOMENTUM = 0.1


def conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution with padding, no bias (a BatchNorm follows)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a residual connection (the branches' block)."""

    expansion: int = 1

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes, momentum=BN_MOMENTUM)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes, momentum=BN_MOMENTUM)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3, 1x1 expand by 4, with a residual connection (the stem's layer1)."""

    expansion: int = 4

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes, momentum=BN_MOMENTUM)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes, momentum=BN_MOMENTUM)
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion, momentum=BN_MOMENTUM)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


BLOCKS: dict[str, type[BasicBlock] | type[Bottleneck]] = {
    "BASIC": BasicBlock,
    "BOTTLENECK": Bottleneck,
}


def _residual_layer(
    block: type[BasicBlock] | type[Bottleneck], inplanes: int, planes: int, blocks: int
) -> nn.Sequential:
    """`blocks` blocks of stride 1; the first projects the input when the widths differ."""
    downsample = None
    if inplanes != planes * block.expansion:
        downsample = nn.Sequential(
            nn.Conv2d(inplanes, planes * block.expansion, kernel_size=1, bias=False),
            nn.BatchNorm2d(planes * block.expansion, momentum=BN_MOMENTUM),
        )
    layers = [block(inplanes, planes, downsample=downsample)]
    layers += [block(planes * block.expansion, planes) for _ in range(1, blocks)]
    return nn.Sequential(*layers)


@dataclass(frozen=True)
class StageConfig:
    """One stage: `num_modules` fusion modules over `len(num_channels)` parallel branches."""

    num_modules: int
    num_blocks: tuple[int, ...]
    num_channels: tuple[int, ...]
    block: Literal["BASIC", "BOTTLENECK"] = "BASIC"

    @property
    def num_branches(self) -> int:
        return len(self.num_channels)


@dataclass(frozen=True)
class HRNetConfig:
    """The structure of an HRNet: stem, layer1 and three multi-branch stages."""

    stem_channels: int
    layer1_planes: int
    layer1_blocks: int
    stages: tuple[StageConfig, StageConfig, StageConfig]
    num_joints: int = 17
    final_conv_kernel: int = 1

    def __post_init__(self) -> None:
        for number, stage in enumerate(self.stages, start=2):
            if len(stage.num_blocks) != stage.num_branches:
                raise ValueError(
                    f"stage{number}: NUM_BRANCHES({stage.num_branches}) <> "
                    f"NUM_BLOCKS({len(stage.num_blocks)})"
                )
            if stage.num_branches != number:
                raise ValueError(
                    f"stage{number} must have {number} branches, got {stage.num_branches}"
                )
        if self.final_conv_kernel not in (1, 3):
            raise ValueError(f"final_conv_kernel must be 1 or 3, got {self.final_conv_kernel}")


class HighResolutionModule(nn.Module):
    """Parallel branches of residual blocks, then every branch fused into every output."""

    def __init__(
        self, stage: StageConfig, num_inchannels: list[int], multi_scale_output: bool
    ) -> None:
        super().__init__()
        block = BLOCKS[stage.block]
        self.num_branches = stage.num_branches
        self.multi_scale_output = multi_scale_output
        self.branches = nn.ModuleList(
            _residual_layer(block, num_inchannels[i], stage.num_channels[i], stage.num_blocks[i])
            for i in range(self.num_branches)
        )
        self.num_inchannels = [c * block.expansion for c in stage.num_channels]
        self.fuse_layers = self._make_fuse_layers() if self.num_branches > 1 else None
        self.relu = nn.ReLU(inplace=True)

    def _make_fuse_layers(self) -> nn.ModuleList:
        channels = self.num_inchannels
        outputs = self.num_branches if self.multi_scale_output else 1
        fuse_layers = []
        for i in range(outputs):
            fuse_layer: list[nn.Module | None] = []
            for j in range(self.num_branches):
                if j > i:  # lower resolution: 1x1 to i's width, then upsample
                    fuse_layer.append(
                        nn.Sequential(
                            nn.Conv2d(channels[j], channels[i], 1, 1, 0, bias=False),
                            nn.BatchNorm2d(channels[i], momentum=BN_MOMENTUM),
                            nn.Upsample(scale_factor=2 ** (j - i), mode="nearest"),
                        )
                    )
                elif j == i:
                    fuse_layer.append(None)
                else:  # higher resolution: strided 3x3 convolutions, ReLU between them
                    steps: list[nn.Module] = []
                    for k in range(i - j):
                        last = k == i - j - 1
                        width = channels[i] if last else channels[j]
                        layers: list[nn.Module] = [
                            nn.Conv2d(channels[j], width, 3, 2, 1, bias=False),
                            nn.BatchNorm2d(width, momentum=BN_MOMENTUM),
                        ]
                        if not last:
                            layers.append(nn.ReLU(inplace=True))
                        steps.append(nn.Sequential(*layers))
                    fuse_layer.append(nn.Sequential(*steps))
            fuse_layers.append(nn.ModuleList(fuse_layer))
        return nn.ModuleList(fuse_layers)

    def forward(self, x: list[Tensor]) -> list[Tensor]:
        x = [branch(xi) for branch, xi in zip(self.branches, x, strict=True)]
        if self.fuse_layers is None:
            return x
        fused = []
        for i, fuse_layer in enumerate(self.fuse_layers):
            y = x[0] if i == 0 else fuse_layer[0](x[0])
            for j in range(1, self.num_branches):
                y = y + (x[j] if i == j else fuse_layer[j](x[j]))
            fused.append(self.relu(y))
        return fused


def _transition(previous: list[int], current: tuple[int, ...]) -> nn.ModuleList:
    """Adapts the branches of one stage to the next: re-widens existing branches and derives
    each new, lower-resolution branch from the lowest one by strided convolutions."""
    layers: list[nn.Module | None] = []
    for i, width in enumerate(current):
        if i < len(previous):
            layers.append(
                None
                if width == previous[i]
                else nn.Sequential(
                    conv3x3(previous[i], width),
                    nn.BatchNorm2d(width, momentum=BN_MOMENTUM),
                    nn.ReLU(inplace=True),
                )
            )
            continue
        steps = []
        for k in range(i + 1 - len(previous)):
            in_width = previous[-1]
            out_width = width if k == i - len(previous) else in_width
            steps.append(
                nn.Sequential(
                    nn.Conv2d(in_width, out_width, 3, 2, 1, bias=False),
                    nn.BatchNorm2d(out_width, momentum=BN_MOMENTUM),
                    nn.ReLU(inplace=True),
                )
            )
        layers.append(nn.Sequential(*steps))
    return nn.ModuleList(layers)


class PoseHRNet(nn.Module):
    """HRNet with a 1x1 heatmap head on the highest-resolution branch."""

    def __init__(self, config: HRNetConfig) -> None:
        super().__init__()
        self.config = config
        stem = config.stem_channels
        self.conv1 = nn.Conv2d(3, stem, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem, momentum=BN_MOMENTUM)
        self.conv2 = nn.Conv2d(stem, stem, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(stem, momentum=BN_MOMENTUM)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = _residual_layer(Bottleneck, stem, config.layer1_planes, config.layer1_blocks)

        widths = [config.layer1_planes * Bottleneck.expansion]
        for number, stage in enumerate(config.stages, start=2):
            block = BLOCKS[stage.block]
            channels = tuple(c * block.expansion for c in stage.num_channels)
            setattr(self, f"transition{number - 1}", _transition(widths, channels))
            modules, widths = self._make_stage(stage, list(channels), last=number == 4)
            setattr(self, f"stage{number}", modules)

        padding = 1 if config.final_conv_kernel == 3 else 0
        self.final_layer = nn.Conv2d(
            widths[0], config.num_joints, config.final_conv_kernel, 1, padding
        )
        self._init_weights()

    @staticmethod
    def _make_stage(
        stage: StageConfig, num_inchannels: list[int], last: bool
    ) -> tuple[nn.Sequential, list[int]]:
        modules = []
        for index in range(stage.num_modules):
            # The network's last module outputs only the highest-resolution branch.
            multi_scale = not (last and index == stage.num_modules - 1)
            module = HighResolutionModule(stage, num_inchannels, multi_scale)
            num_inchannels = module.num_inchannels
            modules.append(module)
        return nn.Sequential(*modules), num_inchannels

    def _init_weights(self) -> None:
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.normal_(module.weight, std=0.001)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, x: Tensor) -> Tensor:
        """Heatmaps (N, K, H/4, W/4) of normalised images (N, 3, H, W); H and W must be
        multiples of 32 so that the lowest branch (1/32) fuses back exactly."""
        if x.shape[-2] % 32 or x.shape[-1] % 32:
            raise ValueError(
                f"input height and width must be multiples of 32, got {tuple(x.shape)}"
            )
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.relu(self.bn2(self.conv2(x)))
        branches = [self.layer1(x)]
        for number in (2, 3, 4):
            transition: nn.ModuleList = getattr(self, f"transition{number - 1}")
            inputs = [
                (
                    layer(branches[-1] if i >= len(branches) else branches[i])
                    if layer is not None
                    else branches[i]
                )
                for i, layer in enumerate(transition)
            ]
            branches = getattr(self, f"stage{number}")(inputs)
        return self.final_layer(branches[0])


def _stages(
    widths: tuple[int, int, int, int], modules: tuple[int, int, int], blocks: int
) -> tuple[StageConfig, StageConfig, StageConfig]:
    return (
        StageConfig(modules[0], (blocks,) * 2, widths[:2]),
        StageConfig(modules[1], (blocks,) * 3, widths[:3]),
        StageConfig(modules[2], (blocks,) * 4, widths),
    )


CONFIGS: dict[str, HRNetConfig] = {
    # The published COCO models: w32_256x192_adam_lr1e-3.yaml, w48_384x288_adam_lr1e-3.yaml.
    "w32": HRNetConfig(64, 64, 4, _stages((32, 64, 128, 256), (1, 4, 3), 4)),
    "w48": HRNetConfig(64, 64, 4, _stages((48, 96, 192, 384), (1, 4, 3), 4)),
    # A narrow, shallow variant for real time on a 2-core CPU: one module per stage,
    # two blocks per branch, a thinner stem.
    "compact": HRNetConfig(32, 32, 2, _stages((16, 32, 64, 128), (1, 1, 1), 2)),
}


def build_model(name: str, *, num_joints: int = 17) -> PoseHRNet:
    """An HRNet by configuration name (see `CONFIGS`), randomly initialised."""
    if name not in CONFIGS:
        raise ValueError(f"unknown HRNet {name!r}: choose one of {sorted(CONFIGS)}")
    if num_joints < 1:
        raise ValueError(f"num_joints must be positive, got {num_joints}")
    return PoseHRNet(dataclasses.replace(CONFIGS[name], num_joints=num_joints))


def hrnet_w32(*, num_joints: int = 17) -> PoseHRNet:
    """HRNet-W32, the published COCO model at 256x192."""
    return build_model("w32", num_joints=num_joints)


def hrnet_w48(*, num_joints: int = 17) -> PoseHRNet:
    """HRNet-W48, the published COCO model at 384x288."""
    return build_model("w48", num_joints=num_joints)


def hrnet_compact(*, num_joints: int = 17) -> PoseHRNet:
    """The compact HRNet for CPUs (widths 16/32/64/128) at 256x192."""
    return build_model("compact", num_joints=num_joints)


def load_checkpoint(model: nn.Module, path: str, *, strict: bool = True) -> None:
    """Loads a checkpoint saved by the official code (a state dict, possibly inside a
    `state_dict` entry, possibly with `module.` prefixes from DataParallel) on any device."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    state = {k.removeprefix("module."): v for k, v in state.items()}
    model.load_state_dict(state, strict=strict)
