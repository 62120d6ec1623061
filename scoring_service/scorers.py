"""Scoring a performance joint by joint against an exercise's reference data.

Glossary of shapes:
    - frame number: F
    - keypoint number: K (17)
    - major joint number: J (the exercise's, `exercises.json`)
    - centroid number: C

Two algorithms, each built from reference performances and kept in FAISS:

- "paper" (`CentroidScorer`, the paper's section 3.D): DBSCAN centroids of each major joint's
  normalised positions. A joint's distance in a frame is the distance from its normalised
  position to the nearest centroid of that joint. One FAISS index holds every joint's
  centroids as joint-tagged vectors (x, y, then 100 x the one-hot joint), so the nearest
  vector is always one of the same joint.
- "pose" (`PoseNeighbourScorer`, ours): every reference frame's whole pose (the major joints
  together, and its mirror image, so a performer facing the other way matches too) in one
  FAISS index. A frame's nearest reference pose is found with all joints at once, and each
  joint's distance is its distance in that matched pose: a knee is judged by where knees are
  when the rest of the body is where it is, not by where knees go in any frame.

A distance becomes a score in [0, 100] by a per-joint calibration from the reference data
itself (`Calibration`): 100 up to the median held-out reference distance, falling linearly to
0 at `ZERO_AT` times its 95th percentile. Held out, because a reference point is close to the
centroids and frames it helped to make: for the paper's scorer, each half of the reference
videos is measured against centroids clustered from the other half; for ours, each reference
frame against the nearest frame of another video. So the distances say how far a new clean
performance lies from the references. `ZERO_AT` = 0.6 was chosen on a two-fold split of the
gym's training performers (never the test list): the largest factor at which performances of
other exercises average under 25, the paper's invalid level.

The running score of a joint at a frame is the mean of its scores up to that frame (the
paper's running average); a joint's score is its running score at the last frame and the
overall score the mean of the joints'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Self

import faiss
import numpy as np

from common.skeleton import FLIP_INDEX, KEYPOINT_NAMES, NUM_KEYPOINTS
from scoring_service.clustering import Clusters, cluster_joint
from scoring_service.normalise import NormalisedPoses, normalise

ZERO_AT = 0.6  # see the module docstring
TAG = 100.0  # far beyond any normalised distance (poses fit within 3 torso lengths)
_NEIGHBOURS = 64  # candidates searched to find the nearest frame of another video


@dataclass(frozen=True)
class Calibration:
    """Per-joint distances (J,) that score 100 (`full`) and 0 (`zero`)."""

    full: np.ndarray
    zero: np.ndarray

    @classmethod
    def from_reference(cls, distances: list[np.ndarray], zero_at: float = ZERO_AT) -> Calibration:
        """From each joint's reference distances; a score is 0 from `zero_at` times their 95th
        percentile."""
        full = np.array([np.quantile(d, 0.5) if len(d) else 0.0 for d in distances])
        high = np.array([np.quantile(d, 0.95) if len(d) else 1.0 for d in distances])
        zero = np.maximum(zero_at * high, full + 1e-3)
        return cls(full.astype(np.float32), zero.astype(np.float32))

    def scores(self, distances: np.ndarray) -> np.ndarray:
        """Scores (F, J) in [0, 100] of distances (F, J)."""
        return 100.0 * np.clip((self.zero - distances) / (self.zero - self.full), 0.0, 1.0)

    def to_json(self) -> dict:
        return {"full": self.full.tolist(), "zero": self.zero.tolist()}

    @classmethod
    def from_json(cls, data: dict) -> Calibration:
        return cls(np.array(data["full"], np.float32), np.array(data["zero"], np.float32))


class Scorer(Protocol):
    """Scores of a performance's major joints against an exercise's reference data."""

    name: str
    joints: tuple[int, ...]

    def scores(self, points: np.ndarray) -> np.ndarray:
        """Scores (F, J) in [0, 100] of framed normalised poses (F, K, 2)."""
        ...

    def save(self, prefix: Path) -> tuple[list[Path], dict]:
        """Writes the scorer's files next to `prefix`; returns them and JSON facts."""
        ...


def _tagged(points: np.ndarray, joint: int) -> np.ndarray:
    """Joint-tagged vectors (N, 2 + K) of one joint's positions (N, 2)."""
    tags = np.zeros((len(points), NUM_KEYPOINTS), np.float32)
    tags[:, joint] = TAG
    return np.hstack([points.astype(np.float32), tags])


class _CalibratedDistances:
    """A scorer whose distances become scores by one calibration."""

    calibration: Calibration

    def distances(self, points: np.ndarray) -> np.ndarray:
        """Distances (F, J) of framed normalised poses (F, K, 2)."""
        raise NotImplementedError

    def scores(self, points: np.ndarray) -> np.ndarray:
        return self.calibration.scores(self.distances(points))


