"""The view scorer: 3D references filmed again from the performance's own view."""

from __future__ import annotations

import json

import numpy as np
import pytest

from common.skeleton import KEYPOINT_INDEX
from scoring_service.catalogue import load_catalogue
from scoring_service.cues import CueRule
from scoring_service.index import add_view_scorers, build_index_dir, load_index_dir
from scoring_service.normalise import normalise
from scoring_service.rep_scores import RepReferences
from scoring_service.reps import RepCounter
from scoring_service.scorers import PoseNeighbourScorer, score_performance
from scoring_service.views import VIEWS, ViewScorer, film
from scoring_service.world_poses import (
    WorldPoses,
    gym_world_poses,
    read_world_poses,
    write_world_poses,
)
from synth.dataset import plan_videos
from tests.models import REP_SEGMENTER
from tests.scoring_service.figures3d import arm_raises, photographed, squat
from tests.scoring_service.poses import reference_videos
from tests.scoring_service.poses import squat as squat_2d

JOINTS = tuple(
    KEYPOINT_INDEX[name]
    for name in ("left_shoulder", "left_elbow", "left_hip", "left_knee", "left_ankle", "right_knee")
)
AZIMUTHS = (0.0, 45.0, 90.0, 135.0)


def references() -> list[np.ndarray]:
    """Six performers' squats in 3D, of varied depth, size and pace, with 1.5 cm of jitter."""
    rng = np.random.default_rng(0)
    builds = [(0.85, 0.9), (1.0, 1.0), (0.95, 1.1), (1.05, 0.95), (0.9, 1.05), (1.0, 0.92)]
    return [
        squat(40 + 4 * n, depth=depth, scale=scale) + rng.normal(0, 0.015, (40 + 4 * n, 17, 3))
        for n, (depth, scale) in enumerate(builds)
    ]


@pytest.fixture(scope="module")
def scorer() -> ViewScorer:
    return ViewScorer.build(JOINTS, references(), noise=[0.01] * 17)  # the 1 pixel of jitter


def test_filming_from_the_front_shows_the_performer_s_left_on_the_right_and_the_head_on_top():
    standing = squat(4, depth=0.0)
    front = film(standing, azimuth=0, elevation=0)[0]
    left, right = front[KEYPOINT_INDEX["left_hip"]], front[KEYPOINT_INDEX["right_hip"]]
    assert left[0] > right[0]
    assert front[KEYPOINT_INDEX["nose"], 1] < front[KEYPOINT_INDEX["left_hip"], 1]
    side = film(standing, azimuth=90, elevation=0)[0]  # from their left: they face our left
    assert side[KEYPOINT_INDEX["nose"], 0] < side[KEYPOINT_INDEX["left_ear"], 0]
    assert np.all(front[:, 2] == 1.0)


@pytest.mark.parametrize("azimuth", [30.0, 60.0, 120.0, 300.0])
def test_the_matched_view_is_the_one_the_performance_was_filmed_from(scorer, azimuth):
    keypoints = photographed(squat(36, depth=0.95, scale=1.02), azimuth, elevation=15, noise=1.0)
    view = scorer.match_view(normalise(keypoints, min_confidence=0.0).points)
    matched_azimuth, matched_elevation = VIEWS[view]
    mirror_folded = min(azimuth % 360, 360 - azimuth % 360)  # 300 is the mirror image of 60
    assert abs(matched_azimuth - mirror_folded) <= 15
    assert matched_elevation <= 30


def test_a_squat_scores_alike_from_every_side_where_a_2d_scorer_scores_only_its_own(scorer):
    performance = squat(36, depth=0.95, scale=1.02)
    filmed = {a: photographed(performance, a, noise=1.0) for a in AZIMUTHS}
    by_view = {a: score_performance(scorer, k).overall for a, k in filmed.items()}
    assert min(by_view.values()) > 55
    side_only = PoseNeighbourScorer.build(
        JOINTS, [normalise(photographed(video, 90.0)) for video in references()]
    )
    in_2d = {a: score_performance(side_only, k).overall for a, k in filmed.items()}
    assert in_2d[90.0] > 45
    assert in_2d[0.0] < 20
    spread = max(by_view.values()) - min(by_view.values())
    assert spread < max(in_2d.values()) - min(in_2d.values())


@pytest.mark.parametrize("azimuth", AZIMUTHS)
def test_another_movement_scores_far_below_the_exercise_from_every_side(scorer, azimuth):
    valid = score_performance(scorer, photographed(squat(36), azimuth, noise=1.0)).overall
    other = score_performance(scorer, photographed(arm_raises(36), azimuth, noise=1.0)).overall
    assert other < valid - 40


def test_a_saved_scorer_loads_and_scores_the_same(scorer, tmp_path):
    files, facts = scorer.save(tmp_path / "BodyWeightSquats")
    assert [path.name for path in files] == ["BodyWeightSquats.views.npy"]
    facts = json.loads(json.dumps(facts))
    loaded = ViewScorer.load(tmp_path / "BodyWeightSquats", JOINTS, facts)
    keypoints = photographed(squat(30), 70.0, noise=1.0)
    np.testing.assert_allclose(
        score_performance(loaded, keypoints).frame_scores,
        score_performance(scorer, keypoints).frame_scores,
    )
    with pytest.raises(ValueError, match="views or cameras differ"):
        ViewScorer.load(tmp_path / "BodyWeightSquats", JOINTS, {**facts, "views": [[0, 0]]})


