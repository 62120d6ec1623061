"""The keypoint dataset: the paper's CSV format with videos.json beside it, and the gym's exact
keypoints in place of the pose model's."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from common.skeleton import KEYPOINT_INDEX, KEYPOINT_NAMES, NUM_KEYPOINTS
from scoring_service.keypoint_dataset import (
    COLUMNS,
    VIDEOS_FILE,
    VideoKeypoints,
    labels_keypoints,
    read_keypoint_dataset,
    write_keypoint_dataset,
)
from scoring_service.normalise import normalise
from tests.scoring_service.poses import jumping_jack, reference_videos, squat


@pytest.fixture
def videos() -> list[VideoKeypoints]:
    squats = reference_videos("BodyWeightSquats", squat, count=2, frames=5)
    squats[1].faults = {"shallow_depth": 0.6, "forward_lean": 0.0}
    squats[1].keypoints[2, KEYPOINT_INDEX["left_hip"], 2] = 0.1  # hips unseen in one frame
    jacks = reference_videos("JumpingJack", jumping_jack, count=1, frames=4, first_seed=7)
    return squats + jacks


def test_a_written_dataset_reads_back_video_by_video(tmp_path, videos):
    write_keypoint_dataset(videos, tmp_path)
    read = read_keypoint_dataset(tmp_path)
    assert [video.video for video in read] == [video.video for video in videos]
    for before, after in zip(videos, read, strict=True):
        assert after.exercise == before.exercise
        np.testing.assert_array_equal(after.frames, before.frames)
        np.testing.assert_allclose(after.keypoints[..., :2], before.keypoints[..., :2], atol=0.005)
        np.testing.assert_allclose(after.keypoints[..., 2], before.keypoints[..., 2], atol=5e-5)
        assert (after.width, after.height, after.fps) == (before.width, before.height, before.fps)
        assert after.faults == before.faults


def test_each_exercise_gets_a_csv_with_a_row_per_video_frame_and_joint(tmp_path, videos):
    write_keypoint_dataset(videos, tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "BodyWeightSquats.csv",
        "JumpingJack.csv",
        VIDEOS_FILE,
    ]
    with (tmp_path / "BodyWeightSquats.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert (
        tuple(rows[0]) == COLUMNS == ("video", "frame", "joint", "x", "y", "confidence", "nx", "ny")
    )
    assert len(rows) == 1 + 2 * 5 * NUM_KEYPOINTS
    assert [row[2] for row in rows[1 : 1 + NUM_KEYPOINTS]] == list(KEYPOINT_NAMES)
    first = rows[1 + KEYPOINT_INDEX["left_knee"]]
    expected = normalise(videos[0].keypoints).points[0, KEYPOINT_INDEX["left_knee"]]
    assert (first[0], first[1]) == (videos[0].video, "0")
    np.testing.assert_allclose([float(first[6]), float(first[7])], expected, atol=1e-4)


def test_a_frame_without_a_torso_has_empty_normalised_coordinates(tmp_path, videos):
    write_keypoint_dataset(videos, tmp_path)
    with (tmp_path / "BodyWeightSquats.csv").open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["video"] == videos[1].video]
    frame = str(videos[1].frames[2])
    assert {(row["nx"], row["ny"]) for row in rows if row["frame"] == frame} == {("", "")}
    assert all(row["nx"] and row["ny"] for row in rows if row["frame"] != frame)


def test_fault_labels_survive_in_videos_json_and_say_whether_a_performance_is_clean(
    tmp_path, videos
):
    write_keypoint_dataset(videos, tmp_path)
    facts = json.loads((tmp_path / VIDEOS_FILE).read_text())
    assert facts[videos[1].video]["faults"] == {"shallow_depth": 0.6, "forward_lean": 0.0}
    assert [video.clean for video in read_keypoint_dataset(tmp_path)] == [True, False, True]
    assert VideoKeypoints("v", "e", np.zeros(0), np.zeros((0, 17, 3)), faults={"x": 0.0}).clean


def test_a_folder_without_videos_json_is_not_a_keypoint_dataset(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a keypoint dataset"):
        read_keypoint_dataset(tmp_path)


@pytest.mark.parametrize("sample_fps", [10.0, 30.0])
def test_the_gym_s_labels_give_exact_keypoints_at_the_sampled_frames(tiny_ucf, sample_fps):
    path = tiny_ucf / "BodyWeightSquats" / "v_BodyWeightSquats_g02_c01.mp4"
    labels = json.loads(path.with_suffix(".json").read_text())
    video = labels_keypoints(path, "BodyWeightSquats/v_BodyWeightSquats_g02_c01.mp4", sample_fps)
    step = round(labels["fps"] / sample_fps)
    assert video.frames.tolist() == list(range(0, labels["frame_count"], step))
    assert video.keypoints.shape == (math.ceil(labels["frame_count"] / step), NUM_KEYPOINTS, 3)
    assert set(np.unique(video.keypoints[..., 2])) <= {0.0, 0.5, 1.0}
    assert (video.keypoints[..., 2] == 1.0).any()
    first = np.array(labels["frames"][0]["keypoints"], np.float32)  # x, y, COCO visibility
    np.testing.assert_array_equal(video.keypoints[0, :, :2], first[:, :2])
    visibility_confidence = {0: 0.0, 1: 0.5, 2: 1.0}
    assert video.keypoints[0, :, 2].tolist() == [visibility_confidence[v] for v in first[:, 2]]
    assert (video.exercise, video.width, video.height) == (
        "BodyWeightSquats",
        labels["width"],
        labels["height"],
    )
    assert video.faults == labels["faults"]
