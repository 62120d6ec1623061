"""A contact sheet of the gym: one clip per exercise, a few frames each, skeletons drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from common.drawing import draw_skeleton
from synth.clip import Clip, ClipSpec
from synth.dataset import RendererPool, clip_seed
from synth.exercises import EXERCISES

TILE_HEIGHT = 200
LABEL_WIDTH = 150


def contact_sheet(
    *,
    frames_per_clip: int = 5,
    root_seed: int = 0,
    short_side: int = 240,
    exercises: tuple[str, ...] = EXERCISES,
) -> np.ndarray:
    """An RGB image: a row per exercise of `frames_per_clip` frames with their labels drawn."""
    pool = RendererPool()
    rows = []
    for exercise in exercises:
        spec = ClipSpec.sample(
            exercise, clip_seed(root_seed, exercise, 99, 1), short_side=short_side, reps=2
        )
        clip = Clip.build(spec)
        picks = np.linspace(0, clip.frame_count - 1, frames_per_clip + 2)[1:-1].round()
        wanted = {int(i) for i in picks}
        tiles = []
        for _, image, label in clip.frames(pool.get(spec.width, spec.height), only=wanted):
            tiles.append(_person_tile(image, label.keypoints, label.box))
        label_tile = np.full((TILE_HEIGHT, LABEL_WIDTH, 3), 24, np.uint8)
        cv2.putText(
            label_tile,
            exercise,
            (6, TILE_HEIGHT // 2),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.45,
            (255, 255, 255),
            1,
            cv2.LINE_AA,
        )
        rows.append(np.hstack([label_tile, *tiles]))
    width = max(r.shape[1] for r in rows)
    padded = [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0))) for r in rows]
    return np.vstack(padded)


def _person_tile(image: np.ndarray, keypoints: np.ndarray, box: tuple[float, ...]) -> np.ndarray:
    """A square TILE_HEIGHT tile around the person's box with the skeleton drawn on it."""
    x, y, w, h = box
    side = max(w, h) * 1.3 + 8
    cx, cy = x + w / 2, y + h / 2
    # Pad so that a square around a person near the border stays inside the array.
    pad = int(side)
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(24, 24, 24))
    left, top = int(cx - side / 2) + pad, int(cy - side / 2) + pad
    crop = padded[top : top + int(side), left : left + int(side)]
    scale = TILE_HEIGHT / crop.shape[0]
    tile = cv2.resize(crop, (TILE_HEIGHT, TILE_HEIGHT), interpolation=cv2.INTER_AREA)
    moved = keypoints.copy()
    moved[:, 0] = (keypoints[:, 0] + pad - left) * scale
    moved[:, 1] = (keypoints[:, 1] + pad - top) * scale
    return draw_skeleton(tile, moved, thickness=1)


def write_contact_sheet(path: Path, **kwargs: Any) -> Path:
    """Writes `contact_sheet(**kwargs)` as a PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(contact_sheet(**kwargs), cv2.COLOR_RGB2BGR))
    return path
