"""Keypoint sequences: resampled by time (nearest frames, or interpolated between them),
normalised per window, augmented like real footage."""

from __future__ import annotations

import numpy as np
import pytest

from action_service.sequences import (
    FEATURES,
    WINDOW,
    KeypointSequence,
    augment,
    crop,
    features,
    interpolated,
    resample,
    window_starts,
)
from common.skeleton import KEYPOINT_INDEX, NUM_KEYPOINTS
from tests.scoring_service.poses import jumping_jack, squat


def numbered(frames: int) -> np.ndarray:
    """Poses (F, K, 3) whose x is the frame number, so a resampled pose names its frame."""
    poses = np.ones((frames, NUM_KEYPOINTS, 3), np.float32)
    poses[..., 0] = np.arange(frames)[:, None]
    return poses


def test_resampling_a_30_fps_video_keeps_every_third_frame():
    sequence = KeypointSequence(numbered(30), np.arange(30) / 30.0)
    assert resample(sequence)[:, 0, 0].tolist() == list(range(0, 30, 3))


def test_resampling_takes_the_pose_nearest_in_time_of_uneven_frames():
    times = np.array([0.0, 0.04, 0.26, 0.31, 0.5])
    sequence = KeypointSequence(numbered(5), times)
    # Wanted 0.0, 0.1, ..., 0.5 s: nearest 0.0, 0.04, 0.26 (0.2), 0.31 (0.3), 0.31 (0.4), 0.5.
    assert resample(sequence)[:, 0, 0].tolist() == [0, 1, 2, 3, 3, 4]


def test_resampling_faster_keeps_fewer_frames():
    sequence = KeypointSequence(numbered(61), np.arange(61) / 30.0)  # 2 s
    assert len(resample(sequence)) == 21
    assert len(resample(sequence, speed=2.0)) == 11


def test_a_single_pose_resamples_to_itself():
    sequence = KeypointSequence(numbered(1), np.array([3.0]))
    assert resample(sequence).shape == (1, NUM_KEYPOINTS, 3)


def test_interpolating_a_30_fps_video_keeps_every_third_frame_as_it_is():
    poses = numbered(30)
    assert np.array_equal(interpolated(poses, np.arange(30) / 30.0), poses[::3])


def test_interpolating_unevenly_posed_frames_keeps_a_steady_movement_steady():
    times = np.array([0.0, 0.04, 0.26, 0.31, 0.5])  # frames posed as a loaded live session does
    moving = numbered(5)
    moving[..., 0] = 100.0 * times[:, None]  # 100 pixels a second
    steps = np.diff(interpolated(moving, times)[:, 0, 0])
    assert steps == pytest.approx([10.0] * 5)
    nearest = np.diff(resample(KeypointSequence(moving, times))[:, 0, 0])
    assert nearest.tolist() != pytest.approx([10.0] * 5)


def test_a_point_missing_on_either_side_takes_the_nearer_frames_position():
    poses = numbered(2)
    poses[1, 0] = (50.0, 50.0, 0.0)  # the nose not found in the second frame
    both = interpolated(poses, np.array([0.0, 0.3]))
    assert both[1, 0].tolist() == [0.0, 1.0, 1.0]  # 0.1 s: nearer the first frame
    assert both[2, 0].tolist() == [50.0, 50.0, 0.0]  # 0.2 s: nearer the second
    assert both[1, 1, 0] == pytest.approx(1 / 3)


def test_frames_at_the_same_instant_interpolate_without_dividing_by_zero():
    poses = interpolated(numbered(3), np.array([0.0, 0.0, 0.2]))
    assert np.isfinite(poses).all()
    assert poses[:, 0, 0].tolist() == pytest.approx([1.0, 1.5, 2.0])


