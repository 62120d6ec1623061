"""3D reference poses: the COCO keypoints of reference performances in the world, from which
the view scorer (`scoring_service.views`) films its references from any side.

Glossary of shapes:
    - frame number: F
    - keypoint number: K (17)

The frame is the gym's: metres, z up, the performer facing -y at the start, their left +x.
Motion capture in that frame reads the same. A set is one `.npz` file: `videos` (a JSON
list of each video's name, exercise and faults) and `points_<n>` (F, K, 3) for the n-th
video, sampled at about 10 frames a second as the keypoint datasets are.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from action_service.dataset import performer_of
from common.skeleton import NUM_KEYPOINTS
from scoring_service.keypoint_dataset import sample_step


@dataclass(frozen=True)
class WorldPoses:
    """One reference video's 3D keypoints (F, K, 3) and its fault labels (empty: clean)."""

    video: str
    exercise: str
    points: np.ndarray
    faults: dict[str, float] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not any(severity > 0 for severity in self.faults.values())

    @property
    def performer(self) -> str:
        """Who performed (`performer_of`)."""
        return performer_of(self.video, self.exercise)


def write_world_poses(videos: Sequence[WorldPoses], path: Path) -> None:
    """Writes a set of 3D poses to one `.npz` file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    facts = [{"video": v.video, "exercise": v.exercise, "faults": v.faults} for v in videos]
    arrays = {f"points_{n}": v.points.astype(np.float32) for n, v in enumerate(videos)}
    np.savez_compressed(path, videos=np.array(json.dumps(facts)), **arrays)


def read_world_poses(path: Path) -> list[WorldPoses]:
    """Reads a set written by `write_world_poses`."""
    try:
        with np.load(path) as data:
            facts = json.loads(str(data["videos"]))
            videos = [
                WorldPoses(fact["video"], fact["exercise"], data[f"points_{n}"], fact["faults"])
                for n, fact in enumerate(facts)
            ]
    except (OSError, ValueError, KeyError) as error:
        raise ValueError(f"{path} is not a set of 3D reference poses: {error}") from None
    for video in videos:
        if video.points.ndim != 3 or video.points.shape[1:] != (NUM_KEYPOINTS, 3):
            raise ValueError(f"{path}: {video.video} has poses of shape {video.points.shape}")
    return videos


def gym_world_poses(
    entries: Sequence, sample_fps: float = 10.0, progress: Callable[[int], None] | None = None
) -> list[WorldPoses]:
    """The 3D keypoints of planned gym videos (`synth.dataset.VideoEntry`), their motions made
    again from their seeds without rendering, on every core (fresh worker processes: a fork
    of a process running FAISS, torch or gRPC threads can deadlock)."""
    specs = [entry.spec for entry in entries]
    with ProcessPoolExecutor(mp_context=multiprocessing.get_context("spawn")) as pool:
        results = []
        made = pool.map(_performance_poses, specs, [sample_fps] * len(specs))
        for entry, (points, faults) in zip(entries, made, strict=True):
            results.append(WorldPoses(entry.relative_path, entry.exercise, points, faults))
            if progress:
                progress(1)
    return results


def _performance_poses(spec, sample_fps: float) -> tuple[np.ndarray, dict[str, float]]:
    """A clip's sampled 3D keypoints and its faults (a worker's job)."""
    from synth.clip import Clip

    performance = Clip.build(spec).performance
    step = sample_step(spec.fps, sample_fps)
    points = performance.body.keypoints[::step, :NUM_KEYPOINTS].astype(np.float32)
    return points, {name: float(v) for name, v in performance.faults.items()}
