"""Capture checks: a person not seen, feet or head out of the frame, a person too small, no full
rep, a view the exercise cannot be judged from, other people in view, joints hidden in most
reps; a well filmed video gets no warning."""

from __future__ import annotations

import numpy as np

from common.fitness.v1 import common_pb2, gateway_pb2
from common.skeleton import KEYPOINT_INDEX
from gateway.capture import body_view, capture_warnings

WIDTH, HEIGHT = 640, 480
Kind = gateway_pb2.CaptureWarning.Kind
ONE_REP = [gateway_pb2.Rep(start_frame_index=0, turn_frame_index=5, end_frame_index=9)]


def person(frames: int = 10, tall: float = 0.7) -> np.ndarray:
    """A standing person `tall` of the frame's height, centred, every point seen: (F, 17, 3)."""
    y = np.array([0, -0.02, -0.02, 0, 0, 0.15, 0.15, 0.35, 0.35, 0.5, 0.5, 0.55, 0.55, 0.78,
                  0.78, 1.0, 1.0])  # fmt: skip
    x = np.array([0, -1, 1, -2, 2, -4, 4, -5, 5, -5, 5, -2, 2, -2, 2, -2, 2.0]) * 0.04
    top = (1 - tall) / 2 * HEIGHT
    pose = np.stack([WIDTH / 2 + x * tall * HEIGHT, top + y * tall * HEIGHT, np.full(17, 0.9)], 1)
    return np.repeat(pose[None], frames, axis=0)


def as_poses(keypoints: np.ndarray) -> list[common_pb2.FramePose]:
    poses = []
    for index, points in enumerate(keypoints):
        seen = points[points[:, 2] > 0]
        low, high = seen[:, :2].min(0), seen[:, :2].max(0)
        box = common_pb2.Box(x=low[0], y=low[1], width=high[0] - low[0], height=high[1] - low[1])
        pose = common_pb2.Pose(
            keypoints=[common_pb2.Keypoint(x=x, y=y, score=s) for x, y, s in points],
            box=box,
            score=0.9,
        )
        poses.append(common_pb2.FramePose(frame_index=index, pose=pose))
    return poses


def kinds(warnings: list[gateway_pb2.CaptureWarning]) -> list[int]:
    return [warning.kind for warning in warnings]


def test_a_well_filmed_set_gets_no_warning():
    assert capture_warnings(as_poses(person()), WIDTH, HEIGHT, ONE_REP) == []


def test_feet_out_of_the_frame_are_warned_with_a_fix():
    keypoints = person()
    ankles = [KEYPOINT_INDEX["left_ankle"], KEYPOINT_INDEX["right_ankle"]]
    keypoints[:7, ankles, 2] = 0.05  # not found in 7 of 10 frames
    [warning] = capture_warnings(as_poses(keypoints), WIDTH, HEIGHT, ONE_REP)
    assert warning.kind == Kind.KIND_BODY_CUT_OFF
    assert warning.message.startswith("Your feet are out of the frame in 70%")
    assert "step back" in warning.message


def test_a_head_on_the_frame_s_edge_is_cut_off():
    keypoints = person()
    keypoints[:, [0, 1, 2], 1] = 0.0  # at the top edge
    [warning] = capture_warnings(as_poses(keypoints), WIDTH, HEIGHT, ONE_REP)
    assert warning.message.startswith("Your head is out of the frame")


def test_a_person_under_a_fifth_of_the_frame_is_too_small():
    [warning] = capture_warnings(as_poses(person(tall=0.15)), WIDTH, HEIGHT, ONE_REP)
    assert warning.kind == Kind.KIND_PERSON_TOO_SMALL
    assert "15%" in warning.message


def test_no_full_rep_is_warned_only_when_reps_were_looked_for():
    poses = as_poses(person())
    assert kinds(capture_warnings(poses, WIDTH, HEIGHT, [])) == [Kind.KIND_NO_FULL_REP]
    assert capture_warnings(poses, WIDTH, HEIGHT, None) == []
    assert capture_warnings([], WIDTH, HEIGHT, None) == []


def turned(keypoints: np.ndarray, width_share: float) -> np.ndarray:
    """The person turned so that their shoulders and hips look `width_share` as wide."""
    turned = keypoints.copy()
    turned[..., 0] = WIDTH / 2 + (turned[..., 0] - WIDTH / 2) * width_share
    return turned


def test_a_view_the_exercise_cannot_be_judged_from_is_warned_with_where_to_stand():
    front, side = person(), turned(person(), 0.2)
    [from_front] = capture_warnings(as_poses(front), WIDTH, HEIGHT, ONE_REP, common_pb2.VIEW_SIDE)
    assert from_front.kind == Kind.KIND_WRONG_VIEW
    assert "at your side" in from_front.message
    [from_side] = capture_warnings(
        as_poses(side), WIDTH, HEIGHT, ONE_REP, common_pb2.VIEW_FRONT_OR_BACK
    )
    assert from_side.kind == Kind.KIND_WRONG_VIEW
    assert "Face the camera" in from_side.message


