"""UCF101-format video folders as clips for training and evaluation.

The layout is UCF101's own: `ClassName/v_ClassName_gGG_cCC.<ext>` under a root with
`classInd.txt` ("1 ApplyEyeMakeup" per line), `trainlist01.txt` ("Class/v_....avi 1") and
`testlist01.txt` ("Class/v_....avi"). The gym writes it (`fitness synth videos`); real UCF101
reads the same way (then keep only the exercise classes with `classes=`).

Training clips are 16 frames (after `frame_step` thinning, every s-th with a temporal stride
s) from a random start at a random pace (0.8x to 1.25x), decoded up to the clip's end or taken
from frames kept in memory. Their augmentation serves the step from rendered rooms to filmed
ones: the published random crop and flip, generalised to a random view around the test's centre
square (scaled 0.7x to 1.15x, stretched, moved along the long side, turned by up to 10
degrees), then random brightness, contrast and saturation. Evaluation clips are
`action_service.clips`'s.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset, get_worker_info

from action_service.clips import (
    CLIP_LENGTH,
    CROP_SIZE,
    KINETICS_MEAN,
    KINETICS_STD,
    frame_step,
    resize_short_side,
)
from common.video import VideoReader

# Decoding at this size is enough for 112-pixel crops and much cheaper than full frames.
DECODE_MAX_SIDE = 256


@dataclass(frozen=True)
class VideoEntry:
    """One listed video: its path under the root and its class index (from 0)."""

    path: str
    label: int


def performer_of(video: str, exercise: str) -> str:
    """Who performed a video: its exercise and UCF101 group ("..._g08_c02": a group is one
    performer), else the video itself."""
    found = re.search(r"_g(\d+)_c\d+", video)
    return f"{exercise}/g{found.group(1)}" if found else video


def read_classes(root: Path) -> list[str]:
    """Class names in `classInd.txt` order."""
    path = root / "classInd.txt"
    if not path.is_file():
        raise FileNotFoundError(f"no classInd.txt in {root}: not a UCF101-format folder")
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return [name for _, name in sorted((int(index), name) for index, name in rows)]


def read_split(root: Path, list_name: str, classes: list[str]) -> list[VideoEntry]:
    """The videos of a split list; the class comes from each path's folder."""
    path = root / list_name
    if not path.is_file():
        raise FileNotFoundError(f"no split list {path}")
    index = {name: i for i, name in enumerate(classes)}
    entries = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        video = line.split()[0]
        folder = video.split("/")[0]
        if folder in index:
            entries.append(VideoEntry(video, index[folder]))
    return entries


def read_frames(path: Path, *, first: int = 0, count: int | None = None) -> list[np.ndarray]:
    """RGB frames of a video, downscaled for clips and thinned by `frame_step`.

    Args:
        path: The video.
        first: Index (among the kept frames) of the first frame returned.
        count: How many kept frames to return at most (None: to the end); decoding stops there.
    """
    frames: list[np.ndarray] = []
    with VideoReader(path, max_side=DECODE_MAX_SIDE) as reader:
        step = frame_step(reader.info.fps)
        for frame in reader:
            if frame.index % step or frame.index // step < first:
                continue
            frames.append(frame.image)
            if count is not None and len(frames) == count:
                break
    return frames


