"""The report's verdict on what a video shows, from the action service's two answers.

Each recogniser is asked for every class it knows, so that the gateway can calibrate and
fuse whole distributions (`gateway.fusion`); the report keeps each one's top 3 as it came.
"""

from __future__ import annotations

import numpy as np

from action_service.classes import EXERCISES, KEYPOINT_CLASSES, NONE
from common.fitness.v1 import action_pb2, common_pb2, gateway_pb2
from gateway.fusion import RECOGNIZED, UNCERTAIN, Decision, Fusion, distributions, judge

TOP_K = 3
EVERY_CLASS = len(KEYPOINT_CLASSES)  # the top_k asked of each recogniser

Recognizer = gateway_pb2.Recognizer
Verdict = gateway_pb2.ExerciseRecognized.Verdict
RECOGNIZER_VALUES = {
    "fused": Recognizer.RECOGNIZER_FUSED,
    "video": Recognizer.RECOGNIZER_VIDEO,
    "keypoints": Recognizer.RECOGNIZER_KEYPOINTS,
}
_VERDICTS = {
    RECOGNIZED: Verdict.VERDICT_RECOGNIZED,
    UNCERTAIN: Verdict.VERDICT_UNCERTAIN,
    NONE: Verdict.VERDICT_NONE,
}
_WHO = {
    "fused": "The recognisers together",
    "video": "The 3D ResNet",
    "keypoints": "The keypoint classifier",
}


def recognizer_name(choice: int, default: str) -> str:
    """ "fused", "video" or "keypoints" for a request's `Recognizer` (unspecified: `default`)."""
    for name, value in RECOGNIZER_VALUES.items():
        if value == choice:
            return name
    return default


Answer = action_pb2.RecognizeResponse | action_pb2.RecognizeKeypointsResponse


def _distribution(response: Answer, classes: tuple[str, ...]) -> np.ndarray:
    probabilities = np.zeros(len(classes))
    for entry in response.top_k:
        if entry.exercise_id in classes:
            probabilities[classes.index(entry.exercise_id)] = entry.probability
    return probabilities


def _top(probabilities: np.ndarray, classes: tuple[str, ...], k: int = TOP_K) -> list:
    order = np.argsort(probabilities)[::-1][:k]
    return [
        common_pb2.ExerciseProbability(exercise_id=classes[i], probability=float(probabilities[i]))
        for i in order
    ]


def verdict(
    fusion: Fusion,
    recognizer: str,
    video: action_pb2.RecognizeResponse | None,
    keypoints: action_pb2.RecognizeKeypointsResponse | None,
) -> gateway_pb2.ExerciseRecognized:
    """The exercise (or none, or uncertain) by `recognizer`, from the answers there are: a
    missing answer makes the other recogniser decide alone."""
    answers = distributions(
        fusion,
        None if video is None else _distribution(video, EXERCISES),
        None if keypoints is None else _distribution(keypoints, KEYPOINT_CLASSES),
    )
    if recognizer not in answers:
        recognizer = "video" if video is not None else "keypoints"
    threshold = fusion.min_confidence[recognizer]
    decision = judge(fusion, answers, recognizer)
    own = []
    if video is not None:
        own.append((Recognizer.RECOGNIZER_VIDEO, video, EXERCISES))
    if keypoints is not None:
        own.append((Recognizer.RECOGNIZER_KEYPOINTS, keypoints, KEYPOINT_CLASSES))
    return gateway_pb2.ExerciseRecognized(
        exercise_id=decision.label if decision.verdict == RECOGNIZED else "",
        confidence=decision.confidence,
        top_k=_top(answers[recognizer], KEYPOINT_CLASSES),
        verdict=_VERDICTS[decision.verdict],
        recognizer=RECOGNIZER_VALUES[recognizer],
        answers=[
            gateway_pb2.RecognizerAnswer(
                recognizer=which,
                model_name=response.model_name,
                top_k=_top(_distribution(response, classes), classes),
            )
            for which, response, classes in own
        ],
        reason=_reason(recognizer, decision, threshold, answers),
    )


def _reason(
    recognizer: str, decision: Decision, threshold: float, answers: dict[str, np.ndarray]
) -> str:
    who, outcome = _WHO[recognizer], decision.verdict
    label, confidence = decision.label, decision.confidence
    if decision.disagreement:
        video, keypoints = (
            _top(answers[n], KEYPOINT_CLASSES, 1)[0] for n in ("video", "keypoints")
        )
        return (
            f"The recognisers disagree: the keypoint classifier sees {keypoints.exercise_id} "
            f"({keypoints.probability:.0%}), the 3D ResNet {video.exercise_id} "
            f"({video.probability:.0%}), so nothing was scored; name the exercise to score it."
        )
    if outcome == NONE:
        return (
            f"{who} found none of the exercises in this video ({confidence:.0%} sure), "
            "so nothing was scored."
        )
    if outcome == UNCERTAIN:
        return (
            f"{who} could not tell the exercise: the best guess, {label}, has "
            f"{confidence:.0%}, under the {threshold:.0%} needed, so nothing was scored; "
            "film the whole body from the side or name the exercise."
        )
    return ""
