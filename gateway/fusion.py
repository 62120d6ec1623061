"""Fusing the two exercise recognisers, and the verdict on what a video shows.

The 3D CNN (`video`) answers over the eight exercises; the keypoint classifier (`keypoints`)
over the exercises and "none". Each is calibrated by its own temperature. The fused answer
takes "none" from the keypoint classifier alone (the 3D CNN never learnt it) and, for the
exercises, averages the two calibrated distributions over the exercises:

    p(none) = k(none)
    p(e)    = (1 - k(none)) * (w * k(e | exercise) + (1 - w) * v(e))

The temperatures, the weight `w` and each recogniser's confidence threshold are fitted on a
validation split that neither model trained on (`fit_fusion`): the threshold is the lowest
that answers a target share (90%) of the split's videos of none of the exercises with none or
uncertain. The fused verdict is also uncertain where the two recognisers, each above its own
threshold, name different exercises (`judge`). A video is `none` when "none"
is its most probable class, `uncertain` when the top class is below the threshold, and
`recognized` otherwise.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from action_service.classes import EXERCISES, KEYPOINT_CLASSES, NONE

RECOGNIZERS = ("fused", "video", "keypoints")
RECOGNIZED, UNCERTAIN = "recognized", "uncertain"  # verdicts besides NONE
_NONE_INDEX = KEYPOINT_CLASSES.index(NONE)
_EXERCISE_INDEX = [KEYPOINT_CLASSES.index(name) for name in EXERCISES]


@dataclass(frozen=True)
class Fusion:
    """The fitted fusion: temperatures, the keypoint classifier's weight and thresholds."""

    video_temperature: float = 1.0
    keypoint_temperature: float = 1.0
    keypoint_weight: float = 0.5
    min_confidence: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(RECOGNIZERS, 0.5)
    )

    @classmethod
    def load(cls, path: Path) -> Fusion:
        """Reads a fusion written by `save`."""
        return cls(**json.loads(path.read_text()))

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=1) + "\n")
        return path


@dataclass(frozen=True)
class Decision:
    """What a recogniser's distribution says: the verdict, the top class and its probability."""

    verdict: str
    label: str
    confidence: float
    disagreement: bool = False  # uncertain because the recognisers confidently disagree


