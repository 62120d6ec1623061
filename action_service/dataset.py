"""UCF101-format video folders as clips for training and evaluation.

The layout is UCF101's own: `ClassName/v_ClassName_gGG_cCC.<ext>` under a root with
`classInd.txt` ("1 ApplyEyeMakeup" per line), `trainlist01.txt` ("Class/v_....avi 1") and
`testlist01.txt` ("Class/v_....avi"). The gym writes it (`fitness synth videos`); real UCF101
reads the same way (then keep only the exercise classes with `classes=`).

Training clips are 16 consecutive frames (after `frame_step` thinning) from a random start,
decoding only up to the clip's end, with the published augmentation: a random resized crop
(aspect 3/4 to 4/3) of the short-side-112 frame to 112x112 and a horizontal flip; evaluation
clips are `action_service.clips`'s. The published crops go down to a quarter of the frame;
ours keep at least half (`MIN_CROP_AREA`), because smaller ones often miss the performer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset, get_worker_info

from action_service.clips import (
    CLIP_LENGTH,
    CROP_SIZE,
    frame_step,
    resize_short_side,
    to_tensor,
    window,
)
from common.video import VideoReader

# Decoding at this size is enough for 112-pixel crops and much cheaper than full frames.
DECODE_MAX_SIDE = 256


@dataclass(frozen=True)
class VideoEntry:
    """One listed video: its path under the root and its class index (from 0)."""

    path: str
    label: int


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


# Crops keep at least half the frame: the performer may fill only part of it, and a smaller
# crop often shows floor, wall or a prop and no person at all.
MIN_CROP_AREA = 0.5


def random_resized_crop(frames: list[np.ndarray], rng: random.Random) -> list[np.ndarray]:
    """One random crop (area 0.5-1, aspect 3/4-4/3) of every frame, resized to 112x112."""
    height, width = frames[0].shape[:2]
    for _ in range(10):
        area = height * width * rng.uniform(MIN_CROP_AREA, 1.0)
        aspect = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
        w, h = round(np.sqrt(area * aspect)), round(np.sqrt(area / aspect))
        if 0 < w <= width and 0 < h <= height:
            x, y = rng.randint(0, width - w), rng.randint(0, height - h)
            break
    else:  # fall back to the central square
        w = h = min(height, width)
        x, y = (width - w) // 2, (height - h) // 2
    size = (CROP_SIZE, CROP_SIZE)
    return [
        cv2.resize(f[y : y + h, x : x + w], size, interpolation=cv2.INTER_LINEAR) for f in frames
    ]


class UCF101Clips(Dataset):
    """Training clips (3, T, 112, 112) with their labels, one random clip per video per epoch."""

    def __init__(
        self,
        root: Path,
        list_name: str = "trainlist01.txt",
        classes: list[str] | None = None,
        seed: int = 0,
    ) -> None:
        self.root = root
        self.classes = classes or read_classes(root)
        self.entries = read_split(root, list_name, self.classes)
        if not self.entries:
            raise ValueError(f"{root / list_name} lists no video of {self.classes}")
        self.seed = seed
        self._rng: tuple[int, random.Random] | None = None

    def _random(self) -> random.Random:
        """This process's generator: each data-loading worker gets its own seed from torch."""
        info = get_worker_info()
        seed = info.seed if info is not None else self.seed
        if self._rng is None or self._rng[0] != seed:
            self._rng = (seed, random.Random(seed))
        return self._rng[1]

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        entry = self.entries[index]
        rng = self._random()
        path = self.root / entry.path
        start = rng.randint(0, max(kept_frame_count(path) - CLIP_LENGTH, 0))
        frames = read_frames(path, first=start, count=CLIP_LENGTH)
        if len(frames) < CLIP_LENGTH:  # a short video, or a header that overstated it
            frames = read_frames(path)
            start = max(len(frames) - CLIP_LENGTH, 0)
        clip = [resize_short_side(frames[i]) for i in window(len(frames), start)]
        clip = random_resized_crop(clip, rng)
        if rng.random() < 0.5:
            clip = [np.ascontiguousarray(f[:, ::-1]) for f in clip]
        return to_tensor(clip), entry.label
