"""The COCO-17 person skeleton: keypoint names, left/right flip pairs and limbs for drawing.

Glossary of shapes:
    - keypoint number: K (17)

Index `i` here is `Joint` value `i + 1` in the protos (`fitness.v1.Joint`), whose zero value
means "unspecified".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from common.errors import InvalidInputError, LimitExceededError
from common.fitness.v1 import common_pb2

KEYPOINT_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
NUM_KEYPOINTS = len(KEYPOINT_NAMES)
KEYPOINT_INDEX: dict[str, int] = {name: i for i, name in enumerate(KEYPOINT_NAMES)}

# Left/right pairs that swap when the image is mirrored.
FLIP_PAIRS: tuple[tuple[int, int], ...] = (
    (1, 2),
    (3, 4),
    (5, 6),
    (7, 8),
    (9, 10),
    (11, 12),
    (13, 14),
    (15, 16),
)


def _flip_permutation() -> tuple[int, ...]:
    order = list(range(NUM_KEYPOINTS))
    for left, right in FLIP_PAIRS:
        order[left], order[right] = right, left
    return tuple(order)


# `keypoints[FLIP_INDEX]` relabels the keypoints of a mirrored image, in shape (K, ...).
FLIP_INDEX: tuple[int, ...] = _flip_permutation()

# Limbs to draw, as (from, to) keypoint indices: COCO's skeleton, zero-based.
LIMBS: tuple[tuple[int, int], ...] = (
    (15, 13),
    (13, 11),
    (16, 14),
    (14, 12),
    (11, 12),  # legs and hips
    (5, 11),
    (6, 12),
    (5, 6),  # torso
    (5, 7),
    (6, 8),
    (7, 9),
    (8, 10),  # arms
    (1, 2),
    (0, 1),
    (0, 2),
    (1, 3),
    (2, 4),
    (3, 5),
    (4, 6),  # head
)

# COCO's per-keypoint falloff constants for OKS (object keypoint similarity), in shape (K,).
OKS_SIGMAS = (
    np.array(
        [
            0.26,
            0.25,
            0.25,
            0.35,
            0.35,
            0.79,
            0.79,
            0.72,
            0.72,
            0.62,
            0.62,
            1.07,
            1.07,
            0.87,
            0.87,
            0.89,
            0.89,
        ]
    )
    / 10.0
)


def joint_of(index: int) -> common_pb2.Joint.ValueType:
    """The proto `Joint` of a COCO keypoint index."""
    if not 0 <= index < NUM_KEYPOINTS:
        raise ValueError(f"keypoint index must be in [0, {NUM_KEYPOINTS}), got {index}")
    return common_pb2.Joint.Value(f"JOINT_{KEYPOINT_NAMES[index].upper()}")


def index_of(joint: common_pb2.Joint.ValueType) -> int:
    """The COCO keypoint index of a proto `Joint`."""
    if not 1 <= joint <= NUM_KEYPOINTS:
        raise ValueError(f"not a keypoint joint: {joint}")
    return int(joint) - 1


def pose_arrays(
    poses: Sequence[common_pb2.FramePose], max_poses: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Frame indices (F,) and keypoints (F, 17, 3: x, y, score) of a request's poses.

    Raises:
        InvalidInputError: No poses, frame indices that do not increase, a pose without the 17
            COCO keypoints, or NaN or infinite values; the message names the first bad frame.
        LimitExceededError: More than `max_poses` poses (None: no limit).
    """
    if not poses:
        raise InvalidInputError("no poses: send the performer's pose for at least one frame")
    if max_poses is not None and len(poses) > max_poses:
        raise LimitExceededError(
            f"{len(poses)} poses, more than {max_poses} at once: sample the video more sparsely"
        )
    indices = np.array([pose.frame_index for pose in poses], np.int64)
    if np.any(np.diff(indices) <= 0):
        raise InvalidInputError("poses must come in increasing frame_index order")
    for pose in poses:
        if len(pose.pose.keypoints) != NUM_KEYPOINTS:
            raise InvalidInputError(
                f"frame {pose.frame_index}: {len(pose.pose.keypoints)} keypoints, "
                f"expected the {NUM_KEYPOINTS} COCO keypoints"
            )
    keypoints = np.array(
        [[(k.x, k.y, k.score) for k in pose.pose.keypoints] for pose in poses], np.float32
    ).reshape(len(poses), NUM_KEYPOINTS, 3)
    bad = ~np.isfinite(keypoints).all(axis=(1, 2))
    if bad.any():
        raise InvalidInputError(f"frame {indices[int(np.argmax(bad))]}: NaN or infinite values")
    return indices, keypoints
