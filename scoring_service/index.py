"""Index directories: every exercise's scorers built from a keypoint dataset, saved, loaded and
reloaded while the service runs (the paper's step 4).

An index directory holds, per exercise, `<id>.centroids.faiss` (the paper's scorer),
`<id>.poses.faiss` (ours), `<id>.reps.npy` (the reference reps, `scoring_service.rep_scores`),
where 3D references were given `<id>.views.npy` (the view scorer, `scoring_service.views`),
and `<id>.json` (joints, calibrations, cluster facts), plus the rep segmenter that found the
reference reps and finds every scored performance's (`rep_segmenter.safetensors`) and one
`manifest.json`:

    {"version": 1, "created": "...", "source": "data/keypoints",
     "rep_segmenter": "<sha256>", "exercises": {
        "PushUps": {"joints": ["left_shoulder", ...], "clusters": {"left_shoulder": 3, ...},
                    "eps": {...}, "min_samples": {...}, "reference_videos": 18,
                    "reference_frames": 2710, "files": {"PushUps.json": "<sha256>", ...}}}}

The manifest is written last, so a reader never sees a half-written index; a file whose
checksum differs from the manifest's is reported broken, and only its exercise is unavailable.
`IndexStore` reloads the directory when the manifest changes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from common.skeleton import KEYPOINT_NAMES
from scoring_service.catalogue import ExerciseDefinition
from scoring_service.keypoint_dataset import VideoKeypoints
from scoring_service.normalise import normalise
from scoring_service.rep_scores import RepReferences
from scoring_service.reps import RepCounter
from scoring_service.scorers import CentroidScorer, PoseNeighbourScorer, Scorer
from scoring_service.views import ViewScorer
from scoring_service.world_poses import WorldPoses

logger = logging.getLogger(__name__)

SCORERS = {scorer.name: scorer for scorer in (CentroidScorer, PoseNeighbourScorer, ViewScorer)}
INDEX_VERSION = 1
MANIFEST = "manifest.json"
REP_SEGMENTER = "rep_segmenter.safetensors"


@dataclass
class ExerciseIndex:
    """An exercise's scorers, by name ("paper", "pose"), and its reference reps (None where
    the references have too few reps to score a rep by)."""

    exercise: ExerciseDefinition
    scorers: dict[str, Scorer]
    reps: RepReferences | None = None

    @property
    def views(self) -> ViewScorer | None:
        """The view scorer, whose 3D references the form cues are measured against."""
        scorer = self.scorers.get(ViewScorer.name)
        return scorer if isinstance(scorer, ViewScorer) else None


def build_exercise_index(
    exercise: ExerciseDefinition,
    videos: list[VideoKeypoints],
    counter: RepCounter,
    world: Sequence[WorldPoses] = (),
) -> ExerciseIndex:
    """The scorers of one exercise from its reference videos (the view scorer too where
    `world` holds 3D poses of its clean references), and its reference reps as `counter`
    finds them."""
    references = [normalise(video.keypoints) for video in videos if len(video.keypoints)]
    if not references:
        raise ValueError(f"no reference keypoints for {exercise.id}")
    joints = exercise.major_joints
    try:
        scorers: list[Scorer] = [
            CentroidScorer.build(joints, references),
            PoseNeighbourScorer.build(joints, references),
        ]
        if view_scorer := _view_scorer(exercise, world):
            scorers.append(view_scorer)
    except ValueError as error:
        raise ValueError(f"{exercise.id}: {error}") from error
    sequences = [(video.keypoints, video.timestamps) for video in videos if len(video.keypoints)]
    try:
        reps = RepReferences.build(joints, sequences, counter)
    except ValueError as error:
        logger.warning("%s: no rep scores: %s", exercise.id, error)
        reps = None
    return ExerciseIndex(exercise, {scorer.name: scorer for scorer in scorers}, reps)


def _view_scorer(exercise: ExerciseDefinition, world: Sequence[WorldPoses]) -> ViewScorer | None:
    """The view scorer of the exercise's clean 3D references in `world` (None without any)."""
    own = [video for video in world if video.exercise == exercise.id and video.clean]
    if not own:
        return None
    performers = {name: n for n, name in enumerate(dict.fromkeys(v.performer for v in own))}
    return ViewScorer.build(
        exercise.major_joints, [v.points for v in own], [performers[v.performer] for v in own]
    )


