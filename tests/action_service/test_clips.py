"""Clip sampling and normalisation for the 3D ResNet."""

from __future__ import annotations

import numpy as np
import pytest

from action_service.clips import (
    KINETICS_MEAN,
    centre_crop,
    clip_span,
    clip_starts,
    estimated_fps,
    evaluation_clips,
    frame_step,
    resize_short_side,
    window,
)
from common.errors import InvalidInputError


def test_the_short_side_becomes_112_and_the_aspect_stays():
    assert resize_short_side(np.zeros((240, 320, 3), np.uint8)).shape == (112, 149, 3)
    assert resize_short_side(np.zeros((1920, 1080, 3), np.uint8)).shape == (199, 112, 3)


def test_the_centre_crop_is_a_centred_square():
    frame = np.zeros((112, 150, 3), np.uint8)
    frame[:, 75] = 255
    crop = centre_crop(frame)
    assert crop.shape == (112, 112, 3)
    assert crop[0, 56].tolist() == [255, 255, 255]


def test_clips_spread_evenly_over_a_long_video():
    assert clip_starts(100, 3) == [0, 42, 84]
    assert clip_starts(100, 1) == [42]


def test_a_video_shorter_than_a_clip_is_looped():
    assert clip_starts(5, 3) == [0]
    assert window(5, 0) == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0]


def test_a_temporal_stride_takes_every_s_th_frame_and_spreads_the_longer_clips():
    assert clip_span(4) == 61
    assert window(100, 10, stride=4)[:3] == [10, 14, 18]
    assert window(100, 10, stride=4)[-1] == 70
    assert clip_starts(100, 3, clip_span(4)) == [0, 20, 39]
    assert window(30, 0, stride=4)[7:9] == [28, 2], "a short video loops"


def test_evaluation_clips_with_a_stride_hold_every_s_th_frame():
    frames = [np.full((112, 112, 3), i, np.uint8) for i in range(100)]
    clips = evaluation_clips(frames, clips=1, stride=4)
    reds = clips[0, 0, :, 0, 0] * 0.2768 + KINETICS_MEAN[0]
    start = (100 - 61) // 2
    assert reds.mul(255).round().tolist() == [start + 4 * i for i in range(16)]


def test_evaluation_clips_are_normalised_tensors_in_the_published_layout():
    frames = [np.full((240, 320, 3), i * 10, np.uint8) for i in range(20)]
    clips = evaluation_clips(frames, clips=3)
    assert clips.shape == (3, 3, 16, 112, 112)
    first_frame_red = clips[0, 0, 0, 0, 0].item()
    assert first_frame_red == pytest.approx((0 - KINETICS_MEAN[0]) / 0.2768, abs=1e-4)


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        ([], "no frame"),
        ([np.zeros((240, 320, 3), np.uint8), np.zeros((120, 160, 3), np.uint8)], "share one size"),
    ],
)
def test_no_frames_or_mixed_sizes_are_refused(frames, message):
    with pytest.raises(InvalidInputError, match=message):
        evaluation_clips(frames)


@pytest.mark.parametrize(("fps", "step"), [(24, 1), (25, 1), (30, 1), (50, 2), (60, 2), (120, 5)])
def test_fast_cameras_keep_every_kth_frame_to_stay_near_25_fps(fps, step):
    assert frame_step(fps) == step


def test_an_unknown_frame_rate_keeps_every_frame():
    assert frame_step(0.0) == 1
    assert estimated_fps([0.0, 0.0, 0.0]) == 0.0
    assert estimated_fps([]) == 0.0


def test_the_frame_rate_is_estimated_from_presentation_times():
    assert estimated_fps([i / 60 for i in range(61)]) == pytest.approx(60.0)
