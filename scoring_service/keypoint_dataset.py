"""The keypoint dataset (the paper's step 1): the pose model's keypoints over reference videos.

`fitness index dataset --videos DIR` runs the pose model over every video of a UCF101-format
folder's split list, a few frames per second, and writes the paper's CSV format, one file per
exercise, one row per (video, frame, joint):

    video,frame,joint,x,y,confidence,nx,ny

x, y in frame pixels, confidence from the pose model, nx, ny the normalised coordinates of
`scoring_service.normalise` (empty where the frame's torso cannot be measured). `videos.json`
beside them records each video's exercise, size, frame rate and the gym's fault labels (when a
labels JSON sits beside the video), so an evaluation can tell clean performances from faulty
ones. By default only clean performances become reference data.
"""

from __future__ import annotations

import asyncio
import csv
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from action_service.dataset import performer_of, read_classes, read_split
from common.skeleton import KEYPOINT_NAMES, NUM_KEYPOINTS
from common.video import VideoReader
from pose_service.backends import PoseBackend
from pose_service.server import inside_frame
from pose_service.tracking import FindPeople, PersonTracker
from scoring_service.normalise import normalise

VIDEOS_FILE = "videos.json"
COLUMNS = ("video", "frame", "joint", "x", "y", "confidence", "nx", "ny")
BATCH = 16


@dataclass
class VideoKeypoints:
    """The pose model's keypoints over the sampled frames of one video.

    Attributes:
        video: Path under the set's root, for example "PushUps/v_PushUps_g01_c01.mp4".
        exercise: The exercise performed.
        frames: (F,) indices of the sampled frames.
        keypoints: (F, 17, 3) x, y in pixels and confidence.
        faults: The gym's fault labels (name to severity in [0, 1]); empty when clean.
    """

    video: str
    exercise: str
    frames: np.ndarray
    keypoints: np.ndarray
    width: int = 0
    height: int = 0
    fps: float = 0.0
    faults: dict[str, float] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not any(severity > 0 for severity in self.faults.values())

    @property
    def performer(self) -> str:
        """Who performed (`performer_of`)."""
        return performer_of(self.video, self.exercise)

    @property
    def timestamps(self) -> np.ndarray:
        """(F,) seconds of the sampled frames (30 fps assumed where the rate is unknown)."""
        return self.frames / (self.fps if self.fps > 0 else 30.0)


def sample_step(fps: float, sample_fps: float) -> int:
    """Keep every k-th frame of a `fps` video to sample about `sample_fps` frames a second."""
    return max(1, round(fps / sample_fps)) if fps > 0 and sample_fps > 0 else 1


async def estimate_video(
    backend: PoseBackend, path: Path, sample_fps: float, find_people: FindPeople | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[int, int, float]]:
    """Sampled frame indices (F,), keypoints (F, 17, 3) and (width, height, fps) of a video.

    The person is followed as the pose service does it (`PersonTracker`, looking for them
    among the people `find_people` detects where given).
    """
    tracker = PersonTracker(backend.estimate, find_people=find_people)
    indices, keypoints = [], []
    with VideoReader(path) as reader:
        step = sample_step(reader.info.fps, sample_fps)
        batch, batch_indices = [], []
        for frame in reader:
            if frame.index % step:
                continue
            batch.append(frame.image)
            batch_indices.append(frame.index)
            if len(batch) == BATCH:
                keypoints.extend(await _track(tracker, batch))
                indices.extend(batch_indices)
                batch, batch_indices = [], []
        if batch:
            keypoints.extend(await _track(tracker, batch))
            indices.extend(batch_indices)
        info = reader.info
    return (
        np.array(indices, np.int64),
        np.array(keypoints, np.float32).reshape(-1, NUM_KEYPOINTS, 3),
        (info.width, info.height, info.fps),
    )


async def _track(tracker: PersonTracker, frames: list[np.ndarray]) -> list[np.ndarray]:
    keypoints, _ = await tracker.track(frames)
    return [inside_frame(k, f) for k, f in zip(keypoints, frames, strict=True)]


def read_fault_labels(video_path: Path) -> dict[str, float]:
    """The gym's fault labels from the JSON beside a video ({} when there is none)."""
    labels = video_path.with_suffix(".json")
    if not labels.is_file():
        return {}
    return {name: float(v) for name, v in json.loads(labels.read_text())["faults"].items()}


