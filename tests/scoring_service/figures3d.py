"""Stick-figure performances in 3D as COCO-17 keypoints, for the view scorer's tests.

Glossary of shapes:
    - frame number: F
    - keypoint number: K (17)

The gym's world frame: metres, z up, the performer faces -y and their left is +x, ankles on
the floor. `squat` bends the knees forward, the hips back and down, leans the torso and raises
the arms in front, `reps` times; `arm_raises` stands still and lifts the arms sideways
overhead. `scale` makes a taller or shorter performer.
"""

from __future__ import annotations

import numpy as np

from common.skeleton import KEYPOINT_INDEX, NUM_KEYPOINTS
from scoring_service.views import film

SHIN, THIGH, TORSO, UPPER_ARM, FOREARM = 0.42, 0.45, 0.5, 0.3, 0.28
FORWARD = np.array([0.0, -1.0, 0.0])
UP = np.array([0.0, 0.0, 1.0])


def _cycle(frames: int, reps: int) -> np.ndarray:
    """(F,) 0 at rest, 1 at the turning point of each rep."""
    return (1.0 - np.cos(2.0 * np.pi * np.arange(frames) / frames * reps)) / 2.0


def _tilted(angle: np.ndarray, towards: np.ndarray) -> np.ndarray:
    """(F, 3) unit vectors tilted from upright by `angle` (F,) radians towards `towards`."""
    return np.cos(angle)[:, None] * UP + np.sin(angle)[:, None] * towards


def _legs(frames: int, bend: np.ndarray) -> np.ndarray:
    """Keypoints (F, K, 3) with the legs of a squat `bend` (F,) deep (0: standing) filled."""
    points = np.zeros((frames, NUM_KEYPOINTS, 3))
    for side, name in ((1, "left"), (-1, "right")):
        ankle = np.tile([0.12 * side, 0.0, 0.08], (frames, 1))
        knee = ankle + SHIN * _tilted(np.radians(35) * bend, FORWARD)
        points[:, KEYPOINT_INDEX[f"{name}_ankle"]] = ankle
        points[:, KEYPOINT_INDEX[f"{name}_knee"]] = knee
        points[:, KEYPOINT_INDEX[f"{name}_hip"]] = knee + THIGH * _tilted(
            np.radians(85) * bend, -FORWARD
        )
    return points


def _upper_body(points: np.ndarray, lean: np.ndarray, arms: dict[int, np.ndarray]) -> None:
    """Fills the arms and head of `points` (F, K, 3) from its hips, the torso's forward lean
    (F,) and each side's arm direction (F, 3); side +1 is the left."""
    torso = _tilted(lean, FORWARD) * TORSO
    for side, name in ((1, "left"), (-1, "right")):
        shoulder = points[:, KEYPOINT_INDEX[f"{name}_hip"]] + torso + [0.1 * side, 0.0, 0.0]
        elbow = shoulder + UPPER_ARM * arms[side]
        points[:, KEYPOINT_INDEX[f"{name}_shoulder"]] = shoulder
        points[:, KEYPOINT_INDEX[f"{name}_elbow"]] = elbow
        points[:, KEYPOINT_INDEX[f"{name}_wrist"]] = elbow + FOREARM * arms[side]
    shoulders = [KEYPOINT_INDEX["left_shoulder"], KEYPOINT_INDEX["right_shoulder"]]
    head = points[:, shoulders].mean(axis=1) + _tilted(lean, FORWARD) * 0.2
    for name, offset in {
        "nose": (0.0, -0.1, 0.0),
        "left_eye": (0.035, -0.08, 0.04),
        "right_eye": (-0.035, -0.08, 0.04),
        "left_ear": (0.08, 0.0, 0.01),
        "right_ear": (-0.08, 0.0, 0.01),
    }.items():
        points[:, KEYPOINT_INDEX[name]] = head + offset


def squat(frames: int = 40, *, reps: int = 2, depth: float = 1.0, scale: float = 1.0) -> np.ndarray:
    """A squat (F, K, 3)."""
    bend = _cycle(frames, reps) * depth
    points = _legs(frames, bend)
    arms = -_tilted(np.radians(85) * bend, -FORWARD)
    _upper_body(points, np.radians(35) * bend, {1: arms, -1: arms})
    return points * scale


def arm_raises(frames: int = 40, *, reps: int = 2, scale: float = 1.0) -> np.ndarray:
    """Standing still and raising both arms sideways overhead (F, K, 3)."""
    lift = np.radians(170) * _cycle(frames, reps)
    points = _legs(frames, np.zeros(frames))
    arms = {side: -_tilted(lift, np.array([-side, 0.0, 0.0])) for side in (1, -1)}
    _upper_body(points, np.zeros(frames), arms)
    return points * scale


def photographed(
    points: np.ndarray,
    azimuth: float,
    elevation: float = 10.0,
    *,
    distance: float = 3.0,
    noise: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """A phone's view of a performance: pixels of a 640 x 480 frame, with a shorter lens than
    the view scorer films its references with, and confidence 1 (F, K, 3), with `noise`
    pixels of jitter."""
    image = film(points, azimuth, elevation, distance=distance)
    jitter = np.random.default_rng(seed).normal(0, noise, image[..., :2].shape)
    image[..., :2] = image[..., :2] * 0.6 + (320, 240) + jitter
    return image