def test_the_right_view_an_unclear_one_or_no_preference_gets_no_view_warning():
    front, side, diagonal = person(), turned(person(), 0.2), turned(person(), 0.5)
    for keypoints, view in (
        (side, common_pb2.VIEW_SIDE),
        (front, common_pb2.VIEW_FRONT_OR_BACK),
        (diagonal, common_pb2.VIEW_SIDE),
        (diagonal, common_pb2.VIEW_FRONT_OR_BACK),
        (front, common_pb2.VIEW_UNSPECIFIED),
    ):
        assert capture_warnings(as_poses(keypoints), WIDTH, HEIGHT, ONE_REP, view) == []


def test_too_few_frames_showing_the_torso_say_nothing_about_the_view():
    keypoints = person()
    keypoints[:7, KEYPOINT_INDEX["left_hip"], 2] = 0.05
    assert body_view(keypoints) == common_pb2.VIEW_UNSPECIFIED
    assert body_view(person()) == common_pb2.VIEW_FRONT_OR_BACK


def with_others(poses: list[common_pb2.FramePose], crowded: list[int], checked: list[int]):
    """The poses with `checked` frames checked for other people, someone else in `crowded`."""
    bystander = common_pb2.Box(x=20, y=40, width=60, height=200)
    for index in checked:
        poses[index].others.SetInParent()
        if index in crowded:
            poses[index].others.boxes.append(bystander)
    return poses


def test_someone_else_in_view_on_a_third_of_the_checked_frames_is_warned_with_a_fix():
    poses = with_others(as_poses(person(30)), crowded=[0, 10], checked=[0, 5, 10, 15, 20, 25])
    [warning] = capture_warnings(poses, WIDTH, HEIGHT, ONE_REP)
    assert warning.kind == Kind.KIND_OTHER_PEOPLE
    assert warning.message.startswith("Someone else is in view in 33% of the checked frames")
    assert "step out of view" in warning.message


def test_others_on_few_checked_frames_or_too_few_frames_checked_say_nothing():
    rarely = with_others(as_poses(person(30)), crowded=[0], checked=[0, 5, 10, 15, 20, 25])
    assert capture_warnings(rarely, WIDTH, HEIGHT, ONE_REP) == []
    once = with_others(as_poses(person(30)), crowded=[0], checked=[0])
    assert capture_warnings(once, WIDTH, HEIGHT, ONE_REP) == []


def test_cues_withheld_on_hidden_joints_in_half_the_reps_are_warned_with_a_fix():
    poses = as_poses(person())
    reps = [gateway_pb2.Rep(start_frame_index=i, turn_frame_index=i + 1, end_frame_index=i + 2)
            for i in range(0, 8, 2)]  # fmt: skip
    hidden = "rep {}: short step not judged: the left ankle was not seen clearly"
    reps[1].scores.unjudged_cues.append(hidden.format(2))
    assert capture_warnings(poses, WIDTH, HEIGHT, reps) == []  # one rep of four
    reps[3].scores.unjudged_cues.append(hidden.format(4))
    [warning] = capture_warnings(poses, WIDTH, HEIGHT, reps)
    assert warning.kind == Kind.KIND_JOINTS_HIDDEN
    assert warning.message.startswith("Joints the form cues read were hidden in 2 of 4 reps")
    assert "nothing between you and the camera" in warning.message


def unseen_in(poses: list[common_pb2.FramePose], frames: int) -> list[common_pb2.FramePose]:
    """The poses with the first `frames` the pose model's unconfident guesses (the person
    hidden): keypoint scores 0.08, none counted towards the pose's score."""
    for pose in poses[:frames]:
        pose.pose.score = 0.0
        for keypoint in pose.pose.keypoints:
            keypoint.score = 0.08
    return poses


def test_a_person_not_seen_clearly_in_half_the_frames_is_warned_with_a_fix():
    [warning] = capture_warnings(unseen_in(as_poses(person()), 6), WIDTH, HEIGHT, ONE_REP)
    assert warning.kind == Kind.KIND_PERSON_NOT_SEEN
    assert warning.message.startswith("You were not seen clearly in 60% of the analysed frames")
    assert "nothing between you and it" in warning.message


def test_a_person_never_seen_gets_that_warning_alone_when_nothing_was_scored():
    warnings = capture_warnings(unseen_in(as_poses(person()), 10), WIDTH, HEIGHT, None)
    assert kinds(warnings) == [Kind.KIND_PERSON_NOT_SEEN]
    assert warnings[0].message.startswith("You were not seen clearly in 100%")


def test_a_person_seen_in_most_frames_or_seen_with_middling_scores_is_not_warned_about():
    assert capture_warnings(unseen_in(as_poses(person()), 4), WIDTH, HEIGHT, ONE_REP) == []
    keypoints = person()
    keypoints[:, :, 2] = 0.35  # a hard view: every joint made out, none surely
    assert capture_warnings(as_poses(keypoints), WIDTH, HEIGHT, ONE_REP) == []
