"""Pre-processing keypoints before clustering and scoring (the paper's step 2).

Glossary of shapes:
    - frame number: F
    - keypoint number: K (17)

Each frame's pose is moved so the hip midpoint is at the origin and scaled so the torso (hip
midpoint to shoulder midpoint) is 1 long: where the person stands in the frame and how big
they appear stop mattering, what their joints do relative to their body remains. A camera
looking along the body (from the head or the feet) shows the torso foreshortened, which would
blow the pose up, so the scale is never less than `MIN_TORSO_SHARE` of the pose's extent
(the diagonal of its seen points' box). A frame whose torso cannot be placed (hips or
shoulders not found, or a scale under 2 pixels) has no normalised pose.

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
MIN_TORSO_SHARE = 0.15  # a torso seen side-on is 0.2 to 0.3 of the pose box diagonal

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
    """Normalises poses (F, K, 3) of x, y, confidence in pixels.

    `min_confidence` decides which points are seen (and clean); a point of confidence 0 (not
    found) is never seen.
    """
    xy, confidence = keypoints[..., :2].astype(np.float64), keypoints[..., 2]
    seen_points = (confidence >= min_confidence) & (confidence > 0)
    hips = xy[:, _HIPS].mean(axis=1)
    torso = np.linalg.norm(xy[:, _SHOULDERS].mean(axis=1) - hips, axis=1)
    torso = np.maximum(torso, MIN_TORSO_SHARE * _extent(xy, seen_points))
    seen = seen_points[:, _HIPS + _SHOULDERS].all(axis=1)
    framed = seen & (torso >= MIN_TORSO_PIXELS)
    scale = np.where(framed, torso, np.nan)[:, None, None]
    points = (xy - hips[:, None, :]) / scale
    within = np.linalg.norm(np.nan_to_num(points, nan=np.inf), axis=2) <= OUTLIER_RADIUS
    clean = framed[:, None] & seen_points & within
    return NormalisedPoses(points.astype(np.float32), framed, clean)


def _extent(xy: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """The diagonal (F,) of the box around each frame's seen points (0 with none)."""
    low = np.where(seen[..., None], xy, np.inf).min(axis=1)
    high = np.where(seen[..., None], xy, -np.inf).max(axis=1)
    diagonal = np.linalg.norm(high - low, axis=1)
    return np.where(np.isfinite(diagonal), diagonal, 0.0)