def add_view_scorers(
    folder: Path,
    catalogue: dict[str, ExerciseDefinition],
    world: Sequence[WorldPoses],
    progress: Callable[[str], None] | None = None,
) -> tuple[Path, list[str]]:
    """Adds (or replaces) the view scorer of every exercise of an index directory that has
    clean 3D references in `world`, keeping its other scorers and reps; returns the manifest's
    path and the exercises given one."""
    loaded = load_index_dir(folder, catalogue)
    if not loaded.indexes:
        reasons = "; ".join(sorted(set(loaded.unavailable.values())))
        raise ValueError(f"no usable index in {folder}: {reasons}")
    manifest = json.loads((folder / MANIFEST).read_text())
    changed = []
    for exercise_id, index in loaded.indexes.items():
        if view_scorer := _view_scorer(index.exercise, world):
            index.scorers[ViewScorer.name] = view_scorer
            changed.append(exercise_id)
        if progress:
            progress(exercise_id)
    if not changed:
        raise ValueError(f"no clean 3D reference of {sorted(loaded.indexes)} in the poses given")
    videos = {e: entry["reference_videos"] for e, entry in manifest["exercises"].items()}
    path = write_index_dir(
        [loaded.indexes[exercise_id] for exercise_id in changed],
        folder,
        source=manifest["source"],
        videos=videos,
        rep_segmenter=folder / REP_SEGMENTER,
    )
    return path, changed


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_index_dir(
    indexes: list[ExerciseIndex],
    out: Path,
    *,
    source: str,
    videos: dict[str, int],
    rep_segmenter: Path,
) -> Path:
    """Saves the indexes, a copy of the rep segmenter and then the manifest; returns the
    manifest's path.

    Args:
        indexes: The exercises' indexes.
        out: The index directory (created; files of the same exercises replaced).
        source: Where the reference keypoints came from, for the manifest.
        videos: Reference videos per exercise, for the manifest.
        rep_segmenter: The weights the indexes' reference reps were found with.
    """
    out.mkdir(parents=True, exist_ok=True)
    if rep_segmenter.resolve() != (out / REP_SEGMENTER).resolve():
        shutil.copyfile(rep_segmenter, out / REP_SEGMENTER)
    entries = {}
    for index in indexes:
        exercise = index.exercise
        prefix = out / exercise.id
        files, facts = [], {}
        for name, scorer in index.scorers.items():
            written, facts[name] = scorer.save(prefix)
            files += written
        if index.reps is not None:
            written, facts["reps"] = index.reps.save(prefix)
            files += written
        facts_path = prefix.with_suffix(".json")
        facts_path.write_text(json.dumps({"exercise": exercise.id, "scorers": facts}))
        files.append(facts_path)
        centroids = index.scorers[CentroidScorer.name]
        names = {joint: KEYPOINT_NAMES[joint] for joint in exercise.major_joints}
        entries[exercise.id] = {
            "joints": list(names.values()),
            "clusters": {names[j]: f["clusters"] for j, f in centroids.clusters.items()},
            "eps": {names[j]: f["eps"] for j, f in centroids.clusters.items()},
            "min_samples": {names[j]: f["min_samples"] for j, f in centroids.clusters.items()},
            "reference_videos": videos.get(exercise.id, 0),
            "reference_frames": index.scorers[PoseNeighbourScorer.name].references,
            "reference_reps": len(index.reps.reps) if index.reps is not None else 0,
            "files": {path.name: _sha256(path) for path in files},
        }
    manifest = {
        "version": INDEX_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source,
        "rep_segmenter": _sha256(out / REP_SEGMENTER),
        "exercises": {**_previous_entries(out), **entries},
    }
    path = out / MANIFEST
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(manifest, indent=1))
    os.replace(temporary, path)
    return path


