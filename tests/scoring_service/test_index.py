"""Index directories: built, saved with a manifest, loaded exercise by exercise, reloaded."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from common.skeleton import KEYPOINT_INDEX
from scoring_service.catalogue import ExerciseDefinition, load_catalogue
from scoring_service.index import (
    MANIFEST,
    IndexStore,
    build_exercise_index,
    build_index_dir,
    load_index_dir,
)
from scoring_service.keypoint_dataset import VideoKeypoints
from scoring_service.scorers import score_performance
from tests.models import REP_SEGMENTER
from tests.scoring_service.poses import jumping_jack, reference_videos, squat

SQUAT_JOINTS = ["left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]
JACK_JOINTS = ["left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_ankle"]


def write_catalogue(path: Path, squat_joints: list[str] = SQUAT_JOINTS) -> Path:
    path.write_text(
        json.dumps(
            {
                "BodyWeightSquats": {"display_name": "Squats", "major_joints": squat_joints},
                "JumpingJack": {"display_name": "Jumping jacks", "major_joints": JACK_JOINTS},
            }
        )
    )
    return path


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory) -> dict[str, ExerciseDefinition]:
    return load_catalogue(write_catalogue(tmp_path_factory.mktemp("catalogue") / "ex.json"))


@pytest.fixture(scope="module")
def videos() -> list[VideoKeypoints]:
    return reference_videos("BodyWeightSquats", squat, count=3, frames=24) + reference_videos(
        "JumpingJack", jumping_jack, count=3, frames=24
    )


@pytest.fixture
def built(tmp_path, catalogue, videos) -> Path:
    folder = tmp_path / "index"
    build_index_dir(videos, catalogue, folder, source="poses.py", rep_segmenter=REP_SEGMENTER)
    return folder


def test_a_saved_index_scores_exactly_as_the_one_built_in_memory(
    built, catalogue, videos, rep_counter
):
    loaded = load_index_dir(built, catalogue)
    assert loaded.unavailable == {}
    performance = squat(12, depth=0.9, seed=50)
    for exercise_id, exercise in catalogue.items():
        own = [video for video in videos if video.exercise == exercise_id]
        in_memory = build_exercise_index(exercise, own, rep_counter)
        for name in ("paper", "pose"):
            expected = score_performance(in_memory.scorers[name], performance)
            actual = score_performance(loaded.indexes[exercise_id].scorers[name], performance)
            np.testing.assert_array_equal(actual.frame_scores, expected.frame_scores)
            assert actual.overall == expected.overall


def test_the_manifest_lists_joints_cluster_counts_and_file_checksums(built):
    manifest = json.loads((built / MANIFEST).read_text())
    assert manifest["version"] == 1
    assert manifest["source"] == "poses.py"
    entry = manifest["exercises"]["BodyWeightSquats"]
    assert entry["joints"] == SQUAT_JOINTS
    assert sorted(entry["clusters"]) == sorted(SQUAT_JOINTS)
    assert all(count >= 1 for count in entry["clusters"].values())
    assert (entry["reference_videos"], entry["reference_frames"]) == (3, 3 * 24)
    assert entry["reference_reps"] == 3  # one squat a video
    assert sorted(entry["files"]) == [
        "BodyWeightSquats.centroids.faiss",
        "BodyWeightSquats.json",
        "BodyWeightSquats.poses.faiss",
        "BodyWeightSquats.reps.npy",
    ]
    for name, checksum in entry["files"].items():
        assert hashlib.sha256((built / name).read_bytes()).hexdigest() == checksum


def test_a_corrupt_faiss_file_makes_only_its_exercise_unavailable(built, catalogue):
    path = built / "JumpingJack.poses.faiss"
    with path.open("r+b") as handle:
        handle.seek(path.stat().st_size // 2)
        handle.write(b"\xff" * 16)
    loaded = load_index_dir(built, catalogue)
    assert sorted(loaded.indexes) == ["BodyWeightSquats"]
    assert sorted(loaded.unavailable) == ["JumpingJack"]
    assert "JumpingJack.poses.faiss" in loaded.unavailable["JumpingJack"]
    assert "checksum" in loaded.unavailable["JumpingJack"]


def test_a_missing_faiss_file_makes_its_exercise_unavailable(built, catalogue):
    (built / "BodyWeightSquats.centroids.faiss").unlink()
    loaded = load_index_dir(built, catalogue)
    assert sorted(loaded.indexes) == ["JumpingJack"]
    assert "BodyWeightSquats" in loaded.unavailable["BodyWeightSquats"]


def test_without_a_manifest_every_catalogued_exercise_is_unavailable(built, catalogue):
    (built / MANIFEST).unlink()
    loaded = load_index_dir(built, catalogue)
    assert loaded.indexes == {}
    assert sorted(loaded.unavailable) == sorted(catalogue)
    assert all(MANIFEST in reason for reason in loaded.unavailable.values())


def test_an_index_whose_joints_differ_from_the_catalogue_must_be_rebuilt(built, tmp_path):
    changed = load_catalogue(write_catalogue(tmp_path / "changed.json", SQUAT_JOINTS[:4]))
    loaded = load_index_dir(built, changed)
    assert sorted(loaded.indexes) == ["JumpingJack"]
    assert "rebuild" in loaded.unavailable["BodyWeightSquats"]


def test_a_catalogued_exercise_without_reference_videos_gets_no_index(tmp_path, catalogue, videos):
    squats = [video for video in videos if video.exercise == "BodyWeightSquats"]
    build_index_dir(squats, catalogue, tmp_path, source="poses.py", rep_segmenter=REP_SEGMENTER)
    loaded = load_index_dir(tmp_path, catalogue)
    assert sorted(loaded.indexes) == ["BodyWeightSquats"]
    assert loaded.unavailable["JumpingJack"].startswith("no index built for JumpingJack")


def test_an_exercise_whose_major_joint_is_never_clearly_seen_is_skipped_with_its_reason(
    tmp_path, catalogue, videos
):
    unseen_ankle = []
    for video in videos:
        keypoints = video.keypoints.copy()
        if video.exercise == "JumpingJack":
            keypoints[:, KEYPOINT_INDEX["left_ankle"], 2] = 0.0
        unseen_ankle.append(replace(video, keypoints=keypoints))
    _, failed = build_index_dir(
        unseen_ankle, catalogue, tmp_path, source="poses.py", rep_segmenter=REP_SEGMENTER
    )
    assert failed == {
        "JumpingJack": "JumpingJack: the left ankle is clearly seen in 0 reference frames; "
        "at least 2 are needed"
    }
    assert sorted(load_index_dir(tmp_path, catalogue).indexes) == ["BodyWeightSquats"]


def test_building_without_any_catalogued_exercise_s_videos_is_refused(tmp_path, catalogue):
    others = reference_videos("PushUps", squat, count=1, frames=4)
    with pytest.raises(ValueError, match="no reference video"):
        build_index_dir(
            others, catalogue, tmp_path / "index", source="poses.py", rep_segmenter=REP_SEGMENTER
        )
    assert not (tmp_path / "index" / MANIFEST).exists()


def test_the_store_reloads_only_when_a_new_index_is_written(tmp_path, catalogue, videos):
    folder = tmp_path / "index"
    store = IndexStore(folder, catalogue)
    assert store.current.indexes == {}
    assert store.refresh() is False  # still nothing there

    squats = [video for video in videos if video.exercise == "BodyWeightSquats"]
    build_index_dir(squats, catalogue, folder, source="poses.py", rep_segmenter=REP_SEGMENTER)
    assert store.refresh() is True
    assert sorted(store.current.indexes) == ["BodyWeightSquats"]
    assert store.refresh() is False

    build_index_dir(videos, catalogue, folder, source="poses.py", rep_segmenter=REP_SEGMENTER)
    assert store.refresh() is True
    assert sorted(store.current.indexes) == ["BodyWeightSquats", "JumpingJack"]
    assert store.current.unavailable == {}