@pytest.mark.parametrize(
    ("keypoints", "timestamps", "message"),
    [
        (np.zeros((0, 17, 3), np.float32), np.zeros(0), "at least one pose"),
        (np.zeros((3, 16, 3), np.float32), np.zeros(3), r"\(F, 17, 3\)"),
        (np.zeros((3, 17, 3), np.float32), np.zeros(2), "2 timestamps for 3 poses"),
        (np.zeros((3, 17, 3), np.float32), np.array([0.0, 0.2, 0.1]), "must not decrease"),
    ],
    ids=["empty", "16-keypoints", "timestamp-count", "decreasing"],
)
def test_a_malformed_sequence_is_refused(keypoints, timestamps, message):
    with pytest.raises(ValueError, match=message):
        KeypointSequence(keypoints, timestamps)


def test_windows_spread_over_a_long_sequence_and_a_short_one_has_one():
    assert window_starts(30) == [0]
    starts = window_starts(200)
    assert starts[0] == 0
    assert starts[-1] == 200 - WINDOW
    assert len(starts) == 5
    assert len(crop(numbered(30), 0)) == WINDOW  # looped


def test_features_have_one_row_per_feature_and_one_column_per_frame():
    window = squat(WINDOW)
    assert features(window).shape == (FEATURES, WINDOW)
    assert features(window).dtype == np.float32


def test_features_do_not_depend_on_where_the_person_stands_or_how_big_they_appear():
    near = jumping_jack(WINDOW, offset=(320.0, 420.0), scale=1.0)
    far = jumping_jack(WINDOW, offset=(130.0, 250.0), scale=0.4)
    np.testing.assert_allclose(features(far), features(near), atol=1e-4)


def test_the_movement_of_the_hips_stays_in_the_features():
    # Normalising per window, not per frame, keeps a squat's sinking hips.
    rows = features(squat(WINDOW)).reshape(NUM_KEYPOINTS, 5, WINDOW)
    hip_y = rows[KEYPOINT_INDEX["left_hip"], 1]
    assert np.ptp(hip_y) > 0.3


def test_points_not_found_are_zeros_with_confidence_zero():
    window = squat(WINDOW)
    window[:, KEYPOINT_INDEX["left_wrist"]] = 0.0
    rows = features(window).reshape(NUM_KEYPOINTS, 5, WINDOW)
    assert not rows[KEYPOINT_INDEX["left_wrist"]].any()
    assert rows[KEYPOINT_INDEX["right_wrist"], 2].min() == 1.0


def test_a_window_without_anybody_gives_zero_features():
    assert not features(np.zeros((WINDOW, NUM_KEYPOINTS, 3), np.float32)).any()


def test_augmenting_keeps_the_shape_and_confidences_in_range():
    window = jumping_jack(WINDOW)
    for seed in range(5):
        changed = augment(window, np.random.default_rng(seed))
        assert changed.shape == window.shape
        assert changed.dtype == window.dtype
        assert changed[..., 2].min() >= 0.0
        assert changed[..., 2].max() <= 1.0
        assert features(changed).shape == (FEATURES, WINDOW)
    assert not np.array_equal(augment(window, np.random.default_rng(0)), window)


def test_mirroring_swaps_left_and_right():
    # Only the left arm is raised out to the side, so it lies far on the image's right (+x).
    window = squat(WINDOW)
    left, right = KEYPOINT_INDEX["left_wrist"], KEYPOINT_INDEX["right_wrist"]
    hips = window[:, [KEYPOINT_INDEX["left_hip"], KEYPOINT_INDEX["right_hip"]], :2].mean(axis=1)
    window[:, left, :2] = hips + np.array([300.0, -100.0])
    window[:, right, :2] = hips + np.array([-20.0, -100.0])
    raised = set()
    for seed in range(20):
        changed = augment(window, np.random.default_rng(seed))
        found = (changed[:, left, 2] > 0) & (changed[:, right, 2] > 0)
        reach = np.abs(changed[found][:, [left, right], 0]).mean(axis=0)
        # The far arm is the left one as filmed, the right one once mirrored; it swaps sides
        # with its label, so a performer's left stays on the image's right either way.
        far = left if reach[0] > reach[1] else right
        raised.add(far)
        assert np.all(np.sign(changed[found][:, far, 0]) == (1 if far == left else -1))
    assert raised == {left, right}
