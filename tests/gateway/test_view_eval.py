"""`fitness eval view`: each video's view read against the gym's camera azimuth, and how
often an exercise's view warning fires from each side."""

from __future__ import annotations

import json

import numpy as np

from gateway.view_eval import azimuth_group, measure_views, views_table
from scoring_service.catalogue import load_catalogue
from scoring_service.keypoint_dataset import VideoKeypoints
from tests.gateway.test_capture import person, turned


def video(name: str, exercise: str, keypoints: np.ndarray) -> VideoKeypoints:
    return VideoKeypoints(name, exercise, np.arange(len(keypoints)), keypoints)


def test_azimuths_group_round_the_person():
    assert [azimuth_group(a) for a in (90, -80, 270, 45, 0, 180, -20)] == [
        "side",
        "side",
        "side",
        "diagonal",
        "front or back",
        "front or back",
        "front or back",
    ]


def test_views_are_read_per_video_and_warnings_counted_per_side(tmp_path):
    filmed = {"PushUps/side.mp4": 90.0, "PushUps/front.mp4": 0.0, "JumpingJack/side.mp4": -90.0}
    for name, azimuth in filmed.items():
        label = (tmp_path / name).with_suffix(".json")
        label.parent.mkdir(exist_ok=True)
        label.write_text(json.dumps({"camera": {"azimuth_degrees": azimuth}}))
    side, front = turned(person(), 0.2), person()
    videos = [
        video("PushUps/side.mp4", "PushUps", side),
        video("PushUps/front.mp4", "PushUps", front),
        video("JumpingJack/side.mp4", "JumpingJack", side),
        video("PushUps/unlabelled.mp4", "PushUps", side),
    ]
    catalogue = load_catalogue()
    results = measure_views(videos, tmp_path, catalogue)
    assert [(r.video, r.filmed, r.read, r.warned) for r in results] == [
        ("PushUps/side.mp4", "side", "side", False),
        ("PushUps/front.mp4", "front or back", "front or back", True),
        ("JumpingJack/side.mp4", "side", "side", True),
    ]
    table = views_table(results, catalogue)
    assert "| side | 2 | 100% | 0% | 0% |" in table
    assert "| side | 0% of 1 | - of 0 | 100% of 1 |" in table
    assert "| front or back | 100% of 1 | - of 0 | - of 0 |" in table
