"""The classes the action models answer with."""

from __future__ import annotations

# The UCF101 exercise classes, in the order the gym's classInd.txt lists them.
EXERCISES = [
    "BenchPress", "BodyWeightSquats", "HandstandPushups", "JumpingJack", "Lunges", "PullUps",
    "PushUps", "WallPushups",
]  # fmt: skip
NONE = "none"  # none of the exercises: the keypoint classifier's extra class
KEYPOINT_CLASSES = [*EXERCISES, NONE]
