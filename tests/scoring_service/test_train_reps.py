"""Training the rep segmenter: phases from the gym's rep labels, a real training loop that
checkpoints weights the counter loads, and resumes."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from scoring_service.keypoint_dataset import labels_keypoints, write_keypoint_dataset
from scoring_service.rep_model import BACK, OUT, REST
from scoring_service.reps import RepCounter
from scoring_service.train_reps import RepTrainConfig, phase_sequences, train_reps


@pytest.fixture(scope="module")
def keypoints(tiny_ucf: Path, tmp_path_factory) -> Path:
    """The gym's exact keypoints of the tiny set, as a keypoint dataset."""
    out = tmp_path_factory.mktemp("keypoints")
    videos = [
        labels_keypoints(path, str(path.relative_to(tiny_ucf)))
        for path in sorted(tiny_ucf.glob("*/*.mp4"))
    ]
    write_keypoint_dataset(videos, out)
    return out


def test_each_labelled_rep_becomes_a_run_out_then_a_run_back(keypoints, tiny_ucf):
    sequences = phase_sequences(keypoints, tiny_ucf)
    assert len(sequences) == 4
    for sequence in sequences:
        runs = [phase for phase, _ in itertools.groupby(sequence.phases)]
        assert runs.count(OUT) == runs.count(BACK) == sequence.reps == 1
        assert runs[0] == REST
        assert runs[runs.index(OUT) + 1] == BACK
        assert len(sequence.poses) == len(sequence.phases)


def test_a_dataset_made_from_another_folder_is_refused(keypoints, tmp_path):
    with pytest.raises(FileNotFoundError, match="no labels"):
        phase_sequences(keypoints, tmp_path)


def test_training_writes_weights_the_counter_loads_and_resumes(keypoints, tiny_ucf, tmp_path):
    config = RepTrainConfig(
        keypoints=(keypoints,), videos=(tiny_ucf,), out=tmp_path, epochs=2, window=64,
        windows_per_video=2, device="cpu",
    )  # fmt: skip
    losses = train_reps(config)
    assert len(losses) == 2
    assert all(np.isfinite(losses))
    counter = RepCounter.load(tmp_path / "last.safetensors")
    sequence = phase_sequences(keypoints, tiny_ucf)[0]
    probabilities, frames = counter.phases(sequence.poses, np.arange(len(sequence.poses)) / 10)
    assert probabilities.shape == (len(frames), 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    resumed = train_reps(RepTrainConfig(**{**config.__dict__, "epochs": 3, "resume": True}))
    assert len(resumed) == 1
