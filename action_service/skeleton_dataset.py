"""Training data of the keypoint classifier: the pose model's own keypoints over gym videos.

The sequences come from keypoint datasets written by `fitness index dataset --all-performances`
(the pose model run over a UCF101-format folder), so the classifier learns the pose model's
noise, not the gym's exact keypoints. Videos of the eight exercises keep their class; videos of
any other movement (standing, walking, stretching) are the class `NONE`. Faulty performances
are still performances of their exercise and are kept.

Each epoch draws `windows_per_video` random windows from every video, each at a random tempo
and start and augmented (`action_service.sequences.augment`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from action_service.classes import EXERCISES, KEYPOINT_CLASSES, NONE
from action_service.sequences import (
    WINDOW,
    KeypointSequence,
    augment,
    crop,
    features,
    resample,
)
from scoring_service.keypoint_dataset import VideoKeypoints, read_keypoint_dataset

SPEEDS = (0.7, 1.4)  # tempo range of the time warping


@dataclass(frozen=True)
class LabelledSequence:
    """One video's poses with its class index in `KEYPOINT_CLASSES`."""

    video: str
    sequence: KeypointSequence
    label: int


def class_of(exercise: str) -> str:
    """The classifier's class of a video's movement: the exercise, or `NONE`."""
    return exercise if exercise in EXERCISES else NONE


def sequence_of(video: VideoKeypoints) -> KeypointSequence:
    """A dataset video's poses with their timestamps."""
    fps = video.fps if video.fps > 0 else 30.0
    return KeypointSequence(video.keypoints, video.frames.astype(np.float64) / fps)


def labelled_sequences(folders: Iterable[Path]) -> list[LabelledSequence]:
    """Every posed video of the keypoint datasets in `folders` (videos with no pose skipped)."""
    sequences = []
    for folder in folders:
        for video in read_keypoint_dataset(folder):
            if len(video.keypoints):
                label = KEYPOINT_CLASSES.index(class_of(video.exercise))
                sequences.append(LabelledSequence(video.video, sequence_of(video), label))
    return sequences


class KeypointWindows(Dataset):
    """Random augmented windows (D, T) and labels of labelled sequences."""

    def __init__(
        self, sequences: list[LabelledSequence], *, windows_per_video: int = 8, seed: int = 0
    ) -> None:
        if not sequences:
            raise ValueError("no posed video to train on")
        self.sequences = sequences
        self.windows_per_video = windows_per_video
        self.seed = seed
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.sequences) * self.windows_per_video

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        item = self.sequences[index // self.windows_per_video]
        rng = np.random.default_rng([self.seed, self.epoch, index])
        poses = resample(item.sequence, speed=float(rng.uniform(*SPEEDS)))
        window = crop(poses, int(rng.integers(max(1, len(poses) - WINDOW + 1))))
        return torch.from_numpy(features(augment(window, rng))), item.label
