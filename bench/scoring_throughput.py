"""Scoring throughput: frames scored per second by the paper's scorer and ours, and the time to
build an exercise's index from 10k, 100k and 1M keypoint rows (one row per frame and joint, as
in the keypoint dataset's CSV); then every scorer of the shipped squat index, the view scorer
included, on a 30-second performance.

The keypoints are synthetic squat-like sets: a standing stick figure whose hips drop and knees
bend through each rep, moved, scaled and jittered per video, so DBSCAN and FAISS see data
shaped like the real thing at any size.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from common.skeleton import KEYPOINT_INDEX, NUM_KEYPOINTS
from scoring_service.catalogue import load_catalogue
from scoring_service.index import build_exercise_index, load_index_dir
from scoring_service.keypoint_dataset import VideoKeypoints
from scoring_service.reps import RepCounter
from scoring_service.scorers import Scorer, score_performance
from scoring_service.views import VIEWS

EXERCISE = "BodyWeightSquats"
REP_SEGMENTER = Path("models/scoring/rep_segmenter.safetensors")
FRAMES_PER_VIDEO = 100
ROW_COUNTS = (10_000, 100_000, 1_000_000)
SCORED_FRAMES = 3_000
SHIPPED_INDEX = Path("models/scoring")
SHIPPED_FRAMES = 300

# A standing figure, torso 1 long, hips at the origin, y down: (x, y) per joint.
_STANDING = {
    "nose": (0.0, -1.45), "left_eye": (0.05, -1.5), "right_eye": (-0.05, -1.5),
    "left_ear": (0.1, -1.45), "right_ear": (-0.1, -1.45),
    "left_shoulder": (0.25, -1.0), "right_shoulder": (-0.25, -1.0),
    "left_elbow": (0.3, -0.55), "right_elbow": (-0.3, -0.55),
    "left_wrist": (0.3, -0.1), "right_wrist": (-0.3, -0.1),
    "left_hip": (0.15, 0.0), "right_hip": (-0.15, 0.0),
    "left_knee": (0.17, 0.6), "right_knee": (-0.17, 0.6),
    "left_ankle": (0.17, 1.2), "right_ankle": (-0.17, 1.2),
}  # fmt: skip


def squat_video(rng: np.random.Generator, frames: int = FRAMES_PER_VIDEO) -> np.ndarray:
    """Keypoints (F, 17, 3) in pixels of one synthetic squat set."""
    base = np.zeros((NUM_KEYPOINTS, 2))
    for name, point in _STANDING.items():
        base[KEYPOINT_INDEX[name]] = point
    depth = 0.5 * (1 - np.cos(np.linspace(0, 2 * np.pi * rng.uniform(2, 5), frames)))
    poses = np.repeat(base[None], frames, axis=0)
    knees = [KEYPOINT_INDEX["left_knee"], KEYPOINT_INDEX["right_knee"]]
    ankles = [KEYPOINT_INDEX["left_ankle"], KEYPOINT_INDEX["right_ankle"]]
    above_knees = [i for i in range(NUM_KEYPOINTS) if i not in knees + ankles]
    poses[:, above_knees, 1] += 0.45 * depth[:, None]  # hips and everything above drop
    poses[:, knees, 0] += np.sign(poses[:, knees, 0]) * 0.15 * depth[:, None]
    poses[:, knees, 1] += 0.2 * depth[:, None]
    scale = rng.uniform(60, 120)
    centre = rng.uniform([150, 200], [450, 300])
    pixels = poses * scale + centre + rng.normal(0, 2.0, poses.shape)
    return np.concatenate([pixels, np.ones((frames, NUM_KEYPOINTS, 1))], axis=2).astype(np.float32)


def reference_set(rows: int, rng: np.random.Generator) -> list[VideoKeypoints]:
    videos = max(2, round(rows / (FRAMES_PER_VIDEO * NUM_KEYPOINTS)))
    return [
        VideoKeypoints(f"v{i}", EXERCISE, np.arange(FRAMES_PER_VIDEO), squat_video(rng))
        for i in range(videos)
    ]


def main() -> None:
    exercise = load_catalogue()[EXERCISE]
    counter = RepCounter.load(REP_SEGMENTER)
    rng = np.random.default_rng(0)
    print("Index build time against reference keypoint rows (one exercise, both scorers)")
    print("| keypoint rows | reference frames | build seconds |")
    print("|---|---|---|")
    index = None
    for rows in ROW_COUNTS:
        references = reference_set(rows, rng)
        start = time.perf_counter()
        built = build_exercise_index(exercise, references, counter)
        seconds = time.perf_counter() - start
        frames = sum(len(r.keypoints) for r in references)
        print(f"| {frames * NUM_KEYPOINTS:,} | {frames:,} | {seconds:.2f} |")
        if rows == 100_000:
            index = built
    assert index is not None
    performance = np.concatenate(
        [squat_video(rng) for _ in range(SCORED_FRAMES // FRAMES_PER_VIDEO)]
    )
    print()
    print(f"Scoring speed against the 100k-row index ({SCORED_FRAMES} frames per call)")
    _speed_table(index.scorers, performance)
    shipped = load_index_dir(SHIPPED_INDEX, load_catalogue()).indexes[EXERCISE]
    print()
    print(
        f"Scoring speed against the shipped {EXERCISE} index ({SHIPPED_FRAMES} frames per "
        "call: a 30 s video at 10 frames/s; the view scorer films its 3D references from "
        f"{len(VIEWS)} views at its first call, the warm-up, and keeps them)"
    )
    _speed_table(shipped.scorers, performance[:SHIPPED_FRAMES])


def _speed_table(scorers: dict[str, Scorer], performance: np.ndarray) -> None:
    """Prints frames scored per second by each scorer, over about 3 s of calls each."""
    print("| scorer | frames/s | / paper |")
    print("|---|---|---|")
    baseline = None
    for name in ("paper", "pose", "view"):
        if name not in scorers:
            continue
        scorer = scorers[name]
        score_performance(scorer, performance[:10])  # warm-up
        start, calls = time.perf_counter(), 0
        while time.perf_counter() - start < 3.0:
            score_performance(scorer, performance)
            calls += 1
        rate = calls * len(performance) / (time.perf_counter() - start)
        baseline = baseline or rate
        print(f"| {name} | {rate:,.0f} | {rate / baseline:.2f} |")


if __name__ == "__main__":
    main()
