"""Small videos made by the tests, with frames whose content says which frame they are."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from common.video import VideoWriter


def numbered_frame(index: int, width: int = 64, height: int = 48) -> np.ndarray:
    """An RGB frame (H, W, 3): a dark background, a white square that moves right with
    `index`, and a red block in the top-left corner that marks which way is up."""
    image = np.full((height, width, 3), 40, np.uint8)
    image[: height // 4, : width // 4] = (220, 30, 30)
    side = max(4, min(width, height) // 4)
    left = (index * 2) % max(1, width - side)
    top = height // 2
    image[top : top + side, left : left + side] = 255
    return image


def write_clip(
    path: Path,
    *,
    frames: int = 12,
    fps: float = 25.0,
    width: int = 64,
    height: int = 48,
    rotation_degrees: int = 0,
    stored: list[np.ndarray] | None = None,
) -> list[np.ndarray]:
    """Writes numbered frames (or `stored` pixels) to `path`; returns the pixels written."""
    images = stored or [numbered_frame(i, width, height) for i in range(frames)]
    height, width = images[0].shape[:2]
    with VideoWriter(
        path, fps=fps, width=width, height=height, rotation_degrees=rotation_degrees, quality=10
    ) as writer:
        for image in images:
            writer.write(image)
    return images


def mean_abs_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())
