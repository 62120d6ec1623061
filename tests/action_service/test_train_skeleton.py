"""Training the keypoint classifier: balanced classes, a loss that falls on learnable
movements, checkpoints that predict them."""

from __future__ import annotations

import numpy as np
import torch

from action_service.checkpoint import load_skeleton_weights
from action_service.classes import KEYPOINT_CLASSES
from action_service.inference import KeypointPredictor
from action_service.skeleton_dataset import sequence_of
from action_service.train_skeleton import SkeletonTrainConfig, class_weights, train_skeleton
from scoring_service.keypoint_dataset import VideoKeypoints, write_keypoint_dataset

FPS = 10.0


def moving(exercise: str, seed: int, joints: list[int]) -> VideoKeypoints:
    """A standing skeleton whose `joints` bob up and down, 6 seconds at 10 fps."""
    rng = np.random.default_rng(seed)
    frames = 60
    base = rng.normal(0, 3, (17, 2)) + np.linspace([100, 40], [100, 200], 17)
    keypoints = np.zeros((frames, 17, 3), np.float32)
    keypoints[..., :2] = base
    keypoints[..., 2] = 0.9
    time = np.arange(frames) / FPS
    keypoints[:, joints, 1] += 30 * np.sin(2 * np.pi * rng.uniform(0.4, 0.7) * time)[:, None]
    return VideoKeypoints(
        f"{exercise}/v_{seed}.mp4", exercise, np.arange(frames), keypoints, 200, 240, FPS
    )


def test_every_class_present_weighs_the_same_and_an_absent_one_nothing():
    weights = class_weights([0, 0, 0, 8])
    assert weights[0] * 3 == weights[8] * 1
    assert weights[1:8].sum() == 0


def test_training_learns_arms_from_legs_and_stands_for_none(tmp_path):
    arms, legs = [9, 10], [13, 14, 15, 16]
    videos = [moving("JumpingJack", i, arms) for i in range(6)]
    videos += [moving("BodyWeightSquats", 10 + i, legs) for i in range(6)]
    videos += [moving("Walking", 20 + i, []) for i in range(3)]  # another movement: none
    write_keypoint_dataset(videos, tmp_path / "keypoints")
    torch.set_num_threads(1)
    config = SkeletonTrainConfig(
        keypoints=(tmp_path / "keypoints",), out=tmp_path / "run", width=16, epochs=30,
        batch_size=16, learning_rate=5e-3, windows_per_video=4, device="cpu",
    )  # fmt: skip
    losses = train_skeleton(config)
    assert losses[-1] < losses[0] / 2
    model, classes = load_skeleton_weights(tmp_path / "run" / "last.safetensors")
    assert classes == list(KEYPOINT_CLASSES)
    predictor = KeypointPredictor(model.eval(), classes)
    answers = [classes[int(np.argmax(predictor.probabilities(sequence_of(v))))] for v in videos]
    truth = [v.exercise if v.exercise != "Walking" else "none" for v in videos]
    assert np.mean([a == t for a, t in zip(answers, truth, strict=True)]) >= 0.8
