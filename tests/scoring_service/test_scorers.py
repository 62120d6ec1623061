"""Both scorers, built from stick-figure squats: the right exercise scores high, scores are
running means in [0, 100], frames without a torso are skipped."""

from __future__ import annotations

import numpy as np
import pytest

from common.skeleton import KEYPOINT_INDEX
from scoring_service.catalogue import ExerciseDefinition
from scoring_service.index import ExerciseIndex, build_exercise_index
from scoring_service.scorers import score_performance
from tests.scoring_service.poses import jumping_jack, mirror, reference_videos, squat

SQUATS = ExerciseDefinition(
    "BodyWeightSquats",
    "Bodyweight squats",
    tuple(
        KEYPOINT_INDEX[name]
        for name in (
            "left_shoulder",
            "right_shoulder",
            "left_hip",
            "right_hip",
            "left_knee",
            "right_knee",
            "left_ankle",
            "right_ankle",
        )
    ),
)
HIPS = [KEYPOINT_INDEX["left_hip"], KEYPOINT_INDEX["right_hip"]]
SHOULDERS = [KEYPOINT_INDEX["left_shoulder"], KEYPOINT_INDEX["right_shoulder"]]
SCORERS = ["paper", "pose"]


@pytest.fixture(scope="module")
def index(rep_counter) -> ExerciseIndex:
    return build_exercise_index(SQUATS, reference_videos(SQUATS.id, squat, count=4), rep_counter)


def held_out_squat(frames: int = 24) -> np.ndarray:
    return squat(frames, depth=0.95, offset=(330.0, 430.0), scale=0.85, seed=99)


@pytest.mark.parametrize("scorer", SCORERS)
def test_a_held_out_squat_outscores_a_jumping_jack(index, scorer):
    squat_score = score_performance(index.scorers[scorer], held_out_squat()).overall
    jack = jumping_jack(24, offset=(320.0, 430.0), scale=0.85, seed=98)
    jack_score = score_performance(index.scorers[scorer], jack).overall
    assert squat_score > 60  # the paper's valid level
    assert squat_score > jack_score + 30


def test_a_mirrored_squat_scores_as_high_as_the_original_with_the_pose_scorer(index):
    performance = held_out_squat()
    original = score_performance(index.scorers["pose"], performance).overall
    mirrored = score_performance(index.scorers["pose"], mirror(performance)).overall
    assert mirrored == pytest.approx(original, abs=1.0)
    # The paper's centroids know only the way the references faced.
    assert score_performance(index.scorers["paper"], mirror(performance)).overall < mirrored - 20


@pytest.mark.parametrize("scorer", SCORERS)
def test_running_scores_are_the_mean_of_the_frame_scores_so_far(index, scorer):
    result = score_performance(index.scorers[scorer], held_out_squat())
    frames = np.arange(1, len(result.frame_scores) + 1)[:, None]
    np.testing.assert_allclose(result.running, np.cumsum(result.frame_scores, axis=0) / frames)
    np.testing.assert_array_equal(result.joint_scores, result.running[-1])
    assert result.overall == pytest.approx(result.joint_scores.mean())
    assert result.frame_scores.shape == (24, len(SQUATS.major_joints))


@pytest.mark.parametrize("scorer", SCORERS)
def test_scores_lie_between_0_and_100_even_far_from_any_reference(index, scorer):
    for performance in (held_out_squat(), jumping_jack(24, seed=3), mirror(held_out_squat())):
        result = score_performance(index.scorers[scorer], performance)
        assert ((result.frame_scores >= 0) & (result.frame_scores <= 100)).all()
        assert 0 <= result.overall <= 100
    assert score_performance(index.scorers[scorer], held_out_squat()).frame_scores.max() == 100


@pytest.mark.parametrize("scorer", SCORERS)
def test_frames_whose_torso_cannot_be_measured_are_skipped(index, scorer):
    performance = held_out_squat(8)
    for frame in (2, 5):  # every point in one place: nothing to scale by
        performance[frame, :, :2] = performance[frame, 0, :2]
    result = score_performance(index.scorers[scorer], performance)
    assert result.frames.tolist() == [0, 1, 3, 4, 6, 7]
    assert len(result.frame_scores) == len(result.running) == 6


def test_a_frame_whose_hips_the_pose_model_did_not_find_is_skipped(index):
    # A keypoint the frame cannot show comes clamped to the border with score 0 ("not
    # found", common.proto); a torso measured from it is no torso (normalise.py's
    # "hips or shoulders unseen").
    performance = held_out_squat(6)
    performance[3, HIPS] = (639.0, 479.0, 0.0)
    result = score_performance(index.scorers["pose"], performance)
    assert result.frames.tolist() == [0, 1, 2, 4, 5]


def test_a_performance_with_no_measurable_frame_scores_0_with_no_frames(index):
    performance = held_out_squat(3)
    performance[:, SHOULDERS, 2] = 0.0
    result = score_performance(index.scorers["paper"], performance)
    assert (len(result.frames), result.overall) == (0, 0.0)
    assert result.joint_scores.shape == (len(SQUATS.major_joints),)


def test_a_pose_scorer_built_from_one_reference_video_still_scores_a_close_squat_well(
    rep_counter,
):
    # With one video there is no other video to calibrate against (leave one video out).
    single = build_exercise_index(SQUATS, reference_videos(SQUATS.id, squat, count=1), rep_counter)
    assert score_performance(single.scorers["paper"], held_out_squat()).overall > 60
    assert score_performance(single.scorers["pose"], held_out_squat()).overall > 50