def test_3d_reference_poses_are_written_and_read_back(tmp_path):
    videos = [
        WorldPoses("BodyWeightSquats/a.mp4", "BodyWeightSquats", squat(12).astype(np.float32)),
        WorldPoses("BodyWeightSquats/b.mp4", "BodyWeightSquats", squat(9), {"shallow": 0.6}),
    ]
    write_world_poses(videos, tmp_path / "world.npz")
    read = read_world_poses(tmp_path / "world.npz")
    assert [(v.video, v.exercise, v.faults, v.clean) for v in read] == [
        ("BodyWeightSquats/a.mp4", "BodyWeightSquats", {}, True),
        ("BodyWeightSquats/b.mp4", "BodyWeightSquats", {"shallow": 0.6}, False),
    ]
    np.testing.assert_allclose(read[1].points, videos[1].points, atol=1e-6)
    (tmp_path / "broken.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a set of 3D reference poses"):
        read_world_poses(tmp_path / "broken.npz")


def test_the_gym_s_3d_poses_are_its_clips_keypoints_in_metres_ten_times_a_second():
    (entry,) = [e for e in plan_videos(groups=2, clips_per_group=1, reps=1) if not e.tested][:1]
    (video,) = gym_world_poses([entry], sample_fps=10.0)
    assert (video.video, video.exercise) == (entry.relative_path, entry.exercise)
    seconds = len(video.points) / 10.0
    assert video.points.shape[1:] == (17, 3)
    assert 1.0 < seconds < 12.0
    assert video.performer == f"{entry.exercise}/g02"
    lowest = video.points[..., 2].min()
    assert -0.05 < lowest < 0.3  # metres, z up: someone on (or lying near) the floor


def test_the_view_scorer_joins_an_index_directory_beside_its_other_scorers(tmp_path):
    catalogue_path = tmp_path / "exercises.json"
    names = [name for name, index in KEYPOINT_INDEX.items() if index in JOINTS]
    entry = {"display_name": "Squats", "major_joints": names}
    catalogue_path.write_text(json.dumps({"BodyWeightSquats": entry}))
    catalogue = load_catalogue(catalogue_path)
    folder = tmp_path / "index"
    videos = reference_videos("BodyWeightSquats", squat_2d, count=3, frames=24)
    build_index_dir(videos, catalogue, folder, source="poses.py", rep_segmenter=REP_SEGMENTER)
    before = json.loads((folder / "manifest.json").read_text())["exercises"]["BodyWeightSquats"]
    world = [
        WorldPoses(f"BodyWeightSquats/{n}.mp4", "BodyWeightSquats", video)
        for n, video in enumerate(references())
    ]
    world.append(WorldPoses("BodyWeightSquats/x.mp4", "BodyWeightSquats", arm_raises(30), {"x": 1}))

    _, changed = add_view_scorers(folder, catalogue, world)

    assert changed == ["BodyWeightSquats"]
    index = load_index_dir(folder, catalogue).indexes["BodyWeightSquats"]
    assert sorted(index.scorers) == ["paper", "pose", "view"]
    assert index.scorers["view"].lengths.tolist() == [len(v) for v in references()]  # clean only
    after = json.loads((folder / "manifest.json").read_text())["exercises"]["BodyWeightSquats"]
    for name in ("BodyWeightSquats.centroids.faiss", "BodyWeightSquats.poses.faiss"):
        assert after["files"][name] == before["files"][name]
    assert after["reference_videos"] == before["reference_videos"] == 3
    with pytest.raises(ValueError, match="no clean 3D reference"):
        add_view_scorers(folder, catalogue, world[-1:])


def test_a_form_cue_compares_a_rep_with_the_references_filmed_from_the_performance_s_view(scorer):
    counter = RepCounter.load(REP_SEGMENTER)
    filmed_from_the_front = [
        (photographed(video, 0.0, noise=1.0), np.arange(len(video)) / 10.0)
        for video in references()
    ]
    reps = RepReferences.build(JOINTS, filmed_from_the_front, counter)
    feet_apart = CueRule(
        "feet_not_apart", "spread", ("ankle",), "max", "below", 0.25, "rep {rep}: feet apart"
    )
    side = photographed(squat(60, reps=3), 90.0, noise=1.0)  # the feet overlap in the image
    timestamps = np.arange(len(side)) / 10.0

    against_the_front = reps.score(side, timestamps, (feet_apart,))
    seen_from_the_side = reps.score(side, timestamps, (feet_apart,), views=scorer)

    assert len(against_the_front) == len(seen_from_the_side) == 3
    assert all(rep.cues[0].fires for rep in against_the_front)
    assert not any(rep.cues[0].fires for rep in seen_from_the_side)
    assert all(rep.cues[0].reference < 0.4 for rep in seen_from_the_side)
