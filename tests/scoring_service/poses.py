"""Stick-figure performances as COCO-17 keypoints, for scoring tests that need no gym.

Glossary of shapes:
    - frame number: F
    - keypoint number: K (17)

A figure is drawn in body units (torso length 1, y up, ankles on the floor at y = 0) and then
placed in a 640 x 480 frame: `offset` is where the body origin (between the ankles) lands in
pixels, `scale` = 1 draws the torso 100 pixels long. With the defaults every keypoint stays
inside the frame for scales up to 1. Confidence is 1 everywhere; `seed` adds about 1 pixel of
jitter.

- `squat`: seen from the side, facing right (+x): knees go forward, hips back and down, the
  torso leans forward and the arms rise in front for balance, `reps` times over the frames.
- `jumping_jack`: seen from the front: arms sweep from the sides to overhead while the feet
  jump apart.

`mirror` flips a performance as a mirror would; `reference_videos` makes a reference set of one
motion by varied performers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from common.skeleton import FLIP_INDEX, KEYPOINT_INDEX, NUM_KEYPOINTS
from scoring_service.keypoint_dataset import VideoKeypoints

FRAME = (640, 480)  # width, height in pixels
PIXELS_PER_UNIT = 100.0
JITTER = 0.01  # body units (about 1 pixel)

Motion = Callable[..., np.ndarray]


def _cycle(frames: int, reps: int) -> np.ndarray:
    """(F,) how far into each rep every frame is: 0 at rest, 1 at the deepest point."""
    phase = np.arange(frames) / max(frames, 1) * reps
    return (1.0 - np.cos(2.0 * np.pi * phase)) / 2.0


# Face points around the head centre, in body units: seen from the side (facing right) and
# from the front.
_SIDE_FACE = {
    "nose": (0.12, 0.0),
    "left_eye": (0.09, 0.05),
    "right_eye": (0.08, 0.04),
    "left_ear": (-0.04, 0.03),
    "right_ear": (-0.05, 0.02),
}
_FRONT_FACE = {
    "nose": (0.0, 0.0),
    "left_eye": (0.06, 0.05),
    "right_eye": (-0.06, 0.05),
    "left_ear": (0.12, 0.02),
    "right_ear": (-0.12, 0.02),
}


def _head(points: dict[str, np.ndarray], centre: np.ndarray, side: bool) -> None:
    """Nose, eyes and ears around a head centre (F, 2)."""
    for name, shift in (_SIDE_FACE if side else _FRONT_FACE).items():
        points[name] = centre + np.array(shift)


def _place(
    points: dict[str, np.ndarray], offset: tuple[float, float], scale: float, seed: int
) -> np.ndarray:
    """Body-unit points by name (each (F, 2)) as keypoints (F, K, 3) in frame pixels."""
    frames = len(points["nose"])
    body = np.zeros((frames, NUM_KEYPOINTS, 2))
    for name, xy in points.items():
        body[:, KEYPOINT_INDEX[name]] = xy
    body += np.random.default_rng(seed).normal(0.0, JITTER, body.shape)
    keypoints = np.ones((frames, NUM_KEYPOINTS, 3), np.float32)
    keypoints[..., 0] = offset[0] + PIXELS_PER_UNIT * scale * body[..., 0]
    keypoints[..., 1] = offset[1] - PIXELS_PER_UNIT * scale * body[..., 1]
    return keypoints


def squat(
    frames: int,
    depth: float = 1.0,
    offset: tuple[float, float] = (300.0, 420.0),
    scale: float = 1.0,
    seed: int = 0,
    reps: int = 1,
) -> np.ndarray:
    """A side-on squat (F, 17, 3); `depth` 1 is thighs about level, 0 standing still."""
    bend = depth * _cycle(frames, reps)[:, None]
    one = np.ones_like(bend)
    ankle = np.hstack([0.0 * one, 0.0 * one])
    knee = np.hstack([0.45 * bend, 1.0 - 0.15 * bend])
    hip = np.hstack([-0.55 * bend, 2.0 - 0.95 * bend])
    lean = 0.6 * bend
    shoulder = hip + np.hstack([np.sin(lean), np.cos(lean)])
    reach = 1.4 * bend  # arm angle from hanging down towards the front
    arm = np.hstack([np.sin(reach), -np.cos(reach)])
    near, far = np.array([0.04, 0.0]), np.array([-0.04, 0.0])  # left nearer the camera
    points = {}
    for side, shift in (("left", near), ("right", far)):
        points[f"{side}_ankle"] = ankle + shift
        points[f"{side}_knee"] = knee + shift
        points[f"{side}_hip"] = hip + shift
        points[f"{side}_shoulder"] = shoulder + shift
        points[f"{side}_elbow"] = shoulder + 0.5 * arm + shift
        points[f"{side}_wrist"] = shoulder + 1.0 * arm + shift
    _head(points, shoulder + 0.4 * np.hstack([np.sin(lean), np.cos(lean)]), side=True)
    return _place(points, offset, scale, seed)


def jumping_jack(
    frames: int,
    depth: float = 1.0,
    offset: tuple[float, float] = (320.0, 420.0),
    scale: float = 1.0,
    seed: int = 0,
    reps: int = 1,
) -> np.ndarray:
    """A jumping jack seen from the front (F, 17, 3); `depth` 1 is arms overhead."""
    spread = depth * _cycle(frames, reps)[:, None]
    one = np.ones_like(spread)
    hip_y, shoulder_y = 2.0 * one, 3.0 * one
    raise_ = np.pi * 0.9 * spread  # arm angle from hanging down, out to the side and up
    points = {}
    for side, sign in (("left", 1.0), ("right", -1.0)):  # the performer's left is image right
        points[f"{side}_ankle"] = np.hstack([sign * (0.2 + 0.6 * spread), 0.0 * one])
        points[f"{side}_knee"] = np.hstack([sign * (0.2 + 0.3 * spread), 1.0 * one])
        points[f"{side}_hip"] = np.hstack([sign * 0.18 * one, hip_y])
        shoulder = np.hstack([sign * 0.3 * one, shoulder_y])
        arm = np.hstack([sign * np.sin(raise_), -np.cos(raise_)])
        points[f"{side}_shoulder"] = shoulder
        points[f"{side}_elbow"] = shoulder + 0.5 * arm
        points[f"{side}_wrist"] = shoulder + 1.0 * arm
    _head(points, np.hstack([0.0 * one, shoulder_y + 0.4]), side=False)
    return _place(points, offset, scale, seed)


def mirror(keypoints: np.ndarray, width: float = FRAME[0]) -> np.ndarray:
    """Keypoints (F, K, 3) as a mirror shows them: x flipped in the frame, left and right
    swapped."""
    flipped = keypoints[:, list(FLIP_INDEX)].copy()
    flipped[..., 0] = width - flipped[..., 0]
    return flipped


def reference_videos(
    exercise: str, motion: Motion, count: int = 4, frames: int = 24, first_seed: int = 1
) -> list[VideoKeypoints]:
    """`count` clean performances of one motion by differently placed, sized and deep
    performers, as a keypoint dataset holds them (one frame sampled every 6)."""
    videos = []
    for number in range(count):
        seed = first_seed + number
        rng = np.random.default_rng(seed)
        keypoints = motion(
            frames,
            depth=rng.uniform(0.85, 1.0),
            offset=(rng.uniform(260.0, 380.0), rng.uniform(400.0, 440.0)),
            scale=rng.uniform(0.7, 1.0),
            seed=seed,
        )
        videos.append(
            VideoKeypoints(
                f"{exercise}/v_{exercise}_g{seed:02d}_c01.mp4",
                exercise,
                np.arange(frames, dtype=np.int64) * 6,
                keypoints,
                width=FRAME[0],
                height=FRAME[1],
                fps=60.0,
            )
        )
    return videos
