"""Capture checks: what about the filming may spoil an analysis, each with a fix in words.

- the person not seen clearly (keypoint scores averaging under the pose tracker's
  `CONFIDENT`, where it stops trusting a pose) in at least `NOT_SEEN_SHARE` of the analysed
  frames: hidden, out of the frame or too dark to make out.

The rest are checked on the poses the pose service found (frames where nobody was found are
left out):

- the feet or the head out of the frame (both ankles, or the nose and both eyes, unseen or on
  the frame's edge) in at least `CUT_OFF_SHARE` of the frames;
- a person whose box is under `MIN_HEIGHT_SHARE` of the frame's height (median over frames);
- a recognised exercise with no full repetition found;
- a view the exercise's cues cannot be judged from: the body's width across the shoulders and
  hips against its torso length (median over frames) tells a side view (narrow) from a front
  or back one (wide); between the two thresholds nothing is said;
- other people in view in at least `OTHERS_SHARE` of the frames the pose service checked for
  them (its person detector; at least `MIN_CHECKED_FRAMES` of them);
- joints hidden from the camera in at least `HIDDEN_SHARE` of the reps: the scoring service
  withheld a form cue there because a joint it reads was not seen (each such rep names them).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from common.fitness.v1 import common_pb2, gateway_pb2
from common.skeleton import KEYPOINT_INDEX, pose_arrays
from pose_service.tracking import CONFIDENT

MIN_SCORE = 0.3
CUT_OFF_SHARE = 0.5
NOT_SEEN_SHARE = 0.5
MIN_HEIGHT_SHARE = 0.2
EDGE_PIXELS = 2.0
# Width over torso length, chosen on the gym's validation videos with the shipped pose model's
# keypoints: side views measure 0.10 to 0.33 there (10th to 90th percentile), front and back
# views 0.31 to 0.76; in between, the view is left unclear (`fitness eval view-check`).
SIDE_WIDTH_RATIO = 0.25
FRONT_WIDTH_RATIO = 0.35
MIN_VIEW_FRAMES = 5
OTHERS_SHARE = 0.3
HIDDEN_SHARE = 0.5
MIN_CHECKED_FRAMES = 2
_TORSO = [
    KEYPOINT_INDEX[name] for name in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
]

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


_VIEW_FIXES = {
    common_pb2.VIEW_SIDE: (
        "Filmed from the front or the back: this exercise is judged from the side, where the "
        "hips, knees and back show. Put the camera at your side, a quarter turn round you."
    ),
    common_pb2.VIEW_FRONT_OR_BACK: (
        "Filmed from the side: this exercise is judged from the front, where the arms and legs "
        "open out. Face the camera."
    ),
}


def body_view(keypoints: np.ndarray) -> common_pb2.View.ValueType:
    """The view poses (N, K, 3) were filmed from: side, front or back, or unspecified where
    the body's width says neither clearly or too few frames show the torso."""
    torso = keypoints[:, _TORSO]
    shown = (torso[..., 2] >= MIN_SCORE).all(axis=1)
    left_shoulder, right_shoulder, left_hip, right_hip = torso[shown, :, :2].transpose(1, 0, 2)
    length = np.linalg.norm((left_shoulder + right_shoulder - left_hip - right_hip) / 2, axis=1)
    width = (
        np.linalg.norm(left_shoulder - right_shoulder, axis=1)
        + np.linalg.norm(left_hip - right_hip, axis=1)
    ) / 2
    measurable = length > 1.0
    if measurable.sum() < MIN_VIEW_FRAMES:
        return common_pb2.VIEW_UNSPECIFIED
    ratio = float(np.median(width[measurable] / length[measurable]))
    if ratio < SIDE_WIDTH_RATIO:
        return common_pb2.VIEW_SIDE
    if ratio > FRONT_WIDTH_RATIO:
        return common_pb2.VIEW_FRONT_OR_BACK
    return common_pb2.VIEW_UNSPECIFIED


def wrong_view(seen: common_pb2.View.ValueType, preferred_view: common_pb2.View.ValueType) -> bool:
    """Whether a view read by `body_view` is one to warn about for an exercise judged from
    `preferred_view` (unspecified: any view); an unclear reading is never warned about."""
    return preferred_view in _VIEW_FIXES and seen not in (
        preferred_view,
        common_pb2.VIEW_UNSPECIFIED,
    )


def _not_seen(poses: Sequence[common_pb2.FramePose]) -> list[gateway_pb2.CaptureWarning]:
    """The not-seen warning, when the person was not made out in enough of the frames."""
    if not poses:
        return []
    _, keypoints = pose_arrays(poses)
    share = float((keypoints[..., 2].mean(axis=1) < CONFIDENT).mean())
    if share < NOT_SEEN_SHARE:
        return []
    return [
        gateway_pb2.CaptureWarning(
            kind=Kind.KIND_PERSON_NOT_SEEN,
            message=f"You were not seen clearly in {share:.0%} of the analysed frames: stand "
            "where the camera sees your whole body, with nothing between you and it, in good "
            "light.",
        )
    ]


def _other_people(poses: Sequence[common_pb2.FramePose]) -> list[gateway_pb2.CaptureWarning]:
    """The other-people warning, when others share the frames checked for them."""
    checked = [pose for pose in poses if pose.HasField("others")]
    if len(checked) < MIN_CHECKED_FRAMES:
        return []
    share = sum(bool(pose.others.boxes) for pose in checked) / len(checked)
    if share < OTHERS_SHARE:
        return []
    return [
        gateway_pb2.CaptureWarning(
            kind=Kind.KIND_OTHER_PEOPLE,
            message=f"Someone else is in view in {share:.0%} of the checked frames: the report "
            "follows one person, the one whose skeleton the annotated video draws. Film where "
            "nobody else shows, or ask others to step out of view.",
        )
    ]


def capture_warnings(
    poses: Sequence[common_pb2.FramePose],
    width: int,
    height: int,
    reps: Sequence[gateway_pb2.Rep] | None = None,
    preferred_view: common_pb2.View.ValueType = common_pb2.VIEW_UNSPECIFIED,
) -> list[gateway_pb2.CaptureWarning]:
    """The warnings for one video's poses in a `width` x `height` frame; `reps` None skips the
    rep check (nothing was scored); `preferred_view` is the exercise's (unspecified: any)."""
    found = [pose for pose in poses if pose.pose.score > 0]
    warnings = _not_seen(poses) + _other_people(poses)
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
        if wrong_view(body_view(keypoints), preferred_view):
            warnings.append(
                gateway_pb2.CaptureWarning(
                    kind=Kind.KIND_WRONG_VIEW, message=_VIEW_FIXES[preferred_view]
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
    if reps:
        hidden = sum(bool(rep.scores.unjudged_cues) for rep in reps)
        if hidden >= HIDDEN_SHARE * len(reps):
            warnings.append(
                gateway_pb2.CaptureWarning(
                    kind=Kind.KIND_JOINTS_HIDDEN,
                    message=f"Joints the form cues read were hidden in {hidden} of {len(reps)} "
                    "reps (behind your body or something in front of you), so those cues were "
                    "not judged there (each rep names the joints): film from where they show, "
                    "with nothing between you and the camera.",
                )
            )
    return warnings
