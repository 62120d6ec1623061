"""Normalisation: poses in torso lengths from the hips, and which points are clean."""

from __future__ import annotations

import numpy as np

from common.skeleton import KEYPOINT_INDEX
from scoring_service.normalise import MIN_CONFIDENCE, OUTLIER_RADIUS, normalise
from tests.scoring_service.poses import squat

HIPS = [KEYPOINT_INDEX["left_hip"], KEYPOINT_INDEX["right_hip"]]
SHOULDERS = [KEYPOINT_INDEX["left_shoulder"], KEYPOINT_INDEX["right_shoulder"]]
NOSE = KEYPOINT_INDEX["nose"]
LEFT_WRIST = KEYPOINT_INDEX["left_wrist"]


def test_the_hip_midpoint_goes_to_the_origin_and_the_torso_is_one_long():
    points = normalise(squat(12)).points
    np.testing.assert_allclose(points[:, HIPS].mean(axis=1), 0.0, atol=1e-6)
    torso = np.linalg.norm(points[:, SHOULDERS].mean(axis=1), axis=1)
    np.testing.assert_allclose(torso, 1.0, rtol=1e-5)


def test_where_the_person_stands_and_how_big_they_appear_do_not_matter():
    keypoints = squat(12)
    moved = keypoints.copy()
    moved[..., :2] = keypoints[..., :2] * 0.4 + np.array([57.0, -31.0], np.float32)
    np.testing.assert_allclose(normalise(moved).points, normalise(keypoints).points, atol=1e-4)


def test_a_point_the_pose_model_is_unsure_of_is_not_clean():
    keypoints = squat(4)
    keypoints[1, LEFT_WRIST, 2] = MIN_CONFIDENCE - 0.01
    keypoints[2, LEFT_WRIST, 2] = MIN_CONFIDENCE
    clean = normalise(keypoints).clean
    assert not clean[1, LEFT_WRIST]
    assert clean[2, LEFT_WRIST]
    assert clean[1].sum() == clean.shape[1] - 1  # the other points of that frame stay clean


def test_a_point_beyond_the_outlier_radius_is_not_clean():
    keypoints = squat(3)
    hips = keypoints[:, HIPS, :2].mean(axis=1)
    torso = np.linalg.norm(keypoints[:, SHOULDERS, :2].mean(axis=1) - hips, axis=1)
    for frame, radius in ((0, OUTLIER_RADIUS + 0.5), (1, OUTLIER_RADIUS - 0.1)):
        keypoints[frame, NOSE, :2] = hips[frame] + [0.0, -radius * torso[frame]]
    normalised = normalise(keypoints)
    assert not normalised.clean[0, NOSE]
    assert normalised.clean[1, NOSE]
    assert normalised.framed.all()  # an outlier costs its point, not the frame


def test_a_frame_without_a_measurable_torso_is_not_framed_and_has_no_points():
    keypoints = squat(4)
    keypoints[1, :, :2] = keypoints[1, 0, :2]  # every point in one place: no scale
    keypoints[2, HIPS, 2] = 0.1  # hips unseen
    normalised = normalise(keypoints)
    assert normalised.framed.tolist() == [True, False, False, True]
    assert np.isnan(normalised.points[[1, 2]]).all()
    assert not normalised.clean[[1, 2]].any()
    assert np.isfinite(normalised.points[[0, 3]]).all()
