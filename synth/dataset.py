"""Writing gym data sets in the real formats: UCF101 videos and COCO person keypoints.

UCF101 layout (`fitness synth videos`): `ClassName/v_ClassName_gGG_cCC.mp4`, with a labels
JSON beside each video, and `classInd.txt`, `trainlist01.txt`, `testlist01.txt` in
UCF101's own syntax. As in UCF101, a group (gGG) is one performer, and split 1 holds out
groups 1 to 7: here those groups are also rendered with held-out ranges (bodies, clothes,
viewpoints beyond the training ones), from seeds no training clip uses.

COCO layout (`fitness synth poses`): `train/` and `val/` JPEG images and
`annotations/person_keypoints_{train,val}.json`, exactly COCO's keypoint schema (one
annotation per image: the performer).
"""

from __future__ import annotations

import json
import logging
import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from common.skeleton import KEYPOINT_NAMES, LIMBS
from common.video import VideoWriter
from synth.clip import Clip, ClipSpec, frame_label_json
from synth.exercises import EXERCISES, FAULTS, MOVEMENTS
from synth.render import Renderer

logger = logging.getLogger(__name__)

HELD_OUT_GROUPS = range(1, 8)  # UCF101 split 1 tests on groups 1 to 7
FAULT_SET_STREAM = 1  # seeds fault sets apart from every other set
FAULT_SEVERITIES = (0.5, 1.0)  # of a fault set's faulty clips: the cues' evaluation counts 0.5 up
Progress = Callable[[int], None]


def clip_seed(
    root_seed: int, exercise: str, group: int, clip: int, *, fault_set: bool = False
) -> int:
    """A seed unique to (root seed, exercise, group, clip); groups never share seeds, and a
    fault set's seeds are its own."""
    entropy = [root_seed, MOVEMENTS.index(exercise), group, clip]
    if fault_set:
        entropy.append(FAULT_SET_STREAM)
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def performer_seed(root_seed: int, exercise: str, group: int, *, fault_set: bool = False) -> int:
    """The seed of a group's performer, shared by the group's clips."""
    return clip_seed(root_seed, exercise, group, 0, fault_set=fault_set)


@dataclass(frozen=True)
class VideoEntry:
    """One planned video of the UCF101-style set."""

    exercise: str
    group: int
    clip: int
    spec: ClipSpec

    @property
    def tested(self) -> bool:
        """Whether the video is in the test list: held out, or of an appearance-shift set."""
        return self.spec.held_out or self.spec.appearance_shift

    @property
    def relative_path(self) -> str:
        name = f"v_{self.exercise}_g{self.group:02d}_c{self.clip:02d}"
        return f"{self.exercise}/{name}.mp4"


