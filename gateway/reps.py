"""The report's repetitions: `scoring_service.reps` over the analysed frames' poses."""

from __future__ import annotations

from collections.abc import Sequence

from common.fitness.v1 import common_pb2, gateway_pb2
from common.skeleton import pose_arrays
from scoring_service.reps import find_reps


def report_reps(poses: Sequence[common_pb2.FramePose], fps: float) -> list[gateway_pb2.Rep]:
    """The reps of one video's poses (in frame order), with frame indices of a `fps` video."""
    if not poses:
        return []
    indices, keypoints = pose_arrays(poses)
    found = find_reps(keypoints, indices / (fps if fps > 0 else 30.0))
    return [
        gateway_pb2.Rep(
            start_frame_index=int(indices[rep.start]),
            turn_frame_index=int(indices[rep.turn]),
            end_frame_index=int(indices[rep.end]),
            seconds=rep.seconds,
            range_of_motion=rep.range_of_motion,
        )
        for rep in found
    ]
