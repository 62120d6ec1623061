"""Clips for the 3D ResNet, sampled and normalised as the published models expect.

Glossary of shapes:
    - frame number: F (of a video)
    - clip length: T (16)
    - crop side: S (112)

Frames are resized so the shorter side is 112 and centre-cropped to 112x112 (random crops
and flips when training), scaled to [0, 1] and normalised with the Kinetics mean and std of
3D-ResNets-PyTorch. At test time a video gives several clips (`TEST_CLIPS`) of 16
consecutive frames spread evenly over it, whose class probabilities are averaged. A video
shorter than a clip is looped (frames 0, 1, ..., F-1, 0, 1, ...), the rule of the original
code; a video with no frame is an error.

The published clips are 16 consecutive frames of UCF101's 25 fps videos (about 0.64 s). Phones
film at 24 to 60 fps, so a video faster than that keeps every k-th frame first
(`frame_step`: k = round(fps / 25), so 60 fps keeps every second frame) and a clip spans about
the same time of movement whatever the camera's rate.

A model may be trained on clips that take every s-th kept frame (the temporal stride, the
original code's `sample_t_stride`): 16 frames then span 16 s - s + 1 kept frames, s times the
movement. Its checkpoint records s, and its evaluation clips take the same stride.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from common.errors import InvalidInputError

CLIP_LENGTH = 16
CROP_SIZE = 112
KINETICS_MEAN = np.array([0.4345, 0.4051, 0.3775], np.float32)
KINETICS_STD = np.array([0.2768, 0.2713, 0.2737], np.float32)
CLIP_FPS = 25.0  # UCF101's frame rate, the rate published clips assume
# Clips averaged per video at test time. Chosen on the validation split for consecutive-frame
# clips (10 got 70.0% there against 62.5% for 3: a 0.64 s clip may miss the telling movement);
# for the shipped model's stride-4 clips the two counts differ by one validation video.
TEST_CLIPS = 10


def frame_step(fps: float) -> int:
    """Keep every k-th frame of a `fps` video so that the kept rate is near 25 fps."""
    return max(1, round(fps / CLIP_FPS)) if fps > 0 else 1


def estimated_fps(timestamps: list[float]) -> float:
    """The frame rate of frames with these presentation times (0 when they do not tell)."""
    span = timestamps[-1] - timestamps[0] if timestamps else 0.0
    return (len(timestamps) - 1) / span if span > 0 else 0.0


def resize_short_side(frame: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """An RGB frame (H, W, 3) resized so that its shorter side is `size`, aspect kept."""
    height, width = frame.shape[:2]
    scale = size / min(height, width)
    new_size = (max(size, round(width * scale)), max(size, round(height * scale)))
    return cv2.resize(
        frame, new_size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    )


def centre_crop(frame: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """The central (size, size) square of a frame whose sides are at least `size`."""
    height, width = frame.shape[:2]
    top, left = (height - size) // 2, (width - size) // 2
    return frame[top : top + size, left : left + size]


def clip_span(stride: int = 1, length: int = CLIP_LENGTH) -> int:
    """How many consecutive frames a clip of `length` frames, every `stride`-th, spans."""
    return (length - 1) * stride + 1


def clip_starts(frame_count: int, clips: int, span: int = CLIP_LENGTH) -> list[int]:
    """Start frames of `clips` windows of `span` frames spread evenly over a video (repeats
    when it is short)."""
    if frame_count < 1:
        raise InvalidInputError("the video has no frame to recognise")
    last = frame_count - span
    if last <= 0:
        return [0]  # one looped clip holds the whole video
    if clips == 1:
        return [last // 2]
    return [round(i * last / (clips - 1)) for i in range(clips)]


def window(frame_count: int, start: int, stride: int = 1, length: int = CLIP_LENGTH) -> list[int]:
    """Frame indices of one clip (every `stride`-th frame from `start`), looping the video when
    it is shorter than the clip."""
    return [(start + i * stride) % frame_count for i in range(length)]


def to_tensor(frames: list[np.ndarray]) -> torch.Tensor:
    """A clip (3, T, S, S) float32 of T cropped RGB frames (S, S, 3) uint8."""
    clip = np.stack(frames).astype(np.float32) / 255.0
    clip = (clip - KINETICS_MEAN) / KINETICS_STD
    return torch.from_numpy(np.ascontiguousarray(clip.transpose(3, 0, 1, 2)))


def evaluation_clips(
    frames: list[np.ndarray], clips: int = TEST_CLIPS, stride: int = 1
) -> torch.Tensor:
    """The evaluation clips (clips, 3, T, S, S) of a video's frames (F, H, W, 3) uint8, each
    taking every `stride`-th frame.

    Raises:
        InvalidInputError: No frames, or frames of different sizes.
    """
    if not frames:
        raise InvalidInputError("the video has no frame to recognise")
    sizes = {f.shape for f in frames}
    if len(sizes) > 1:
        raise InvalidInputError(f"frames of one video must share one size, got {sorted(sizes)}")
    cropped = [centre_crop(resize_short_side(f)) for f in frames]
    starts = clip_starts(len(cropped), clips, clip_span(stride))
    return torch.stack(
        [to_tensor([cropped[i] for i in window(len(cropped), s, stride)]) for s in starts]
    )
