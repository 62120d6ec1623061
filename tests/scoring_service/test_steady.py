"""Steady keypoints: jitter filtered without lag, left/right swaps undone, short gaps bridged."""

from __future__ import annotations

import numpy as np

from common.skeleton import KEYPOINT_INDEX
from scoring_service.steady import MIN_CONFIDENCE, bridge_gaps, repair_swaps, steady

FPS = 30.0
LEFT_KNEE, RIGHT_KNEE = KEYPOINT_INDEX["left_knee"], KEYPOINT_INDEX["right_knee"]
LEFT_WRIST = KEYPOINT_INDEX["left_wrist"]


def standing(frames: int, rng: np.random.Generator) -> np.ndarray:
    """A front-facing person about 100 pixels of torso tall, every point seen: (F, 17, 3)."""
    x = np.array([0, -4, 4, -9, 9, -20, 20, -26, 26, -30, 30, -12, 12, -12, 12, -12, 12.0])
    y = np.array([0, -3, -3, -1, -1, 20, 20, 60, 60, 95, 95, 120, 120, 180, 180, 240, 240.0])
    pose = np.stack([200 + 2 * x, 40 + y, np.full(17, 0.9)], axis=1)
    track = np.repeat(pose[None], frames, axis=0)
    track[..., 2] = rng.uniform(0.6, 1.0, (frames, 17))
    return track


def times(frames: int) -> np.ndarray:
    return np.arange(frames) / FPS


def acceleration(track: np.ndarray) -> float:
    """Root mean square of the frame-to-frame acceleration of every point, pixels."""
    return float(np.sqrt((np.diff(track[..., :2], n=2, axis=0) ** 2).mean()))


def test_jitter_on_an_idle_stretch_is_at_least_halved():
    rng = np.random.default_rng(0)
    still = standing(90, rng)
    noisy = still.copy()
    noisy[..., :2] += rng.normal(0, 2.0, noisy[..., :2].shape)
    filtered = steady(noisy, times(90))
    assert acceleration(filtered[10:]) <= 0.5 * acceleration(noisy[10:])
    assert np.abs(filtered[30:, :, :2] - still[30:, :, :2]).mean() < 1.5  # and stays put


def test_a_fast_movement_is_followed_within_one_frame():
    rng = np.random.default_rng(1)
    frames = 120
    track = standing(frames, rng)
    # A wrist swinging 150 pixels (1.5 torso lengths) each way, 1.5 times a second.
    swing = 150 * np.sin(2 * np.pi * 1.5 * times(frames))
    track[:, LEFT_WRIST, 1] += swing
    track[..., :2] += rng.normal(0, 1.0, track[..., :2].shape)
    filtered = steady(track, times(frames))[:, LEFT_WRIST, 1] - 135  # its place at rest
    truth = swing
    lags = range(0, 6)
    errors = [np.abs(filtered[20 + lag :] - truth[20 : frames - lag]).mean() for lag in lags]
    assert int(np.argmin(errors)) <= 1


def test_swapped_left_and_right_are_put_back():
    rng = np.random.default_rng(2)
    frames = 40
    track = standing(frames, rng)
    track[:, :, 0] += np.linspace(0, 60, frames)[:, None]  # walking across the frame
    swapped = track.copy()
    swapped[10:13, [LEFT_KNEE, RIGHT_KNEE]] = swapped[10:13, [RIGHT_KNEE, LEFT_KNEE]]
    flipped = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    mirrored = [6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
    swapped[25, flipped] = swapped[25, mirrored]  # the whole body taken for its mirror image
    assert np.array_equal(repair_swaps(swapped.copy()), track)


def test_short_gaps_are_bridged_and_long_ones_left_unseen():
    rng = np.random.default_rng(3)
    frames = 60
    track = standing(frames, rng)
    track[:, LEFT_WRIST, 1] += np.linspace(0, 59, frames)  # moving down a pixel a frame
    gappy = track.copy()
    gappy[10:14, LEFT_WRIST, 2] = 0.05  # 4 frames, 0.13 s
    gappy[30:55, RIGHT_KNEE, 2] = 0.0  # 25 frames, 0.8 s
    bridged = bridge_gaps(gappy.copy(), times(frames))
    assert (bridged[10:14, LEFT_WRIST, 2] >= MIN_CONFIDENCE).all()
    assert np.allclose(bridged[10:14, LEFT_WRIST, :2], track[10:14, LEFT_WRIST, :2])
    assert (bridged[30:55, RIGHT_KNEE, 2] < MIN_CONFIDENCE).all()


def test_unseen_points_stay_unseen_and_a_single_frame_passes_through():
    rng = np.random.default_rng(4)
    track = standing(20, rng)
    track[:, 0, 2] = 0.0  # the nose never seen
    filtered = steady(track, times(20))
    assert np.array_equal(filtered[:, 0], track[:, 0].astype(np.float32))
    one = standing(1, rng)
    assert np.allclose(steady(one, times(1)), one)
