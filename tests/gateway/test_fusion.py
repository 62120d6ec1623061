"""Fusing the recognisers: calibration, the fused distribution, verdicts, and fitting all of
it on a validation split."""

from __future__ import annotations

import numpy as np
import pytest

from action_service.classes import EXERCISES, KEYPOINT_CLASSES, NONE
from gateway.fusion import (
    RECOGNIZED,
    RECOGNIZERS,
    UNCERTAIN,
    Fusion,
    balanced_accuracy,
    calibrated,
    decide,
    distributions,
    fit_fusion,
    judge,
)

SQUATS = KEYPOINT_CLASSES.index("BodyWeightSquats")
NONE_INDEX = KEYPOINT_CLASSES.index(NONE)


def one_hot_ish(index: int, size: int, peak: float) -> np.ndarray:
    probabilities = np.full(size, (1 - peak) / (size - 1))
    probabilities[index] = peak
    return probabilities


def test_a_temperature_of_one_keeps_probabilities_and_more_flattens_them() -> None:
    probabilities = np.array([0.7, 0.2, 0.1])
    assert np.allclose(calibrated(probabilities, 1.0), probabilities)
    softer = calibrated(probabilities, 3.0)
    assert softer.max() < 0.7
    assert np.argmax(softer) == 0
    assert np.isclose(softer.sum(), 1.0)


def test_none_comes_from_the_keypoints_and_the_exercises_are_averaged() -> None:
    video = one_hot_ish(EXERCISES.index("Lunges"), 8, 0.9)
    keypoints = one_hot_ish(SQUATS, 9, 0.6)
    keypoints[NONE_INDEX] = 0.2
    keypoints /= keypoints.sum()
    for weight in (0.0, 0.3, 1.0):
        answers = distributions(Fusion(keypoint_weight=weight), video, keypoints)
        fused = answers["fused"]
        assert np.isclose(fused.sum(), 1.0)
        assert np.isclose(fused[NONE_INDEX], keypoints[NONE_INDEX])
    only_keypoints = distributions(Fusion(keypoint_weight=1.0), video, keypoints)["fused"]
    assert np.allclose(only_keypoints, keypoints)
    only_video = distributions(Fusion(keypoint_weight=0.0), video, keypoints)["fused"]
    assert np.argmax(only_video) == KEYPOINT_CLASSES.index("Lunges")
    assert set(distributions(Fusion(), video, None)) == {"video"}
    assert distributions(Fusion(), video, None)["video"][NONE_INDEX] == 0


def test_the_verdict_is_none_uncertain_or_recognised() -> None:
    assert decide(one_hot_ish(NONE_INDEX, 9, 0.5), 0.9).verdict == NONE
    unsure = decide(one_hot_ish(SQUATS, 9, 0.4), 0.5)
    assert (unsure.verdict, unsure.label) == (UNCERTAIN, "BodyWeightSquats")
    sure = decide(one_hot_ish(SQUATS, 9, 0.8), 0.5)
    assert (sure.verdict, sure.label, sure.confidence) == (RECOGNIZED, "BodyWeightSquats", 0.8)


def validation_split(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A keypoint classifier that is usually right and a 3D CNN that guesses."""
    video, keypoints, truth = [], [], []
    for n in range(120):
        label = NONE if n % 4 == 0 else EXERCISES[n % 8]
        index = KEYPOINT_CLASSES.index(label)
        guess = index if rng.random() < 0.85 else int(rng.integers(9))
        keypoints.append(one_hot_ish(guess, 9, rng.uniform(0.5, 0.95)))
        video.append(rng.dirichlet(np.ones(8)))
        truth.append(label)
    return np.array(video), np.array(keypoints), truth


def test_fitting_trusts_the_better_recogniser_and_refuses_most_none_videos() -> None:
    video, keypoints, truth = validation_split(np.random.default_rng(0))
    fusion = fit_fusion(video, keypoints, truth)
    assert fusion.keypoint_weight >= 0.8
    assert set(fusion.min_confidence) == {"fused", "video", "keypoints"}
    labels = np.array([KEYPOINT_CLASSES.index(name) for name in truth])
    fused = distributions(fusion, video, keypoints)["fused"]
    assert balanced_accuracy(fused, labels, fusion.min_confidence["fused"]) > 0.8
    none = labels == NONE_INDEX
    top, confidence = fused[none].argmax(1), fused[none].max(1)
    refused = (top == NONE_INDEX) | (confidence < fusion.min_confidence["fused"])
    assert refused.mean() >= 0.9  # the target share of none videos is refused
    guessing = distributions(fusion, video, keypoints)["video"]
    assert balanced_accuracy(guessing, labels, fusion.min_confidence["video"]) < 0.7


def test_fitting_needs_videos_of_exercises_and_of_none(tmp_path) -> None:
    video, keypoints, truth = validation_split(np.random.default_rng(1))
    exercises = [i for i, name in enumerate(truth) if name != NONE]
    with pytest.raises(ValueError, match="none"):
        fit_fusion(video[exercises], keypoints[exercises], [truth[i] for i in exercises])


def test_a_fitted_fusion_survives_a_round_trip(tmp_path) -> None:
    fusion = Fusion(0.8, 1.3, 0.65, {"fused": 0.4, "video": 0.55, "keypoints": 0.5})
    assert Fusion.load(fusion.save(tmp_path / "fusion.json")) == fusion


def test_the_fused_verdict_is_uncertain_where_each_recogniser_is_sure_of_another_exercise():
    fusion = Fusion(keypoint_weight=0.9, min_confidence=dict.fromkeys(RECOGNIZERS, 0.6))
    lunges = one_hot_ish(EXERCISES.index("Lunges"), 8, 0.9)
    squats = one_hot_ish(SQUATS, 9, 0.95)
    answers = distributions(fusion, lunges, squats)
    assert decide(answers["fused"], 0.6).verdict == RECOGNIZED  # the keypoints outweigh
    disputed = judge(fusion, answers, "fused")
    assert (disputed.verdict, disputed.disagreement) == (UNCERTAIN, True)
    assert judge(fusion, answers, "keypoints").verdict == RECOGNIZED  # alone, no dispute
    agreeing = distributions(
        fusion, one_hot_ish(EXERCISES.index("BodyWeightSquats"), 8, 0.9), squats
    )
    assert judge(fusion, agreeing, "fused").verdict == RECOGNIZED
