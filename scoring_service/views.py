"""View-matched scoring ("view"): reference performances kept in 3D and filmed again from the
viewpoint of the performance being scored.

Glossary of shapes:
    - frame number: F
    - keypoint number: K (17)
    - major joint number: J
    - view number: V (`VIEWS`)

A 2D pose changes with the side it is filmed from, so a scorer that compares 2D poses with
references filmed wherever their cameras stood scores one performance differently from each
side. Here the references are 3D COCO keypoints (metres, z up, the performer facing -y at the
start: the gym's labels, or motion capture in the same frame), and every candidate view
(`VIEWS`: azimuths 0 to 180 degrees every 15, 0 the performer's front and 90 their left, at
elevations 0 to 45 degrees) films them again (`film_around`): each reference video by a
camera within half a step of the view, leaning a few degrees and 2.5 to 5 metres away, as
phones stand.

The view whose filmed references lie nearest to a sample of the performance's poses is taken
as the performance's view. Its frames are then scored as the "pose" scorer scores them (the
nearest whole reference pose and its mirror image, each joint's distance within it), with that
view's own calibration: each reference performer's frames against the other performers',
filmed from around the same view and with the pose model's error (`KEYPOINT_NOISE`) added
to their keypoints, 100 at the median distance and 0 at `ZERO_AT` times the 95th
percentile. A joint that moves as the references do scores alike whichever side the
camera stands.

Azimuths past 180 degrees show the mirror images of those below: the mirrored references
match them. Each view's FAISS index is made the first time a performance is matched to a
view and kept (9 to 28 MB an exercise, once all the views are made: the first
performance of an exercise takes about two seconds longer).

The form cues (`scoring_service.cues`) compare a rep with the reps of the same references
filmed from the performance's view (`filmed_videos`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import faiss
import numpy as np

from scoring_service.normalise import normalise
from scoring_service.scorers import (
    Calibration,
    indexed_poses,
    joint_gaps,
    leave_one_out,
    nearest,
    pose_vectors,
)

VIEW_STEP = 15  # degrees between neighbouring views
AZIMUTHS = tuple(range(0, 181, VIEW_STEP))
ELEVATIONS = tuple(range(0, 46, VIEW_STEP))
VIEWS: tuple[tuple[int, int], ...] = tuple((a, e) for e in ELEVATIONS for a in AZIMUTHS)
CAMERA_DISTANCE = 3.5  # metres from the centre of the filmed performance: a phone on a stand
CAMERA_DISTANCES = (2.5, 5.0)  # metres: the range the references are filmed from
CAMERA_ROLL = 3.0  # degrees: how far a phone on a stand leans, one standard deviation
FOCAL_PIXELS = 1000.0  # a phone's focal length filming 1080p
REFERENCE_FPS = 10.0  # frames a second of the 3D references (`world_poses` samples them so)
VIEW_SAMPLE = 40  # frames of a performance, evenly spread, that choose its view
ZERO_AT = 1.0  # a joint scores 0 where 5% of another performer's reference frames lie
# The shipped pose model's error per COCO keypoint, torso lengths per coordinate: the robust
# standard deviation (1.4826 x the median absolute deviation, mean of x and y) of its
# normalised keypoints from the gym's exact ones, over 16 videos of training performers
# (two an exercise, groups 8 and 9) at 10 frames a second.
KEYPOINT_NOISE = (
    0.147, 0.149, 0.140, 0.128, 0.115,  # nose, eyes, ears
    0.098, 0.098, 0.190, 0.112, 0.156, 0.200,  # shoulders, elbows, wrists (left, right)
    0.068, 0.068, 0.132, 0.143, 0.174, 0.258,  # hips, knees, ankles (left, right)
)  # fmt: skip
_WORLD_UP = np.array([0.0, 0.0, 1.0])
_CAMERAS = {"distances": list(CAMERA_DISTANCES), "roll": CAMERA_ROLL, "focal": FOCAL_PIXELS}


def film(
    points: np.ndarray,
    azimuth: float,
    elevation: float,
    *,
    roll: float = 0.0,
    distance: float = CAMERA_DISTANCE,
) -> np.ndarray:
    """3D poses (F, K, 3) as a pinhole camera sees them from `azimuth` and `elevation`
    (degrees), `distance` metres from the centre of their box over all frames and turned by
    `roll` degrees: image coordinates (F, K, 3) in pixels of a `FOCAL_PIXELS` lens, x right,
    y down, and a confidence of 1."""
    az, el = np.radians(azimuth), np.radians(elevation)
    towards_camera = np.array([np.sin(az) * np.cos(el), -np.cos(az) * np.cos(el), np.sin(el)])
    flat = points.reshape(-1, 3)
    centre = (flat.min(axis=0) + flat.max(axis=0)) / 2
    forward = -towards_camera
    level_right = np.cross(forward, _WORLD_UP)
    level_right /= np.linalg.norm(level_right)
    level_up = np.cross(level_right, forward)
    cos, sin = np.cos(np.radians(roll)), np.sin(np.radians(roll))
    right, up = cos * level_right + sin * level_up, -sin * level_right + cos * level_up
    relative = points - (centre + distance * towards_camera)
    depth = np.maximum(relative @ forward, 1e-3)
    x, y = FOCAL_PIXELS * (relative @ right) / depth, -FOCAL_PIXELS * (relative @ up) / depth
    image = np.stack([x, y, np.ones(depth.shape)], axis=-1)
    return image.astype(np.float32)


def film_around(points: np.ndarray, view: int, video: int) -> np.ndarray:
    """One reference video filmed by a camera somewhere around a view of `VIEWS`, as phones
    stand: azimuth and elevation within half a step of the view's, a roll of a few degrees, 2.5
    to 5 metres away. The camera is drawn from (view, video), the same on every call."""
    rng = np.random.default_rng([view, video])
    azimuth, elevation = VIEWS[view]
    return film(
        points,
        azimuth + rng.uniform(-VIEW_STEP / 2, VIEW_STEP / 2),
        elevation + rng.uniform(-VIEW_STEP / 2, VIEW_STEP / 2),
        roll=rng.normal(0.0, CAMERA_ROLL),
        distance=rng.uniform(*CAMERA_DISTANCES),
    )


@dataclass
class ViewScorer:
    """Ours, for every view: the references filmed from the performance's view, then the
    nearest whole reference pose and each joint's distance within it."""

    joints: tuple[int, ...]
    poses: np.ndarray  # (N, K, 3) the reference videos' 3D poses, one video after another
    lengths: np.ndarray  # (videos,) frames of each reference video
    performers: np.ndarray  # (videos,) who performed each reference video
    calibrations: list[Calibration]  # one per view of `VIEWS`
    noise: list[float]  # (K,) torso lengths of keypoint noise the calibrations allow for
    _indexes: dict[int, faiss.Index] = field(default_factory=dict, repr=False)
    name = "view"

    @classmethod
    def build(
        cls,
        joints: tuple[int, ...],
        references: list[np.ndarray],
        performers: Sequence[int] | None = None,
        noise: Sequence[float] = KEYPOINT_NOISE,
    ) -> Self:
        """From reference videos' 3D poses (F, K, 3) each, and who performed each (by
        default all different people). Every view is calibrated by each performer's frames,
        with Gaussian noise of `noise` (K,) torso lengths on each keypoint's coordinates (the
        pose model's error), against the other performers' frames (`ZERO_AT`)."""
        if performers is None:
            performers = range(len(references))
        kept = [
            (np.asarray(v, np.float32), p)
            for v, p in zip(references, performers, strict=True)
            if len(v)
        ]
        if not kept:
            raise ValueError("no 3D reference poses")
        poses = np.concatenate([video for video, _ in kept])
        lengths = np.array([len(video) for video, _ in kept])
        scorer = cls(joints, poses, lengths, np.array([p for _, p in kept]), [], list(noise))
        spread = np.repeat(np.asarray(noise)[list(joints)], 2)  # x and y of each major joint
        for view in range(len(VIEWS)):
            index, vectors, owners = scorer._filmed(view)
            seen = vectors + np.random.default_rng(view).normal(0.0, spread, vectors.shape)
            distances = leave_one_out(index, vectors, owners, seen.astype(np.float32))
            scorer.calibrations.append(Calibration.from_reference(list(distances.T), ZERO_AT))
        return scorer

    def filmed_videos(self, view: int) -> list[np.ndarray]:
        """Each reference video filmed around a view (`film_around`): image keypoints
        (F, K, 3) with a confidence of 1."""
        starts = np.cumsum(self.lengths) - self.lengths
        return [
            film_around(self.poses[start : start + length], view, number)
            for number, (start, length) in enumerate(zip(starts, self.lengths, strict=True))
        ]

    def _filmed(self, view: int) -> tuple[faiss.Index, np.ndarray, np.ndarray]:
        """The references filmed from a view: their FAISS index, pose vectors and videos."""
        videos = [normalise(video) for video in self.filmed_videos(view)]
        return indexed_poses(self.joints, videos, self.performers.tolist())

    def _index(self, view: int) -> faiss.Index:
        """The FAISS index of the references filmed from a view, made once and kept."""
        if view not in self._indexes:
            self._indexes[view] = self._filmed(view)[0]
        return self._indexes[view]

    def match_view(self, points: np.ndarray) -> int:
        """The view (its number in `VIEWS`) whose filmed references lie nearest to a sample of
        normalised poses (F, K, 2) of framed frames."""
        if not len(points):
            raise ValueError("no framed pose to match a view to")
        sample = np.linspace(0, len(points) - 1, min(len(points), VIEW_SAMPLE)).round()
        queries = pose_vectors(points[sample.astype(int)], self.joints)
        costs = [float(nearest(self._index(view), queries)[0].mean()) for view in range(len(VIEWS))]
        return int(np.argmin(costs))

    def view_of(self, keypoints: np.ndarray) -> int | None:
        """The matched view of poses (F, K, 3) in pixels, from every framed pose whatever its
        confidence (as `scores` is given them); None where no pose is framed."""
        normalised = normalise(keypoints, min_confidence=0.0)
        if not normalised.framed.any():
            return None
        return self.match_view(normalised.points[normalised.framed])

    def scores(self, points: np.ndarray) -> np.ndarray:
        view = self.match_view(points)
        index = self._index(view)
        queries = pose_vectors(points, self.joints)
        _, ids = nearest(index, queries)
        distances = joint_gaps(queries, index.reconstruct_batch(ids[:, 0]))
        return self.calibrations[view].scores(distances)

    def save(self, prefix: Path) -> tuple[list[Path], dict]:
        path = prefix.with_name(f"{prefix.name}.views.npy")
        np.save(path, self.poses.astype(np.float32))
        facts = {
            "views": [list(view) for view in VIEWS],
            "cameras": _CAMERAS,
            "lengths": self.lengths.tolist(),
            "performers": self.performers.tolist(),
            "noise": self.noise,
            "calibrations": [calibration.to_json() for calibration in self.calibrations],
        }
        return [path], facts

    @classmethod
    def load(cls, prefix: Path, joints: tuple[int, ...], facts: dict) -> Self:
        views = [tuple(view) for view in facts["views"]]
        if views != list(VIEWS) or facts["cameras"] != _CAMERAS:
            raise ValueError("its views or cameras differ from this version's: rebuild it")
        poses = np.load(prefix.with_name(f"{prefix.name}.views.npy"))
        lengths = np.array(facts["lengths"], np.int64)
        if lengths.sum() != len(poses):
            raise ValueError("its reference poses do not add up to its videos' lengths")
        calibrations = [Calibration.from_json(c) for c in facts["calibrations"]]
        performers = np.array(facts["performers"])
        return cls(joints, poses, lengths, performers, calibrations, facts["noise"])