def _previous_entries(folder: Path) -> dict:
    """The exercises of an existing manifest of this version, kept when others are rebuilt."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return manifest.get("exercises", {}) if manifest.get("version") == INDEX_VERSION else {}


def build_index_dir(
    videos: list[VideoKeypoints],
    catalogue: dict[str, ExerciseDefinition],
    out: Path,
    *,
    source: str,
    rep_segmenter: Path,
    world: Sequence[WorldPoses] = (),
    progress: Callable[[str], None] | None = None,
) -> tuple[Path, dict[str, str]]:
    """Builds and saves the index of every catalogued exercise with reference videos, their
    reps found by the `rep_segmenter` weights, and view scorers from the 3D poses in `world`.

    Returns:
        The manifest's path, and the exercises whose reference data could not make an index
        with the reason (the others are built regardless).
    """
    counter = RepCounter.load(rep_segmenter)
    indexes, counts, failed = [], {}, {}
    for exercise_id, exercise in catalogue.items():
        own = [video for video in videos if video.exercise == exercise_id]
        if own:
            try:
                indexes.append(build_exercise_index(exercise, own, counter, world))
                counts[exercise_id] = len(own)
            except ValueError as error:
                failed[exercise_id] = str(error)
                logger.warning("no index for %s", error)
        if progress:
            progress(exercise_id)
    if not indexes:
        reasons = "; ".join(failed.values()) or f"no reference video of {sorted(catalogue)}"
        raise ValueError(f"no index could be built: {reasons}")
    manifest = write_index_dir(
        indexes, out, source=source, videos=counts, rep_segmenter=rep_segmenter
    )
    return manifest, failed


@dataclass(frozen=True)
class LoadedIndexes:
    """What an index directory gave: usable indexes, and why the others are not."""

    indexes: dict[str, ExerciseIndex]
    unavailable: dict[str, str]


def load_index_dir(folder: Path, catalogue: dict[str, ExerciseDefinition]) -> LoadedIndexes:
    """Loads every catalogued exercise's index; one broken exercise leaves the others usable."""
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as error:
        reason = f"no readable {MANIFEST} in {folder}: {error}"
        return LoadedIndexes({}, {exercise_id: reason for exercise_id in catalogue})
    if manifest.get("version") != INDEX_VERSION:
        reason = f"{manifest_path} is version {manifest.get('version')}, not {INDEX_VERSION}"
        return LoadedIndexes({}, {exercise_id: reason for exercise_id in catalogue})
    counter = _load_counter(folder, manifest)
    indexes, unavailable = {}, {}
    for exercise_id, exercise in catalogue.items():
        entry = manifest["exercises"].get(exercise_id)
        if entry is None:
            unavailable[exercise_id] = f"no index built for {exercise_id} in {folder}"
            continue
        try:
            indexes[exercise_id] = _load_exercise(folder, exercise, entry, counter)
        except (OSError, ValueError, KeyError, RuntimeError) as error:
            unavailable[exercise_id] = f"index of {exercise_id} in {folder} is broken: {error}"
            logger.warning(unavailable[exercise_id])
    return LoadedIndexes(indexes, unavailable)


def _load_counter(folder: Path, manifest: dict) -> RepCounter | None:
    """The directory's rep segmenter; None (no reps are found or scored) where the manifest
    names none or the file is missing, altered or unreadable."""
    path = folder / REP_SEGMENTER
    try:
        if _sha256(path) != manifest["rep_segmenter"]:
            raise ValueError(f"{REP_SEGMENTER} does not match its checksum in {MANIFEST}")
        return RepCounter.load(path)
    except (OSError, ValueError, KeyError, RuntimeError) as error:
        logger.warning("no reps in %s: %s", folder, error)
        return None


def _load_exercise(
    folder: Path, exercise: ExerciseDefinition, entry: dict, counter: RepCounter | None
) -> ExerciseIndex:
    for name, checksum in entry["files"].items():
        if _sha256(folder / name) != checksum:
            raise ValueError(f"{name} does not match its checksum in {MANIFEST}")
    joints = tuple(KEYPOINT_NAMES.index(name) for name in entry["joints"])
    if joints != exercise.major_joints:
        raise ValueError("its joints differ from the catalogue's: rebuild it")
    prefix = folder / exercise.id
    facts = json.loads(prefix.with_suffix(".json").read_text())["scorers"]
    scorers: list[Scorer] = [
        SCORERS[name].load(prefix, joints, scorer_facts)
        for name, scorer_facts in facts.items()
        if name in SCORERS
    ]
    reps = (
        RepReferences.load(prefix, joints, facts["reps"], counter)
        if "reps" in facts and counter is not None
        else None
    )
    return ExerciseIndex(exercise, {scorer.name: scorer for scorer in scorers}, reps)


class IndexStore:
    """The service's current indexes, reloaded when the directory's manifest changes."""

    def __init__(self, folder: Path, catalogue: dict[str, ExerciseDefinition]) -> None:
        self.folder = folder
        self.catalogue = catalogue
        self._signature: tuple[int, int] | None = None
        self._loaded = False
        self.current = LoadedIndexes({}, {})
        self.refresh()

    def _manifest_signature(self) -> tuple[int, int] | None:
        try:
            stat = (self.folder / MANIFEST).stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def refresh(self) -> bool:
        """Reloads when the manifest changed since the last load; returns whether it did."""
        signature = self._manifest_signature()
        if self._loaded and signature == self._signature:
            return False
        self.current = load_index_dir(self.folder, self.catalogue)
        self._signature, self._loaded = signature, True
        logger.info(
            "loaded indexes from %s: %s; unavailable: %s",
            self.folder,
            sorted(self.current.indexes) or "none",
            sorted(self.current.unavailable) or "none",
        )
        return True

    async def watch(self, interval_seconds: float) -> None:
        """Checks the manifest every `interval_seconds` until cancelled."""
        while True:
            await asyncio.sleep(interval_seconds)
            await asyncio.to_thread(self.refresh)
