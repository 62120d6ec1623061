"""A small person detector: every person in a frame, as boxes with a confidence.

Glossary of shapes:
    - batch size: N
    - input side: S (square, the frame letterboxed into it)
    - grid side: G (S / 8)

The pose model follows one person; this detector says where to look for them (the person
tracker's `find_people`) and who else is in view (the capture check "one person"). It is an
"objects as points" detector (Zhou et al., 2019, CenterNet): a person is the peak of a centre
heatmap, with its box size and the centre's sub-cell offset read at the peak. The backbone
is a plain stride-32 convolution stack with a top-down path back to stride 8, small enough to
check a frame a second on a CPU.

`forward` maps letterboxed images (N, 3, S, S), normalised with the ImageNet mean and std, to
(N, 5, G, G): centre logit, log box width and height in grid cells, x and y offset in cells.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from pose_service.inference import normalise

__all__ = [
    "STRIDE",
    "Detection",
    "PeopleNet",
    "PersonDetector",
    "intersection",
    "letterbox",
    "load_detector",
    "others",
    "save_detector",
]

STRIDE = 8
# Padding of the letterbox: mid grey, as far from any colour as the frame allows.
PAD_VALUE = 114
# A pose's keypoints this confident, at least this many, tell which detection it belongs to.
KEYPOINT_CONFIDENCE = 0.3
MIN_KEYPOINTS = 3
# Of two boxes, the less confident is dropped when this much of the smaller lies in the other.
DUPLICATE_COVER = 0.7


def _conv(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    """3x3 convolution, batch norm, ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class PeopleNet(nn.Module):
    """The detector network: stride-32 backbone, top-down path to stride 8, one head."""

    def __init__(self, widths: tuple[int, ...] = (16, 32, 48, 96, 128), neck: int = 48) -> None:
        super().__init__()
        w = widths
        self.stem = nn.Sequential(_conv(3, w[0], 2), _conv(w[0], w[1], 2))
        self.stage8 = nn.Sequential(_conv(w[1], w[2], 2), _conv(w[2], w[2]))
        self.stage16 = nn.Sequential(_conv(w[2], w[3], 2), _conv(w[3], w[3]))
        self.stage32 = nn.Sequential(_conv(w[3], w[4], 2), _conv(w[4], w[4]))
        self.lateral8 = nn.Conv2d(w[2], neck, 1)
        self.lateral16 = nn.Conv2d(w[3], neck, 1)
        self.lateral32 = nn.Conv2d(w[4], neck, 1)
        self.smooth = _conv(neck, neck)
        self.head = nn.Sequential(_conv(neck, neck), nn.Conv2d(neck, 5, 1))
        # A low prior for a person at any one cell keeps the first steps' loss sane.
        with torch.no_grad():
            self.head[-1].bias.zero_()
            self.head[-1].bias[0] = -4.0

    def forward(self, x: Tensor) -> Tensor:
        c8 = self.stage8(self.stem(x))
        c16 = self.stage16(c8)
        c32 = self.stage32(c16)
        p16 = self.lateral16(c16) + F.interpolate(self.lateral32(c32), size=c16.shape[-2:])
        p8 = self.smooth(self.lateral8(c8) + F.interpolate(p16, size=c8.shape[-2:]))
        return self.head(p8)


def letterbox(image: np.ndarray, side: int) -> tuple[np.ndarray, float, tuple[int, int]]:
    """An RGB image fitted into a `side` x `side` square (aspect kept, grey padding), with the
    scale and the (x, y) offset that map square pixels back: frame = (square - offset) / scale."""
    height, width = image.shape[:2]
    scale = side / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA)
    square = np.full((side, side, 3), PAD_VALUE, np.uint8)
    left, top = (side - new_w) // 2, (side - new_h) // 2
    square[top : top + new_h, left : left + new_w] = resized
    return square, scale, (left, top)


@dataclass(frozen=True)
class Detection:
    """One person found: box (x, y, w, h) in frame pixels and a confidence in [0, 1]."""

    box: tuple[float, float, float, float]
    score: float


