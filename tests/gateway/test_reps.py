"""The report's reps: found in the analysed frames' poses, named by the video's frame indices."""

from __future__ import annotations

import numpy as np
import torch

from common.fitness.v1 import common_pb2
from gateway.reps import report_reps
from synth.exercises import perform


def frame_poses(keypoints: np.ndarray, every: int) -> list[common_pb2.FramePose]:
    """Poses of every `every`-th frame, as the pose service answers them."""
    return [
        common_pb2.FramePose(
            frame_index=index,
            pose=common_pb2.Pose(
                keypoints=[common_pb2.Keypoint(x=x, y=y, score=s) for x, y, s in keypoints[index]]
            ),
        )
        for index in range(0, len(keypoints), every)
    ]


def test_the_reps_of_a_performance_come_with_the_video_s_frame_indices():
    torch.set_num_threads(1)
    body = perform("BodyWeightSquats", seed=5, fps=30.0, reps=3).body.keypoints[:, :17]
    keypoints = np.stack(
        [320 + 300 * body[..., 1], 400 - 300 * body[..., 2], np.ones(body.shape[:2])], -1
    )  # seen from the side
    poses = frame_poses(keypoints, every=3)  # 10 of the video's 30 frames a second
    reps = report_reps(poses, fps=30.0)
    assert len(reps) == 3
    posed = {pose.frame_index for pose in poses}
    for rep in reps:
        assert {rep.start_frame_index, rep.turn_frame_index, rep.end_frame_index} <= posed
        assert rep.start_frame_index < rep.turn_frame_index < rep.end_frame_index
        expected = (rep.end_frame_index - rep.start_frame_index) / 30.0
        assert abs(rep.seconds - expected) < 1e-6
        assert rep.range_of_motion > 0.1


def test_no_poses_no_reps():
    assert report_reps([], fps=30.0) == []
