"""Pre-processing keypoints before clustering and scoring (the paper's step 2).

Glossary of shapes:
    - frame number: F
    - keypoint number: K (17)

Each frame's pose is moved so the hip midpoint is at the origin and scaled so the torso (hip
midpoint to shoulder midpoint) is 1 long: where the person stands in the frame and how big
they appear stop mattering, what their joints do relative to their body remains. A frame whose
torso cannot be measured (hips or shoulders unseen, or a torso under 2 pixels) has no
normalised pose.

Reference data is then cleaned: a point is dropped when the pose model's confidence is under
`MIN_CONFIDENCE` (a guess, not a sighting) or when it lies more than `OUTLIER_RADIUS` torso
lengths from the hips (no exercise puts a joint there; such points are mistaken detections).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from common.skeleton import KEYPOINT_INDEX

MIN_CONFIDENCE = 0.3
OUTLIER_RADIUS = 3.0  # torso lengths: wrists overhead reach about 2.4
MIN_TORSO_PIXELS = 2.0

_HIPS = [KEYPOINT_INDEX["left_hip"], KEYPOINT_INDEX["right_hip"]]
_SHOULDERS = [KEYPOINT_INDEX["left_shoulder"], KEYPOINT_INDEX["right_shoulder"]]


@dataclass(frozen=True)
class NormalisedPoses:
    """Normalised coordinates of a sequence of poses.

    Attributes:
        points: (F, K, 2) coordinates in torso lengths from the hip midpoint (NaN where a frame
            has no torso).
        framed: (F,) whether the frame's torso could be measured.
        clean: (F, K) whether a point is confident and within the outlier radius.
    """

    points: np.ndarray
    framed: np.ndarray
    clean: np.ndarray


def normalise(keypoints: np.ndarray, min_confidence: float = MIN_CONFIDENCE) -> NormalisedPoses:
    """Normalises poses (F, K, 3) of x, y, confidence in pixels."""
    xy, confidence = keypoints[..., :2].astype(np.float64), keypoints[..., 2]
    hips = xy[:, _HIPS].mean(axis=1)
    torso = np.linalg.norm(xy[:, _SHOULDERS].mean(axis=1) - hips, axis=1)
    seen = (confidence[:, _HIPS + _SHOULDERS] >= min_confidence).all(axis=1)
    framed = seen & (torso >= MIN_TORSO_PIXELS)
    scale = np.where(framed, torso, np.nan)[:, None, None]
    points = (xy - hips[:, None, :]) / scale
    within = np.linalg.norm(np.nan_to_num(points, nan=np.inf), axis=2) <= OUTLIER_RADIUS
    clean = framed[:, None] & (confidence >= min_confidence) & within
    return NormalisedPoses(points.astype(np.float32), framed, clean)