def intersection(a: tuple, b: tuple) -> float:
    """The area two boxes (x, y, w, h, ...) share."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(width, 0) * max(height, 0)


def _covered(box: tuple, kept: list[tuple]) -> bool:
    """Whether a kept box covers most of `box` or `box` most of it (a second peak on one
    person, which a large person's heatmap can show)."""
    return any(
        intersection(box, other) >= DUPLICATE_COVER * min(box[2] * box[3], other[2] * other[3])
        for other in kept
    )


def decode(output: Tensor, threshold: float, max_people: int) -> list[list[tuple]]:
    """Peaks of the centre heatmaps of `output` (N, 5, G, G) as (x, y, w, h, score) boxes in
    input pixels, per image, best first; a box mostly inside a better one, or holding most
    of it, is left out."""
    heat = torch.sigmoid(output[:, 0:1])
    peaks = heat == F.max_pool2d(heat, 3, stride=1, padding=1)
    scores = (heat * peaks).flatten(1)
    width = output.shape[-1]
    found = []
    for image_scores, image_output in zip(scores, output, strict=True):
        values, cells = image_scores.topk(min(max_people, image_scores.numel()))
        boxes = []
        for value, cell in zip(values.tolist(), cells.tolist(), strict=True):
            if value < threshold:
                break
            row, column = divmod(cell, width)
            w, h = (torch.exp(image_output[1:3, row, column]) * STRIDE).tolist()
            dx, dy = image_output[3:5, row, column].tolist()
            cx, cy = (column + dx) * STRIDE, (row + dy) * STRIDE
            box = (cx - w / 2, cy - h / 2, w, h, value)
            if not _covered(box, boxes):
                boxes.append(box)
        found.append(boxes)
    return found


@dataclass
class PersonDetector:
    """The detector network with its input side, run on whole frames.

    Args:
        model: A `PeopleNet`.
        input_side: S, the square frames are letterboxed into.
        threshold: The centre confidence a person needs (the default was chosen on the gym's
            validation videos: of those flagging the most videos with another person in
            view, the one flagging the fewest without).
        max_people: At most this many people per frame.
        device: Where the model runs.
    """

    model: PeopleNet
    input_side: int = 192
    threshold: float = 0.5
    max_people: int = 10
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        """The people (N lists) of RGB frames, in each frame's pixels, best first."""
        if not frames:
            return []
        boxed = [letterbox(frame, self.input_side) for frame in frames]
        batch = normalise(np.stack([square for square, _, _ in boxed])).to(self.device)
        with torch.inference_mode():
            output = self.model(batch).float().cpu()
        people = []
        for boxes, (_, scale, (left, top)) in zip(
            decode(output, self.threshold, self.max_people), boxed, strict=True
        ):
            people.append(
                [
                    Detection(((x - left) / scale, (y - top) / scale, w / scale, h / scale), s)
                    for x, y, w, h, s in boxes
                ]
            )
        return people

    async def find(self, frames: list[np.ndarray]) -> list[list[tuple[float, float, float, float]]]:
        """The people's boxes (x, y, w, h) of RGB frames, best first, detected off the event
        loop: what `PersonTracker.find_people` asks for."""
        people = await asyncio.to_thread(self.detect, frames)
        return [[person.box for person in found] for found in people]


def others(detections: list[Detection], keypoints: np.ndarray) -> list[Detection]:
    """The people of a frame other than the one whose keypoints (K, 3) the pose model found:
    the detection holding most of the pose's confident keypoints is that person (the most
    confident detection when the pose has too few of them)."""
    if not detections:
        return []
    confident = keypoints[keypoints[:, 2] >= KEYPOINT_CONFIDENCE, :2]
    if len(confident) < MIN_KEYPOINTS:
        return detections[1:]
    held = []
    for detection in detections:
        x, y, w, h = detection.box
        inside = (
            (confident[:, 0] >= x)
            & (confident[:, 0] <= x + w)
            & (confident[:, 1] >= y)
            & (confident[:, 1] <= y + h)
        )
        held.append(int(inside.sum()))
    best = int(np.argmax(held))
    if held[best] < MIN_KEYPOINTS:
        return detections
    return detections[:best] + detections[best + 1 :]


def save_detector(model: PeopleNet, input_side: int, path: Path) -> None:
    """Weights as safetensors, with the input side in the metadata."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path), metadata={"model": "people_net", "input_side": str(input_side)})


def load_detector(path: Path, **options) -> PersonDetector:
    """A `PersonDetector` from a file written by `save_detector`; `options` go to it
    (threshold, max_people, device)."""
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
    if metadata.get("model") != "people_net":
        raise ValueError(f"{path} is not a person detector checkpoint of ours")
    model = PeopleNet()
    model.load_state_dict(load_file(str(path)), strict=True)
    device = options.get("device", torch.device("cpu"))
    return PersonDetector(model.eval().to(device), int(metadata["input_side"]), **options)
