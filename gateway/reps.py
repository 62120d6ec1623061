"""The report's repetitions: the scoring service's scored reps, with their cues."""

from __future__ import annotations

from common.fitness.v1 import gateway_pb2, scoring_pb2


def report_reps(scores: scoring_pb2.ScoreResponse) -> list[gateway_pb2.Rep]:
    """The reps of a scored performance, in order."""
    return [
        gateway_pb2.Rep(
            start_frame_index=rep.start_frame_index,
            turn_frame_index=rep.turn_frame_index,
            end_frame_index=rep.end_frame_index,
            seconds=rep.seconds,
            range_of_motion=rep.range_of_motion,
            scores=rep,
        )
        for rep in scores.reps
    ]
