"""Drawing COCO-17 skeletons on RGB images (H, W, 3), uint8, in place."""

from __future__ import annotations

import cv2
import numpy as np

from common.skeleton import LIMBS

# Left side warm, right side cool, centre line white: a person reads left from right at once.
_LEFT, _RIGHT, _CENTRE = (255, 140, 0), (0, 170, 255), (240, 240, 240)


def _side_color(a: int, b: int) -> tuple[int, int, int]:
    if a % 2 == 1 and b % 2 == 1 and a > 0 and b > 0:
        return _LEFT
    if a % 2 == 0 and b % 2 == 0 and a > 0 and b > 0:
        return _RIGHT
    return _CENTRE


def draw_skeleton(
    image: np.ndarray,
    keypoints: np.ndarray,
    *,
    min_score: float = 0.3,
    joint_colors: np.ndarray | None = None,
    thickness: int | None = None,
) -> np.ndarray:
    """Draws limbs and joints of one person.

    Args:
        image: RGB image (H, W, 3), drawn on in place.
        keypoints: (17, 3) as x, y and a score or COCO visibility; points at or under
            `min_score` are left out (visibility 1, hidden, is drawn hollow).
        min_score: Threshold on the third column.
        joint_colors: Optional RGB colour (17, 3) per joint, for example by score.
        thickness: Line width in pixels; by default it grows with the image.

    Returns:
        `image`, for chaining.
    """
    if keypoints.shape != (17, 3):
        raise ValueError(f"expected keypoints of shape (17, 3), got {keypoints.shape}")
    width = thickness or max(1, round(min(image.shape[:2]) / 160))
    points = [(round(x), round(y)) for x, y, _ in keypoints]
    shown = keypoints[:, 2] > min_score
    for a, b in LIMBS:
        if shown[a] and shown[b]:
            cv2.line(image, points[a], points[b], _side_color(a, b), width, cv2.LINE_AA)
    for index, (point, score) in enumerate(zip(points, keypoints[:, 2], strict=True)):
        if not shown[index]:
            continue
        color = (
            tuple(int(c) for c in joint_colors[index])
            if joint_colors is not None
            else (255, 255, 255)
        )
        hollow = score == 1 and joint_colors is None  # COCO "labelled but hidden"
        cv2.circle(image, point, width + 2, color, 1 if hollow else -1, cv2.LINE_AA)
    return image