def kept_frame_count(path: Path) -> int:
    """How many frames `read_frames` keeps of a whole video (from its header)."""
    with VideoReader(path) as reader:
        return -(-reader.info.frame_count // frame_step(reader.info.fps))


# How far the random view of a training clip strays from the test's centre crop, and how far
# its colours and tempo stray from the rendered ones: the test view, light and pace all lie
# inside these ranges, and so should a phone's.
CROP_SCALE = (0.7, 1.15)  # crop side over the frame's short side (above 1: zoomed out)
CROP_ASPECT = (3 / 4, 4 / 3)
MAX_ROTATION_DEGREES = 10.0
BRIGHTNESS = (0.7, 1.3)
CONTRAST = (0.7, 1.3)
SATURATION = (0.5, 1.5)
GRAYSCALE_CHANCE = 0.1
SPEED = (0.8, 1.25)  # frames advanced per clip frame


def clip_indices(frame_count: int, rng: random.Random, stride: int = 1) -> list[int]:
    """Frame indices of a random training clip: a random start and pace about every
    `stride`-th frame, looping short videos."""
    speed = rng.uniform(*SPEED) * stride
    span = int(np.ceil((CLIP_LENGTH - 1) * speed)) + 1
    start = rng.randint(0, max(frame_count - span, 0))
    return [(start + round(i * speed)) % frame_count for i in range(CLIP_LENGTH)]


def random_view(frames: list[np.ndarray], rng: random.Random) -> list[np.ndarray]:
    """One random view of every frame (short side 112) as a 112x112 crop: a square about the
    short side's size (scaled by CROP_SCALE, stretched by CROP_ASPECT), anywhere along the long
    side, turned by up to MAX_ROTATION_DEGREES, mirrored half the time.

    The test's view, the centre square, is one of these views; a zoomed-out view repeats the
    frame's edge pixels.
    """
    height, width = frames[0].shape[:2]
    side = min(height, width) * rng.uniform(*CROP_SCALE)
    aspect = np.sqrt(rng.uniform(*CROP_ASPECT))
    crop_w, crop_h = side * aspect, side / aspect
    centre_x = rng.uniform(min(crop_w, width) / 2, width - min(crop_w, width) / 2)
    centre_y = rng.uniform(min(crop_h, height) / 2, height - min(crop_h, height) / 2)
    angle = np.radians(rng.uniform(-MAX_ROTATION_DEGREES, MAX_ROTATION_DEGREES))
    flip = -1.0 if rng.random() < 0.5 else 1.0
    # Maps output pixels (centred on the crop) to frame pixels.
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    linear = rotation @ np.diag([flip * crop_w / CROP_SIZE, crop_h / CROP_SIZE])
    offset = np.array([centre_x, centre_y]) - linear @ np.full(2, (CROP_SIZE - 1) / 2)
    matrix = np.hstack([linear, offset[:, None]])
    return [
        cv2.warpAffine(
            frame,
            matrix,
            (CROP_SIZE, CROP_SIZE),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
        for frame in frames
    ]


GREY_WEIGHTS = np.array([0.299, 0.587, 0.114], np.float32)


def jittered_tensor(frames: list[np.ndarray], rng: random.Random) -> torch.Tensor:
    """The clip (3, T, S, S) normalised as `to_tensor` does, after one random brightness,
    contrast and saturation (sometimes grey).

    Saturation s blends each pixel with its grey g, contrast c scales about the clip's mean grey
    m, brightness b scales: b * (m + c * (g + s * (x - g) - m)). That is one colour matrix and
    offset per clip, folded here with the normalisation into a single pass over the pixels.
    """
    clip = np.stack(frames)
    saturation = 0.0 if rng.random() < GRAYSCALE_CHANCE else rng.uniform(*SATURATION)
    contrast, brightness = rng.uniform(*CONTRAST), rng.uniform(*BRIGHTNESS)
    mean_grey = float(clip.reshape(-1, 3)[::97].astype(np.float32).mean(axis=0) @ GREY_WEIGHTS)
    blend = saturation * np.eye(3, dtype=np.float32) + (1 - saturation) * GREY_WEIGHTS[None, :]
    matrix = brightness * contrast * blend
    offset = brightness * (1 - contrast) * mean_grey
    # ((matrix @ x + offset) / 255 - mean) / std, clipped to what [0, 255] normalises to.
    scale = 1 / (255 * KINETICS_STD)
    normalised = clip.astype(np.float32) @ (matrix.T * scale) + (
        offset * scale - KINETICS_MEAN / KINETICS_STD
    )
    low, high = -KINETICS_MEAN / KINETICS_STD, (1 - KINETICS_MEAN) / KINETICS_STD
    np.clip(normalised, low, high, out=normalised)
    return torch.from_numpy(np.ascontiguousarray(normalised.transpose(3, 0, 1, 2)))


def load_videos(
    paths: list[Path], *, workers: int | None = None, loaded: Callable[[int], None] | None = None
) -> list[np.ndarray]:
    """Every video's frames (F, H, W, 3) uint8, thinned and resized to a short side of 112.

    Decoding runs in `workers` threads (default: one a core, at most 8; the decoder and resizer
    release the GIL); `loaded` is called with 1 after each video.
    """

    def load(path: Path) -> np.ndarray:
        frames = np.stack([resize_short_side(f) for f in read_frames(path)])
        if loaded:
            loaded(1)
        return frames

    with ThreadPoolExecutor(workers or min(8, os.cpu_count() or 1)) as pool:
        return list(pool.map(load, paths))


class UCF101Clips(Dataset):
    """Training clips (3, T, 112, 112) with their labels: `clips_per_video` random clips of
    every listed video per epoch, with random views, colours and pace.

    Args:
        roots: One or more UCF101-format folders with the same class index.
        list_name: The split list read in each folder.
        classes: Keep only these classes (default: the first folder's class index).
        seed: Seeds the clips when read in this process (workers get torch's seeds).
        clips_per_video: How many clips each video gives per epoch.
        in_memory: Decode every video once, up front, and keep its frames (short side 112)
            in memory; else each clip decodes its video up to the clip's end.
        loaded: With `in_memory`, called with 1 after each video is decoded.
        temporal_stride: Clips take about every this many frames (`action_service.clips`).
    """

    def __init__(
        self,
        roots: Path | Sequence[Path],
        list_name: str = "trainlist01.txt",
        classes: list[str] | None = None,
        seed: int = 0,
        *,
        clips_per_video: int = 1,
        in_memory: bool = False,
        loaded: Callable[[int], None] | None = None,
        temporal_stride: int = 1,
    ) -> None:
        if temporal_stride < 1:
            raise ValueError(f"the temporal stride must be at least 1, got {temporal_stride}")
        roots = [roots] if isinstance(roots, Path) else list(roots)
        self.classes = classes or read_classes(roots[0])
        for root in roots[1:]:
            if classes is None and read_classes(root) != self.classes:
                raise ValueError(f"{root} has another class index than {roots[0]}")
        listed = [
            (root, entry) for root in roots for entry in read_split(root, list_name, self.classes)
        ]
        self.entries = [entry for _, entry in listed]
        self.paths = [root / entry.path for root, entry in listed]
        if not self.entries:
            raise ValueError(f"{list_name} of {roots} lists no video of {self.classes}")
        self.seed = seed
        self.clips_per_video = clips_per_video
        self.temporal_stride = temporal_stride
        self.frames = load_videos(self.paths, loaded=loaded) if in_memory else None
        self._rng: tuple[int, random.Random] | None = None

    def _random(self) -> random.Random:
        """This process's generator: each data-loading worker gets its own seed from torch."""
        info = get_worker_info()
        seed = info.seed if info is not None else self.seed
        if self._rng is None or self._rng[0] != seed:
            self._rng = (seed, random.Random(seed))
        return self._rng[1]

    def __len__(self) -> int:
        return len(self.entries) * self.clips_per_video

    def _clip_frames(self, video: int, rng: random.Random) -> list[np.ndarray]:
        """The frames (short side 112) of one random clip of a video."""
        if self.frames is not None:
            frames = self.frames[video]
            return [frames[i] for i in clip_indices(len(frames), rng, self.temporal_stride)]
        path = self.paths[video]
        indices = clip_indices(kept_frame_count(path), rng, self.temporal_stride)
        first = min(indices)
        frames = read_frames(path, first=first, count=max(indices) - first + 1)
        if len(frames) < max(indices) - first + 1:  # a header that overstated the length
            frames, first = read_frames(path), 0
            indices = clip_indices(len(frames), rng, self.temporal_stride)
        return [resize_short_side(frames[i - first]) for i in indices]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        video = index % len(self.entries)
        rng = self._random()
        clip = random_view(self._clip_frames(video, rng), rng)
        return jittered_tensor(clip, rng), self.entries[video].label