def plan_videos(
    *,
    groups: int,
    clips_per_group: int,
    root_seed: int = 0,
    short_side: int = 240,
    exercises: tuple[str, ...] = EXERCISES,
    reps: int | None = None,
    first_group: int = 1,
    appearance_shift: bool = False,
) -> list[VideoEntry]:
    """Every video of a set: `groups` performers per movement from group `first_group` on,
    `clips_per_group` each, with `reps` repetitions (None: random).

    Groups 1 to 7 (fewer when `groups` is small: about a quarter) are held out and form the
    test list; so do all clips of an `appearance_shift` set, whose rooms and people look
    unlike training while their motion and cameras stay in the training ranges. Groups past
    the first set's make fresh performers, for validation or shifted sets.
    """
    held_out = set(HELD_OUT_GROUPS) if groups >= 25 else set(range(1, max(1, groups // 4) + 1))
    entries = []
    for exercise in exercises:
        for group in range(first_group, first_group + groups):
            for clip in range(1, clips_per_group + 1):
                spec = ClipSpec.sample(
                    exercise,
                    clip_seed(root_seed, exercise, group, clip),
                    short_side=short_side,
                    held_out=group in held_out and not appearance_shift,
                    reps=reps,
                )
                spec = replace(
                    spec,
                    performer_seed=performer_seed(root_seed, exercise, group),
                    appearance_shift=appearance_shift,
                )
                entries.append(VideoEntry(exercise, group, clip, spec))
    return entries


def plan_fault_videos(
    *,
    groups: int,
    root_seed: int = 0,
    short_side: int = 240,
    exercises: tuple[str, ...] = EXERCISES,
    first_group: int = 1,
    azimuths: dict[str, tuple[float, float]] | None = None,
) -> list[VideoEntry]:
    """A test set for the form cues: `groups` held-out performers per exercise from group
    `first_group` on, each filmed once clean (clip 1) and once with each of the exercise's
    faults alone (clips 2 on, in `FAULTS` order) at a severity from `FAULT_SEVERITIES`.

    Every clip is in the test list, drawn from held-out ranges (bodies, tempos, views) with
    seeds no other set uses; a performer's clips share their build and clothes, so each fault
    is measured against the same people clean. `azimuths` gives exercises a range of degrees
    from the performer's front to film every clip from, on either side (drawn per clip);
    everything else about a clip stays as without it.
    """
    entries = []
    for exercise in exercises:
        for group in range(first_group, first_group + groups):
            for clip, fault in enumerate((None, *FAULTS.get(exercise, ())), start=1):
                seed = clip_seed(root_seed, exercise, group, clip, fault_set=True)
                rng = np.random.default_rng([seed, 6])
                severity = float(rng.uniform(*FAULT_SEVERITIES))
                faults = {} if fault is None else {fault: severity}
                spec = ClipSpec.sample(
                    exercise, seed, short_side=short_side, held_out=True, faults=faults
                )
                performer = performer_seed(root_seed, exercise, group, fault_set=True)
                spec = replace(spec, performer_seed=performer)
                if azimuths and exercise in azimuths:
                    spec = replace(spec, azimuth_degrees=_azimuth_within(seed, azimuths[exercise]))
                entries.append(VideoEntry(exercise, group, clip, spec))
    return entries


def _azimuth_within(seed: int, degrees: tuple[float, float]) -> float:
    """An azimuth drawn from a range of `degrees` from the performer's front, on either side."""
    rng = np.random.default_rng([seed, 7])
    return float(rng.choice((-1.0, 1.0)) * rng.uniform(*degrees))


class RendererPool:
    """One renderer per frame size, reused across clips."""

    def __init__(self) -> None:
        self._renderers: dict[tuple[int, int], Renderer] = {}

    def get(self, width: int, height: int) -> Renderer:
        key = (width, height)
        if key not in self._renderers:
            self._renderers[key] = Renderer(width, height)
        return self._renderers[key]


def write_clip_video(clip: Clip, path: Path, renderer: Renderer) -> dict:
    """Renders a clip to `path` (mp4) and its labels JSON beside it; returns the labels."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = []
    with VideoWriter(
        path,
        fps=clip.spec.fps,
        width=clip.spec.width,
        height=clip.spec.height,
        quality=clip.scene.quality,
    ) as writer:
        for index, image, label in clip.frames(renderer):
            writer.write(image)
            frames.append(frame_label_json(label, index))
    labels = {**clip.metadata(), "video": path.name, "frames": frames}
    path.with_suffix(".json").write_text(json.dumps(labels, separators=(",", ":")))
    return labels


def render_clip(
    exercise: str,
    out: Path,
    *,
    seed: int = 0,
    reps: int | None = 3,
    faults: dict[str, float] | None = None,
    size: tuple[int, int] = (480, 360),
    fps: float = 30.0,
) -> dict:
    """Renders one clip of `exercise` (clean, or with the given fault severities) to `out`
    with its labels JSON beside it; returns the labels."""
    spec = ClipSpec(exercise, seed, size[0], size[1], fps, reps=reps, faults=faults or {})
    return write_clip_video(Clip.build(spec), out, Renderer(spec.width, spec.height))


def write_videos(
    out: Path, entries: list[VideoEntry], *, workers: int = 1, progress: Progress | None = None
) -> None:
    """Writes the planned videos, their labels and the UCF101 split lists under `out`.

    With `workers` > 1 the videos render in that many spawned processes (one GL context each);
    every video depends only on its own spec, so the set is the same whatever the order.
    """
    jobs = [(entry.spec, out / entry.relative_path) for entry in entries]
    if workers <= 1:
        for job in jobs:
            _render_video(job)
            if progress:
                progress(1)
    else:
        context = multiprocessing.get_context("spawn")
        with context.Pool(workers) as pool:
            for _ in pool.imap_unordered(_render_video, jobs):
                if progress:
                    progress(1)
    write_split_lists(out, entries)


_POOL = RendererPool()


def _render_video(job: tuple[ClipSpec, Path]) -> None:
    spec, path = job
    write_clip_video(Clip.build(spec), path, _POOL.get(spec.width, spec.height))


def write_split_lists(out: Path, entries: list[VideoEntry]) -> None:
    """`classInd.txt`, `trainlist01.txt` and `testlist01.txt` as UCF101 writes them."""
    out.mkdir(parents=True, exist_ok=True)
    classes = sorted({e.exercise for e in entries})
    index = {name: i + 1 for i, name in enumerate(classes)}
    (out / "classInd.txt").write_text("".join(f"{index[c]} {c}\n" for c in classes))
    train = [e for e in entries if not e.tested]
    test = [e for e in entries if e.tested]
    (out / "trainlist01.txt").write_text(
        "".join(f"{e.relative_path} {index[e.exercise]}\n" for e in train)
    )
    (out / "testlist01.txt").write_text("".join(f"{e.relative_path}\n" for e in test))


def coco_categories() -> list[dict]:
    """COCO's person category with its keypoint names and 1-based skeleton."""
    return [
        {
            "id": 1,
            "name": "person",
            "supercategory": "person",
            "keypoints": list(KEYPOINT_NAMES),
            "skeleton": [[a + 1, b + 1] for a, b in LIMBS],
        }
    ]


def _sampled_frames(
    specs: Iterator[ClipSpec], frames_per_clip: int, pool: RendererPool
) -> Iterator[tuple[ClipSpec, int, np.ndarray, dict]]:
    for spec in specs:
        clip = Clip.build(spec)
        rng = np.random.default_rng([spec.seed, 4])
        wanted = set(
            rng.choice(
                clip.frame_count, min(frames_per_clip, clip.frame_count), replace=False
            ).tolist()
        )
        renderer = pool.get(spec.width, spec.height)
        for index, image, label in clip.frames(renderer, only=wanted):
            yield spec, index, image, frame_label_json(label, index)


def write_poses(
    out: Path,
    *,
    images: int,
    val_fraction: float = 0.2,
    frames_per_clip: int = 4,
    root_seed: int = 0,
    short_side: int = 240,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Writes a COCO person-keypoints set of about `images` images; returns the counts."""
    pool = RendererPool()
    counts = {}
    for split, share, held_out in (("train", 1 - val_fraction, False), ("val", val_fraction, True)):
        wanted = max(1, round(images * share))
        offset = 0 if split == "train" else 1_000_000  # disjoint seeds for the held-out split

        def specs(offset: int = offset, held_out: bool = held_out) -> Iterator[ClipSpec]:
            for n in range(10**6):
                exercise = EXERCISES[n % len(EXERCISES)]
                seed = clip_seed(root_seed, exercise, offset + n, 0)
                yield ClipSpec.sample(
                    exercise, seed, short_side=short_side, held_out=held_out, reps=1
                )

        image_dir = out / split
        image_dir.mkdir(parents=True, exist_ok=True)
        records, annotations = [], []
        for spec, index, image, label in _sampled_frames(specs(), frames_per_clip, pool):
            image_id = len(records) + 1
            name = f"{image_id:012d}.jpg"
            quality = int(np.random.default_rng([spec.seed, index]).integers(60, 96))
            cv2.imwrite(
                str(image_dir / name),
                cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                [cv2.IMWRITE_JPEG_QUALITY, quality],
            )
            records.append(
                {"id": image_id, "file_name": name, "width": spec.width, "height": spec.height}
            )
            annotations.append(_coco_annotation(label, image_id))
            if progress:
                progress(1)
            if len(records) >= wanted:
                break
        dataset = {
            "info": {"description": "Smart Fitness Trainer synthetic gym", "version": "1.0"},
            "licenses": [],
            "images": records,
            "annotations": annotations,
            "categories": coco_categories(),
        }
        (out / "annotations").mkdir(parents=True, exist_ok=True)
        (out / "annotations" / f"person_keypoints_{split}.json").write_text(json.dumps(dataset))
        counts[split] = len(records)
    return counts


def _coco_annotation(label: dict, image_id: int) -> dict:
    flat: list[float] = []
    for x, y, v in label["keypoints"]:
        flat += [x, y, v] if v > 0 else [0, 0, 0]
    return {
        "id": image_id,
        "image_id": image_id,
        "category_id": 1,
        "iscrowd": 0,
        "keypoints": flat,
        "num_keypoints": sum(1 for _, _, v in label["keypoints"] if v > 0),
        "bbox": label["box"],
        "area": label["area"],
    }