def nearest(index: faiss.Index, vectors: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distances (N, k) and ids (N, k) of the nearest indexed vectors."""
    squared, ids = index.search(np.ascontiguousarray(vectors, np.float32), k)
    return np.sqrt(np.maximum(squared, 0.0)), ids


def _nearest_centroid(index: faiss.Index, points: np.ndarray, joint: int) -> np.ndarray:
    """Distances (N,) of one joint's positions (N, 2) to that joint's nearest centroid."""
    distances, _ = nearest(index, _tagged(points, joint))
    return distances[:, 0]


def _held_out_distances(per_video: list[np.ndarray]) -> np.ndarray:
    """Distances of one joint's reference points (per video) to the centroids clustered from
    the other half of the videos, both ways (a single video is halved in time): how far a
    new clean performance lies from centroids it did not help to make."""
    if len(per_video) == 1:
        only = per_video[0]
        per_video = [only[: len(only) // 2], only[len(only) // 2 :]]
    halves = [np.concatenate(per_video[0::2]), np.concatenate(per_video[1::2])]
    distances = [np.zeros(0)]
    for own, other in (halves, halves[::-1]):
        if len(own) and len(other) >= 2:
            centroids = cluster_joint(other).centroids
            distances.append(np.linalg.norm(own[:, None] - centroids[None], axis=2).min(axis=1))
    return np.concatenate(distances)


@dataclass
class CentroidScorer(_CalibratedDistances):
    """The paper's scorer: nearest DBSCAN centroid of each major joint."""

    joints: tuple[int, ...]
    index: faiss.Index
    centroid_joints: np.ndarray  # (C,) the joint of each indexed centroid
    calibration: Calibration
    clusters: dict[int, dict]  # joint -> facts (count, eps, min_samples, noise)
    name = "paper"

    @classmethod
    def build(cls, joints: tuple[int, ...], references: list[NormalisedPoses]) -> Self:
        """Clusters each joint's clean reference points and indexes the centroids."""
        index = faiss.IndexFlatL2(2 + NUM_KEYPOINTS)
        centroid_joints, facts, reference_distances = [], {}, []
        for joint in joints:
            per_video = [r.points[r.clean[:, joint], joint] for r in references]
            points = np.concatenate(per_video)
            if len(points) < 2:
                raise ValueError(
                    f"the {KEYPOINT_NAMES[joint].replace('_', ' ')} is clearly seen in "
                    f"{len(points)} reference frames; at least 2 are needed"
                )
            clusters: Clusters = cluster_joint(points)
            index.add(_tagged(clusters.centroids, joint))
            centroid_joints += [joint] * len(clusters.centroids)
            facts[joint] = {
                "clusters": len(clusters.centroids),
                "eps": round(clusters.eps, 5),
                "min_samples": clusters.min_samples,
                "noise_fraction": round(clusters.noise_fraction, 4),
                "points": len(points),
            }
            reference_distances.append(_held_out_distances(per_video))
        calibration = Calibration.from_reference(reference_distances)
        return cls(joints, index, np.array(centroid_joints), calibration, facts)

    def distances(self, points: np.ndarray) -> np.ndarray:
        columns = [_nearest_centroid(self.index, points[:, joint], joint) for joint in self.joints]
        return np.stack(columns, axis=1)

    def save(self, prefix: Path) -> tuple[list[Path], dict]:
        path = prefix.with_name(f"{prefix.name}.centroids.faiss")
        faiss.write_index(self.index, str(path))
        facts = {
            "centroid_joints": self.centroid_joints.tolist(),
            "calibration": self.calibration.to_json(),
            "clusters": {str(joint): fact for joint, fact in self.clusters.items()},
        }
        return [path], facts

    @classmethod
    def load(cls, prefix: Path, joints: tuple[int, ...], facts: dict) -> Self:
        index = faiss.read_index(str(prefix.with_name(f"{prefix.name}.centroids.faiss")))
        clusters = {int(joint): fact for joint, fact in facts["clusters"].items()}
        centroid_joints = np.array(facts["centroid_joints"])
        calibration = Calibration.from_json(facts["calibration"])
        return cls(joints, index, centroid_joints, calibration, clusters)


def pose_vectors(points: np.ndarray, joints: tuple[int, ...]) -> np.ndarray:
    """Whole-pose vectors (F, 2 J) of normalised poses (F, K, 2): the major joints' x, y."""
    return points[:, list(joints)].reshape(len(points), 2 * len(joints)).astype(np.float32)


def mirrored(points: np.ndarray) -> np.ndarray:
    """Normalised poses (F, K, 2) as a mirror would show them: x negated, left and right
    swapped."""
    flipped = points[:, list(FLIP_INDEX)].copy()
    flipped[..., 0] *= -1
    return flipped


def joint_gaps(queries: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """Per-joint distances (N, J) between pose vectors (N, 2 J)."""
    gaps = (queries - matched).reshape(len(queries), queries.shape[1] // 2, 2)
    return np.linalg.norm(gaps, axis=2)


def leave_one_out(
    index: faiss.Index,
    vectors: np.ndarray,
    owners: np.ndarray,
    queries: np.ndarray | None = None,
) -> np.ndarray:
    """Per-joint distances (N, J) of each indexed reference frame (or its stand-in in
    `queries`, such as the frame with keypoint noise added) to the nearest frame of another
    owner (video or performer); a frame with no other owner gets its own distance."""
    queries = vectors if queries is None else queries
    matched = np.arange(len(vectors))
    pending = matched.copy()
    k = min(_NEIGHBOURS, index.ntotal)
    while len(pending):
        _, ids = nearest(index, queries[pending], k)
        other = owners[ids] != owners[pending, None]
        found = other.any(axis=1)
        matched[pending[found]] = ids[found, np.argmax(other[found], axis=1)]
        if k == index.ntotal:
            break
        pending, k = pending[~found], index.ntotal  # rare: search them exhaustively
    return joint_gaps(queries, index.reconstruct_batch(matched))


def indexed_poses(
    joints: tuple[int, ...],
    references: list[NormalisedPoses],
    performers: Sequence[int] | None = None,
) -> tuple[faiss.Index, np.ndarray, np.ndarray]:
    """Every reference frame whose major joints are all clean, and its mirror image, as
    whole-pose vectors (N, 2 J) in a FAISS index; returns the index, the vectors and who
    (N,) each came from: the video's performer in `performers`, else the video (where all
    come from one, each video's two halves stand in for two)."""
    owners_of = list(range(len(references))) if performers is None else list(performers)
    single = len(set(owners_of)) == 1
    vectors, videos = [], []
    for reference, performer in zip(references, owners_of, strict=True):
        usable = reference.clean[:, list(joints)].all(axis=1)
        owner = np.full(int(usable.sum()), performer)
        if single:  # nothing to leave out: halves stand in for performers
            owner = (np.arange(len(owner)) >= len(owner) / 2).astype(int)
        for points in (reference.points[usable], mirrored(reference.points[usable])):
            vectors.append(pose_vectors(points, joints))
            videos.append(owner)
    stacked, owners = np.concatenate(vectors), np.concatenate(videos)
    if len(stacked) == 0:
        raise ValueError("no reference frame shows every major joint clearly")
    index = faiss.IndexFlatL2(stacked.shape[1])
    index.add(stacked)
    return index, stacked, owners


@dataclass
class PoseNeighbourScorer(_CalibratedDistances):
    """Ours: the nearest whole reference pose, then each joint's distance within it."""

    joints: tuple[int, ...]
    index: faiss.Index
    calibration: Calibration
    references: int  # reference frames (before mirroring)
    name = "pose"

    @classmethod
    def build(cls, joints: tuple[int, ...], references: list[NormalisedPoses]) -> Self:
        """Indexes every reference frame whose major joints are all clean, and its mirror."""
        index, vectors, owners = indexed_poses(joints, references)
        calibration = Calibration.from_reference(list(leave_one_out(index, vectors, owners).T))
        return cls(joints, index, calibration, len(vectors) // 2)

    def distances(self, points: np.ndarray) -> np.ndarray:
        queries = pose_vectors(points, self.joints)
        _, ids = nearest(self.index, queries)
        return joint_gaps(queries, self.index.reconstruct_batch(ids[:, 0]))

    def save(self, prefix: Path) -> tuple[list[Path], dict]:
        path = prefix.with_name(f"{prefix.name}.poses.faiss")
        faiss.write_index(self.index, str(path))
        return [path], {"calibration": self.calibration.to_json(), "references": self.references}

    @classmethod
    def load(cls, prefix: Path, joints: tuple[int, ...], facts: dict) -> Self:
        index = faiss.read_index(str(prefix.with_name(f"{prefix.name}.poses.faiss")))
        return cls(joints, index, Calibration.from_json(facts["calibration"]), facts["references"])


@dataclass(frozen=True)
class PerformanceScore:
    """The scores of one performance.

    Attributes:
        frames: (F,) positions of the scored frames in the input (frames whose torso could not
            be measured are skipped).
        frame_scores: (F, J) each major joint's score in each scored frame.
        running: (F, J) each joint's running score (mean of its scores so far).
        joint_scores: (J,) each joint's score (its running score at the last frame).
        overall: The mean of the joint scores.
    """

    frames: np.ndarray
    frame_scores: np.ndarray
    running: np.ndarray
    joint_scores: np.ndarray
    overall: float


def score_performance(scorer: Scorer, keypoints: np.ndarray) -> PerformanceScore:
    """Scores poses (F, K, 3) (pixels and confidence) against the scorer's reference data.

    Every point of a framed pose is scored whatever its confidence: the pose model's best
    guess is what the performer is shown doing.
    """
    normalised = normalise(keypoints, min_confidence=0.0)
    frames = np.flatnonzero(normalised.framed)
    if len(frames) == 0:
        empty = np.zeros((0, len(scorer.joints)), np.float32)
        return PerformanceScore(frames, empty, empty, np.zeros(len(scorer.joints)), 0.0)
    scores = scorer.scores(normalised.points[frames])
    running = np.cumsum(scores, axis=0) / np.arange(1, len(scores) + 1)[:, None]
    joint_scores = running[-1]
    return PerformanceScore(frames, scores, running, joint_scores, float(joint_scores.mean()))
