"""Keypoint sequences for the keypoint classifier: resampled, normalised, windowed, augmented.

Glossary of shapes:
    - frame number: F (of a video, as posed)
    - window length: T (48 frames at 10 fps, 4.8 s)
    - keypoint number: K (17)
    - feature number: D (K x 5: x, y, confidence, and the x, y velocities)

The pose service answers at whatever rate the caller sampled (10 to 15 fps in the product), so
a sequence is first resampled to `SEQUENCE_FPS` by its timestamps (the nearest posed frame;
the rep segmenter's, interpolated between the posed frames).
A window is then normalised as a whole, not frame by frame: the hip midpoint's median over the
window is the origin and the median torso length (floored at a share of the pose's extent, as
`scoring_service.normalise` does per frame) the unit, so a squat's sinking hips or a jumping
jack's hop stay in the features, while where the person stands and how big they appear drop
out. Points the pose model did not find (confidence 0) are zeros with confidence 0; the model
sees confidences as they are, so it learns how much to trust them.

Training windows are augmented the ways real footage differs from the gym's: time warping
(tempo from 0.7x to 1.4x), mirroring with left and right swapped, dropped joints, jitter, a
small camera roll and a change of aspect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from common.skeleton import FLIP_INDEX, KEYPOINT_INDEX, NUM_KEYPOINTS

SEQUENCE_FPS = 10.0
WINDOW = 48
FEATURES = NUM_KEYPOINTS * 5
MIN_TORSO_SHARE = 0.15
MIN_CONFIDENCE = 0.05  # below this a point counts as not found

_HIPS = [KEYPOINT_INDEX["left_hip"], KEYPOINT_INDEX["right_hip"]]
_SHOULDERS = [KEYPOINT_INDEX["left_shoulder"], KEYPOINT_INDEX["right_shoulder"]]


@dataclass(frozen=True)
class KeypointSequence:
    """Poses of one video in frame pixels.

    Attributes:
        keypoints: (F, K, 3) x, y and confidence (all 0 where nobody was found).
        timestamps: (F,) seconds, increasing.
    """

    keypoints: np.ndarray
    timestamps: np.ndarray

    def __post_init__(self) -> None:
        if self.keypoints.ndim != 3 or self.keypoints.shape[1:] != (NUM_KEYPOINTS, 3):
            raise ValueError(f"keypoints must be (F, 17, 3), got {self.keypoints.shape}")
        if self.timestamps.shape != (len(self.keypoints),):
            raise ValueError(f"{len(self.timestamps)} timestamps for {len(self.keypoints)} poses")
        if len(self.keypoints) == 0:
            raise ValueError("a keypoint sequence needs at least one pose")
        if np.any(np.diff(self.timestamps) < 0):
            raise ValueError("timestamps must not decrease")


def resample(
    sequence: KeypointSequence, fps: float = SEQUENCE_FPS, speed: float = 1.0
) -> np.ndarray:
    """Poses (F', K, 3) at `fps`, each the posed frame nearest in time; `speed` > 1 plays the
    movement faster (fewer frames), as a quicker performer would."""
    return sequence.keypoints[nearest_frames(sequence.timestamps, fps, speed)]


def nearest_frames(
    timestamps: np.ndarray, fps: float = SEQUENCE_FPS, speed: float = 1.0
) -> np.ndarray:
    """Indices (F',) of the frames at `timestamps` (F,) nearest to instants `speed / fps`
    seconds apart from the first."""
    times, wanted = _instants(timestamps, fps, speed)
    if len(times) == 1:
        return np.zeros(len(wanted), int)
    after = _after(times, wanted)
    earlier = np.abs(times[after - 1] - wanted) <= np.abs(times[after] - wanted)
    return np.where(earlier, after - 1, after)


def interpolated(
    keypoints: np.ndarray, timestamps: np.ndarray, fps: float = SEQUENCE_FPS
) -> np.ndarray:
    """Poses (F', K, 3) at instants `1 / fps` seconds apart from the first of `timestamps`
    (F,), each point moved linearly between the posed frames either side of the instant where
    both found it, else the nearer frame's. Unlike the nearest frames, velocities stay true
    where a live session posed its frames unevenly."""
    times, wanted = _instants(timestamps, fps)
    if len(times) == 1:
        return keypoints[np.zeros(len(wanted), int)]
    after = _after(times, wanted)
    before = after - 1
    gap = times[after] - times[before]
    share = np.divide(wanted - times[before], gap, out=np.ones_like(gap), where=gap > 0)
    share = np.clip(share, 0.0, 1.0)
    nearer = keypoints[np.where(share <= 0.5, before, after)]
    found = (keypoints[before, :, 2] >= MIN_CONFIDENCE) & (keypoints[after, :, 2] >= MIN_CONFIDENCE)
    share = share[:, None, None]
    blend = keypoints[before] * (1.0 - share) + keypoints[after] * share
    return np.where(found[..., None], blend, nearer).astype(keypoints.dtype)


def _instants(
    timestamps: np.ndarray, fps: float, speed: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """The timestamps from the first, and the instants `speed / fps` seconds apart they span."""
    times = np.asarray(timestamps, np.float64) - timestamps[0]
    count = max(1, int(np.floor(times[-1] * fps / speed)) + 1)
    return times, np.arange(count) * speed / fps


def _after(times: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """For each wanted instant, the first of `times` (2 or more, increasing) at or after it
    (1 at the least, the last at the most)."""
    return np.clip(np.searchsorted(times, wanted), 1, len(times) - 1)


def window_starts(frames: int, window: int = WINDOW, windows: int = 5) -> list[int]:
    """First frames of up to `windows` windows spread evenly over `frames` (one when shorter)."""
    if frames <= window:
        return [0]
    count = min(windows, 1 + (frames - window) // (window // 4))
    return sorted({round(s) for s in np.linspace(0, frames - window, count)})


def crop(poses: np.ndarray, start: int, window: int = WINDOW) -> np.ndarray:
    """`window` poses from `start`; a shorter sequence is looped, as the 3D ResNet's clips are."""
    return poses[(start + np.arange(window)) % len(poses)]


def features(poses: np.ndarray) -> np.ndarray:
    """Model input (D, T) of a window of poses (T, K, 3) in pixels."""
    xy = poses[..., :2].astype(np.float64)
    confidence = poses[..., 2].astype(np.float32)
    found = confidence >= MIN_CONFIDENCE
    framed = found[:, _HIPS + _SHOULDERS].all(axis=1)
    if framed.any():
        hips = xy[framed][:, _HIPS].mean(axis=1)
        torso = np.linalg.norm(xy[framed][:, _SHOULDERS].mean(axis=1) - hips, axis=1)
        origin = np.median(hips, axis=0)
        scale = float(np.median(torso))
    else:
        points = xy[found]
        origin = points.mean(axis=0) if len(points) else np.zeros(2)
        scale = 0.0
    scale = max(scale, MIN_TORSO_SHARE * _extent(xy, found), 1.0)
    normalised = np.where(found[..., None], (xy - origin) / scale, 0.0).astype(np.float32)
    velocity = np.zeros_like(normalised)
    both = found[1:] & found[:-1]
    velocity[1:] = np.where(both[..., None], normalised[1:] - normalised[:-1], 0.0)
    stacked = np.concatenate(
        [normalised, np.where(found, confidence, 0.0)[..., None], velocity], axis=2
    )
    return stacked.reshape(len(poses), FEATURES).T.copy()


def _extent(xy: np.ndarray, found: np.ndarray) -> float:
    if not found.any():
        return 0.0
    points = xy[found]
    return float(np.linalg.norm(points.max(axis=0) - points.min(axis=0)))


def augment(poses: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A randomly changed copy of poses (T, K, 3) in pixels: mirrored with left and right
    swapped, rolled, stretched, jittered and with joints dropped."""
    poses = poses.copy()
    xy = poses[..., :2]
    centre = xy[poses[..., 2] > 0].mean(axis=0) if (poses[..., 2] > 0).any() else np.zeros(2)
    xy -= centre
    if rng.random() < 0.5:
        xy[..., 0] *= -1
        poses = poses[:, list(FLIP_INDEX)]
        xy = poses[..., :2]
    angle = np.radians(rng.normal(0, 6))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    xy[:] = xy @ rotation.T * np.array([rng.uniform(0.85, 1.15), 1.0])
    extent = max(np.ptp(xy.reshape(-1, 2), axis=0).max(), 1.0)
    xy += rng.normal(0, 0.01 * extent, xy.shape)
    dropped = rng.random(poses.shape[:2]) < rng.uniform(0, 0.15)
    poses[dropped] = 0
    poses[..., 2] = np.clip(poses[..., 2] * rng.uniform(0.8, 1.2), 0, 1)
    return poses
