"""Capture checks: what about the filming may spoil an analysis, each with a fix in words.

Checked on the poses the pose service found (frames where nobody was found are left out):

- the feet or the head out of the frame (both ankles, or the nose and both eyes, unseen or on
  the frame's edge) in at least `CUT_OFF_SHARE` of the frames;
- a person whose box is under `MIN_HEIGHT_SHARE` of the frame's height (median over frames);
- a recognised exercise with no full repetition found.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from common.fitness.v1 import common_pb2, gateway_pb2
from common.skeleton import KEYPOINT_INDEX, pose_arrays

MIN_SCORE = 0.3
CUT_OFF_SHARE = 0.5
MIN_HEIGHT_SHARE = 0.2
EDGE_PIXELS = 2.0

Kind = gateway_pb2.CaptureWarning.Kind
# (joints, what is cut off, the fix)
_PARTS = (
    (
        [KEYPOINT_INDEX["left_ankle"], KEYPOINT_INDEX["right_ankle"]],
        "Your feet are",
        "step back or tilt the camera down so that your whole body shows",
    ),
    (
        [KEYPOINT_INDEX["nose"], KEYPOINT_INDEX["left_eye"], KEYPOINT_INDEX["right_eye"]],
        "Your head is",
        "step back or tilt the camera up so that your whole body shows",
    ),
)


def capture_warnings(
    poses: Sequence[common_pb2.FramePose],
    width: int,
    height: int,
    reps: Sequence[gateway_pb2.Rep] | None = None,
) -> list[gateway_pb2.CaptureWarning]:
    """The warnings for one video's poses in a `width` x `height` frame; `reps` None skips the
    rep check (nothing was scored)."""
    found = [pose for pose in poses if pose.pose.score > 0]
    warnings = []
    if found:
        _, keypoints = pose_arrays(found)
        inside = (
            (keypoints[..., 2] >= MIN_SCORE)
            & (keypoints[..., 0] > EDGE_PIXELS)
            & (keypoints[..., 0] < width - EDGE_PIXELS)
            & (keypoints[..., 1] > EDGE_PIXELS)
            & (keypoints[..., 1] < height - EDGE_PIXELS)
        )
        for joints, cut_off, fix in _PARTS:
            share = float((~inside[:, joints].any(axis=1)).mean())
            if share >= CUT_OFF_SHARE:
                warnings.append(
                    gateway_pb2.CaptureWarning(
                        kind=Kind.KIND_BODY_CUT_OFF,
                        message=f"{cut_off} out of the frame in {share:.0%} of the analysed "
                        f"frames: {fix}.",
                    )
                )
        tall = float(np.median([pose.pose.box.height for pose in found])) / max(height, 1)
        if tall < MIN_HEIGHT_SHARE:
            warnings.append(
                gateway_pb2.CaptureWarning(
                    kind=Kind.KIND_PERSON_TOO_SMALL,
                    message=f"You fill only {tall:.0%} of the frame's height: come closer or "
                    f"zoom in until you fill at least {MIN_HEIGHT_SHARE:.0%} of it.",
                )
            )
    if reps is not None and not reps:
        warnings.append(
            gateway_pb2.CaptureWarning(
                kind=Kind.KIND_NO_FULL_REP,
                message="No full repetition was found: film the whole set, from the start "
                "position to the start position again.",
            )
        )
    return warnings
