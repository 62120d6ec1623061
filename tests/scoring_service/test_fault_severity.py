"""On gym performances, a form fault costs more points the more severe it is."""

from __future__ import annotations

import numpy as np
import pytest

from scoring_service.catalogue import load_catalogue
from scoring_service.index import build_exercise_index
from scoring_service.keypoint_dataset import VideoKeypoints
from scoring_service.scorers import score_performance
from synth.clip import Clip, ClipSpec

EXERCISE = "BodyWeightSquats"
FAULT = "forward_lean"  # the trunk pitches forward: visible in every frame of the rep


FPS = 10.0


def performance(seed: int, severity: float = 0.0) -> np.ndarray:
    """The gym's exact keypoints (F, 17, 3) of a two-rep squat set at `FPS`, without rendering."""
    faults = {FAULT: severity} if severity else {}
    spec = ClipSpec(EXERCISE, seed, 320, 240, FPS, reps=2, faults=faults)
    return Clip.build(spec).projected_keypoints()


@pytest.fixture(scope="module")
def index(rep_counter):
    references = []
    for seed in range(1, 7):
        keypoints = performance(seed)
        frames = np.arange(len(keypoints))
        references.append(VideoKeypoints(f"reference_{seed}", EXERCISE, frames, keypoints, fps=FPS))
    return build_exercise_index(load_catalogue()[EXERCISE], references, rep_counter)


SEVERITIES = (0.0, 0.5, 1.0)


@pytest.fixture(scope="module")
def performers() -> dict[float, list[np.ndarray]]:
    """Three held-out performers, each at every severity (same person, camera and timing)."""
    return {
        severity: [performance(seed, severity) for seed in (100, 101, 102)]
        for severity in SEVERITIES
    }


@pytest.mark.parametrize("scorer", ["pose", "paper"])
def test_scores_fall_as_the_fault_grows_more_severe(index, performers, scorer):
    means = [
        np.mean([score_performance(index.scorers[scorer], k).overall for k in performers[s]])
        for s in SEVERITIES
    ]
    assert means[0] > means[1] > means[2], dict(zip(SEVERITIES, means, strict=True))


def test_rep_scores_fall_as_the_fault_grows_more_severe(index, performers):
    def mean_rep_score(keypoints: np.ndarray) -> float:
        reps = index.reps.score(keypoints, np.arange(len(keypoints)) / FPS)
        assert len(reps) == 2
        return float(np.mean([rep.overall for rep in reps]))

    means = [np.mean([mean_rep_score(k) for k in performers[s]]) for s in SEVERITIES]
    assert means[0] > means[1] > means[2], dict(zip(SEVERITIES, means, strict=True))