def calibrated(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities (..., C) softened (T > 1) or sharpened (T < 1) by a temperature."""
    logits = np.log(np.clip(probabilities, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=-1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=-1, keepdims=True)


def distributions(
    fusion: Fusion, video: np.ndarray | None, keypoints: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Each available recogniser's calibrated distribution over `KEYPOINT_CLASSES`.

    Args:
        video: The 3D CNN's probabilities (..., 8) over `EXERCISES`, or None.
        keypoints: The keypoint classifier's (..., 9) over `KEYPOINT_CLASSES`, or None.
    """
    answers = {}
    if video is not None:
        spread = np.zeros((*video.shape[:-1], len(KEYPOINT_CLASSES)))
        spread[..., _EXERCISE_INDEX] = calibrated(video, fusion.video_temperature)
        answers["video"] = spread
    if keypoints is not None:
        answers["keypoints"] = calibrated(keypoints, fusion.keypoint_temperature)
    if video is not None and keypoints is not None:
        keypoint = answers["keypoints"]
        none = keypoint[..., _NONE_INDEX : _NONE_INDEX + 1]
        given_exercise = keypoint / np.maximum(1 - none, 1e-12)
        weight = fusion.keypoint_weight
        fused = (1 - none) * (weight * given_exercise + (1 - weight) * answers["video"])
        fused[..., _NONE_INDEX] = none[..., 0]
        answers["fused"] = fused
    return answers


def decide(probabilities: np.ndarray, min_confidence: float) -> Decision:
    """The verdict on one distribution (9,) over `KEYPOINT_CLASSES`."""
    top = int(np.argmax(probabilities))
    label, confidence = KEYPOINT_CLASSES[top], float(probabilities[top])
    if label == NONE:
        return Decision(NONE, label, confidence)
    if confidence < min_confidence:
        return Decision(UNCERTAIN, label, confidence)
    return Decision(RECOGNIZED, label, confidence)


def judge(fusion: Fusion, answers: dict[str, np.ndarray], recognizer: str) -> Decision:
    """The verdict of `recognizer` on one video's distributions (`distributions`). The fused
    answer is uncertain too where each recogniser alone is sure of a different exercise."""
    decision = decide(answers[recognizer], fusion.min_confidence[recognizer])
    if recognizer != "fused" or decision.verdict != RECOGNIZED:
        return decision
    video, keypoints = (
        decide(answers[n], fusion.min_confidence[n]) for n in ("video", "keypoints")
    )
    if video.verdict == keypoints.verdict == RECOGNIZED and video.label != keypoints.label:
        return Decision(UNCERTAIN, decision.label, decision.confidence, disagreement=True)
    return decision


_TEMPERATURES = np.exp(np.linspace(np.log(0.2), np.log(5.0), 49))
_WEIGHTS = np.linspace(0.0, 1.0, 21)
_THRESHOLDS = np.linspace(0.0, 0.95, 39)


def fit_fusion(
    video: np.ndarray, keypoints: np.ndarray, truth: list[str], refuse: float = 0.9
) -> Fusion:
    """Fits the fusion on a validation split by likelihood, then each recogniser's threshold.

    Args:
        video: The 3D CNN's probabilities (N, 8).
        keypoints: The keypoint classifier's (N, 9).
        truth: Each video's class in `KEYPOINT_CLASSES` (exercise videos and "none" videos).
        refuse: The share of "none" videos to answer none or uncertain.

    Temperatures and the weight minimise the negative log-likelihood of the true class (the
    3D CNN's on exercise videos only). Each threshold is the lowest that refuses `refuse` of
    the "none" videos, so that as many exercise videos as possible are still recognised; where
    no threshold does, the one with the best balanced accuracy (`balanced_accuracy`).
    """
    labels = np.array([KEYPOINT_CLASSES.index(name) for name in truth])
    exercise = labels != _NONE_INDEX
    if not exercise.any() or exercise.all():
        raise ValueError("fitting needs videos of the exercises and of none of them")
    rows = np.arange(len(labels))

    def nll(probabilities: np.ndarray, on: np.ndarray) -> float:
        return float(-np.log(np.clip(probabilities[rows[on], labels[on]], 1e-12, 1)).mean())

    video_t = min(
        _TEMPERATURES,
        key=lambda t: nll(
            distributions(Fusion(video_temperature=t), video, None)["video"], exercise
        ),
    )
    keypoint_t = min(
        _TEMPERATURES, key=lambda t: nll(calibrated(keypoints, t), np.ones_like(exercise))
    )
    weight = min(
        _WEIGHTS,
        key=lambda w: nll(
            distributions(Fusion(video_t, keypoint_t, w), video, keypoints)["fused"], exercise
        ),
    )
    fusion = Fusion(float(video_t), float(keypoint_t), float(weight))
    answers = distributions(fusion, video, keypoints)
    thresholds = {name: _threshold(answers[name], labels, refuse) for name in RECOGNIZERS}
    return Fusion(fusion.video_temperature, fusion.keypoint_temperature, weight, thresholds)


def _threshold(probabilities: np.ndarray, labels: np.ndarray, refuse: float) -> float:
    none = labels == _NONE_INDEX
    for threshold in _THRESHOLDS:  # lowest first
        top = probabilities[none].argmax(axis=1)
        refused = (top == _NONE_INDEX) | (probabilities[none].max(axis=1) < threshold)
        if refused.mean() >= refuse:
            return float(threshold)
    return float(max(_THRESHOLDS, key=lambda t: balanced_accuracy(probabilities, labels, t)))


def balanced_accuracy(probabilities: np.ndarray, labels: np.ndarray, threshold: float) -> float:
    """Mean of the share of exercise videos recognised as their exercise and the share of
    "none" videos answered none or uncertain, at a confidence threshold."""
    top = probabilities.argmax(axis=1)
    confident = probabilities.max(axis=1) >= threshold
    exercise = labels != _NONE_INDEX
    recognised = (top == labels) & confident & exercise
    refused = ~exercise & ((top == _NONE_INDEX) | ~confident)
    return (
        recognised.sum() / max(exercise.sum(), 1) + refused.sum() / max((~exercise).sum(), 1)
    ) / 2
