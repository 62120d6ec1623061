"""The report's reps: the scoring service's scored reps, in order, with their scores."""

from __future__ import annotations

from common.fitness.v1 import common_pb2, scoring_pb2
from gateway.reps import report_reps


def scored_rep(start: int, end: int, overall: float) -> scoring_pb2.RepScore:
    return scoring_pb2.RepScore(
        start_frame_index=start,
        turn_frame_index=(start + end) // 2,
        end_frame_index=end,
        seconds=(end - start) / 30,
        range_of_motion=0.8,
        joints=[scoring_pb2.JointScore(joint=common_pb2.JOINT_LEFT_KNEE, score=overall)],
        overall=overall,
        worst_joint=common_pb2.JOINT_LEFT_KNEE,
        worst_frame_index=start + 3,
    )


def test_every_scored_rep_becomes_a_report_rep_with_its_scores():
    scores = scoring_pb2.ScoreResponse(reps=[scored_rep(0, 30, 90.0), scored_rep(33, 66, 40.0)])
    reps = report_reps(scores)
    assert [(r.start_frame_index, r.end_frame_index) for r in reps] == [(0, 30), (33, 66)]
    assert [r.turn_frame_index for r in reps] == [15, 49]
    assert [r.scores.overall for r in reps] == [90.0, 40.0]
    assert reps[1].scores.worst_frame_index == 36
    assert reps[0].seconds == 1.0


def test_no_scored_reps_no_report_reps():
    assert report_reps(scoring_pb2.ScoreResponse()) == []
