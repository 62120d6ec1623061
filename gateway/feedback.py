"""Feedback in words from a performance's scores, most important first."""

from __future__ import annotations

from common.fitness.v1 import scoring_pb2
from common.skeleton import KEYPOINT_NAMES

GOOD = 75.0  # at or above: the joint moved like the reference performances
POOR = 50.0  # under: the joint needs attention


def joint_name(joint: int) -> str:
    """A person's name for a `fitness.v1.Joint` value, for example "left knee"."""
    return KEYPOINT_NAMES[joint - 1].replace("_", " ")


def feedback(scores: scoring_pb2.ScoreResponse) -> list[str]:
    """The overall verdict, then the weakest joints with what their score means."""
    if not scores.joints:
        return ["No frame showed the performer clearly enough to score."]
    overall = scores.overall
    if overall >= GOOD:
        verdict = f"Good form: {overall:.0f}/100 overall, close to the reference performances."
    elif overall >= POOR:
        verdict = f"Fair form: {overall:.0f}/100 overall; some joints strayed from the references."
    else:
        verdict = f"Form needs work: {overall:.0f}/100 overall, far from the references."
    lines = [verdict]
    for joint in sorted(scores.joints, key=lambda j: j.score):
        if joint.score >= POOR:
            break
        lines.append(
            f"Your {joint_name(joint.joint)} scored {joint.score:.0f}/100: it moved away from "
            "where it goes in the reference performances."
        )
    return lines