def build_keypoint_dataset(
    backend: PoseBackend,
    videos: Path,
    *,
    list_name: str = "trainlist01.txt",
    sample_fps: float = 10.0,
    clean_only: bool = True,
    find_people: FindPeople | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[VideoKeypoints]:
    """Runs the pose model over the listed videos (the clean ones only, by default), looking
    for the person among the people `find_people` detects where given."""
    entries = read_split(videos, list_name, read_classes(videos))
    if not entries:
        raise ValueError(f"{videos / list_name} lists no video")
    classes = read_classes(videos)
    results = []
    for entry in entries:
        path = videos / entry.path
        faults = read_fault_labels(path)
        if clean_only and any(severity > 0 for severity in faults.values()):
            if progress:
                progress(1)
            continue
        frames, keypoints, (width, height, fps) = asyncio.run(
            estimate_video(backend, path, sample_fps, find_people)
        )
        results.append(
            VideoKeypoints(
                entry.path, classes[entry.label], frames, keypoints, width, height, fps, faults
            )
        )
        if progress:
            progress(1)
    return results


def write_keypoint_dataset(videos: list[VideoKeypoints], out: Path) -> None:
    """Writes `<exercise>.csv` files and `videos.json` under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    by_exercise: dict[str, list[VideoKeypoints]] = defaultdict(list)
    for video in videos:
        by_exercise[video.exercise].append(video)
    for exercise, group in by_exercise.items():
        with (out / f"{exercise}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for video in group:
                normalised = normalise(video.keypoints).points
                for row, frame in enumerate(video.frames):
                    for joint in range(NUM_KEYPOINTS):
                        x, y, confidence = video.keypoints[row, joint]
                        nx, ny = normalised[row, joint]
                        writer.writerow(
                            [
                                video.video,
                                int(frame),
                                KEYPOINT_NAMES[joint],
                                f"{x:.2f}",
                                f"{y:.2f}",
                                f"{confidence:.4f}",
                                "" if np.isnan(nx) else f"{nx:.4f}",
                                "" if np.isnan(ny) else f"{ny:.4f}",
                            ]
                        )
    facts = {
        video.video: {
            "exercise": video.exercise,
            "width": video.width,
            "height": video.height,
            "fps": video.fps,
            "faults": video.faults,
        }
        for video in videos
    }
    (out / VIDEOS_FILE).write_text(json.dumps(facts, indent=1))


def read_keypoint_dataset(folder: Path) -> list[VideoKeypoints]:
    """The videos of a dataset written by `write_keypoint_dataset`, in file order."""
    facts_path = folder / VIDEOS_FILE
    if not facts_path.is_file():
        raise FileNotFoundError(f"no {VIDEOS_FILE} in {folder}: not a keypoint dataset")
    facts = json.loads(facts_path.read_text())
    joint_index = {name: i for i, name in enumerate(KEYPOINT_NAMES)}
    rows: dict[str, dict[int, np.ndarray]] = defaultdict(dict)
    for exercise in sorted({fact["exercise"] for fact in facts.values()}):
        with (folder / f"{exercise}.csv").open(newline="") as handle:
            for row in csv.DictReader(handle):
                frames = rows[row["video"]]
                frame = int(row["frame"])
                if frame not in frames:
                    frames[frame] = np.zeros((NUM_KEYPOINTS, 3), np.float32)
                frames[frame][joint_index[row["joint"]]] = (
                    float(row["x"]),
                    float(row["y"]),
                    float(row["confidence"]),
                )
    videos = []
    for name, fact in facts.items():
        frames = rows.get(name, {})
        order = sorted(frames)
        keypoints = np.stack([frames[i] for i in order]) if order else np.zeros((0, 17, 3))
        videos.append(
            VideoKeypoints(
                name,
                fact["exercise"],
                np.array(order, np.int64),
                keypoints.astype(np.float32),
                fact["width"],
                fact["height"],
                fact["fps"],
                fact["faults"],
            )
        )
    return videos


# COCO visibility to a confidence: 2 visible, 1 labelled but hidden, 0 not labelled.
_VISIBILITY_CONFIDENCE = np.array([0.0, 0.5, 1.0], np.float32)


def labels_keypoints(video_path: Path, video: str, sample_fps: float = 10.0) -> VideoKeypoints:
    """The gym's exact keypoints of a video (from its labels JSON) in place of the pose
    model's: visible points get confidence 1, hidden ones 0.5."""
    labels = json.loads(video_path.with_suffix(".json").read_text())
    step = sample_step(labels["fps"], sample_fps)
    frames = [frame for frame in labels["frames"] if frame["index"] % step == 0]
    keypoints = np.array([frame["keypoints"] for frame in frames], np.float32)
    keypoints[..., 2] = _VISIBILITY_CONFIDENCE[keypoints[..., 2].astype(int)]
    return VideoKeypoints(
        video,
        labels["exercise"],
        np.array([frame["index"] for frame in frames], np.int64),
        keypoints,
        labels["width"],
        labels["height"],
        labels["fps"],
        {name: float(v) for name, v in labels["faults"].items()},
    )
