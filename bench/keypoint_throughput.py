"""Keypoint classifier throughput on the CPU: pose sequences classified per second, as the
action service classifies a video's poses (resampled to 10 fps, up to 5 windows of 48 poses,
normalised, one forward pass), against the 3D ResNet on the same videos' clips.

A sequence is 20 seconds of poses; a 3D ResNet video is its TEST_CLIPS evaluation clips
(3 x 16 x 112 x 112). Both rates are measured in the same process on this machine's cores; the
last column is each row's rate over the 3D ResNet's.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch

from action_service.classes import EXERCISES, KEYPOINT_CLASSES
from action_service.clips import TEST_CLIPS
from action_service.inference import KeypointPredictor
from action_service.model import build_model
from action_service.sequences import FEATURES, KeypointSequence
from action_service.skeleton_model import skeleton_tcn

SECONDS = 4.0
SEQUENCE_SECONDS = 20.0


def rate(run: Callable[[], int]) -> float:
    """Items per second of `run()` (which returns how many it did), after a warm-up call."""
    run()
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        done += run()
    return done / (time.perf_counter() - start)


def sequence(rng: np.random.Generator, fps: float = 30.0) -> KeypointSequence:
    frames = int(SEQUENCE_SECONDS * fps)
    keypoints = rng.uniform(0, 480, (frames, 17, 3)).astype(np.float32)
    keypoints[..., 2] = rng.uniform(0.3, 1.0, (frames, 17))
    return KeypointSequence(keypoints, np.arange(frames) / fps)


def main() -> None:
    rng = np.random.default_rng(0)
    poses = sequence(rng)
    keypoint = KeypointPredictor(
        skeleton_tcn(FEATURES, len(KEYPOINT_CLASSES), width=64).eval(), list(KEYPOINT_CLASSES)
    )
    video_model = build_model(18, widen_factor=0.25, num_classes=len(EXERCISES)).eval()
    clips = torch.randn(TEST_CLIPS, 3, 16, 112, 112)

    def classify_sequence() -> int:
        keypoint.probabilities(poses)
        return 1

    def classify_video() -> int:
        with torch.inference_mode():
            video_model(clips)
        return 1

    baseline = rate(classify_video)
    measured = rate(classify_sequence)
    print(
        "Exercise recognition throughput: videos a second, each a pose sequence or "
        f"{TEST_CLIPS} clips (CPU: {torch.get_num_threads()} threads)"
    )
    print("| recogniser | input per video | videos (sequences)/s | / 3D ResNet |")
    print("|---|---|---|---|")
    print(f"| 3D ResNet-18 x0.25 | {TEST_CLIPS} clips of 16 frames | {baseline:.1f} | 1.00 |")
    print(
        f"| keypoint classifier (TCN, width 64) | {SEQUENCE_SECONDS:.0f} s of poses | "
        f"{measured:.1f} | {measured / baseline:.1f} |"
    )


if __name__ == "__main__":
    main()
