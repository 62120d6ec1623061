"""UCF101-format folders as training clips."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from action_service.clips import KINETICS_MEAN, KINETICS_STD, to_tensor
from action_service.dataset import (
    UCF101Clips,
    clip_indices,
    jittered_tensor,
    kept_frame_count,
    random_view,
    read_classes,
    read_frames,
    read_split,
)
from tests.common.clips import mean_abs_difference, write_clip


def test_the_class_index_and_split_lists_are_read_as_ucf101_writes_them(tiny_ucf: Path):
    classes = read_classes(tiny_ucf)
    assert classes == ["BodyWeightSquats", "PushUps"]
    train = read_split(tiny_ucf, "trainlist01.txt", classes)
    test = read_split(tiny_ucf, "testlist01.txt", classes)
    assert {e.label for e in train} == {0, 1}
    assert {e.path for e in train}.isdisjoint({e.path for e in test})
    assert all((tiny_ucf / e.path).is_file() for e in train + test)


def test_a_training_clip_is_16_frames_of_112_by_112_with_its_label(tiny_ucf: Path):
    dataset = UCF101Clips(tiny_ucf)
    clip, label = dataset[0]
    assert clip.shape == (3, 16, 112, 112)
    assert label == dataset.entries[0].label


def test_a_folder_without_a_class_index_is_refused(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match=r"classInd\.txt"):
        UCF101Clips(tmp_path)


def test_keeping_only_some_classes_drops_the_others(tiny_ucf: Path):
    dataset = UCF101Clips(tiny_ucf, classes=["PushUps"])
    assert {e.label for e in dataset.entries} == {0}
    assert all(e.path.startswith("PushUps/") for e in dataset.entries)


def test_a_60_fps_video_is_read_at_every_second_frame(tmp_path: Path):
    written = write_clip(tmp_path / "fast.mp4", frames=20, fps=60.0)
    frames = read_frames(tmp_path / "fast.mp4")
    assert len(frames) == kept_frame_count(tmp_path / "fast.mp4") == 10
    assert mean_abs_difference(frames[3], written[6]) < 4


def test_reading_a_window_decodes_the_same_frames_as_reading_all(tmp_path: Path):
    write_clip(tmp_path / "clip.mp4", frames=30, fps=25.0)
    everything = read_frames(tmp_path / "clip.mp4")
    window = read_frames(tmp_path / "clip.mp4", first=5, count=16)
    assert len(window) == 16
    assert all((a == b).all() for a, b in zip(window, everything[5:21], strict=True))


def test_clips_from_memory_match_the_decoded_frames_and_folders_combine(tiny_ucf: Path):
    from_disk = UCF101Clips(tiny_ucf)
    in_memory = UCF101Clips([tiny_ucf, tiny_ucf], in_memory=True, clips_per_video=2)
    assert len(in_memory) == 2 * 2 * len(from_disk)
    assert all(min(frames.shape[1:3]) == 112 for frames in in_memory.frames)
    clip, label = in_memory[len(in_memory) - 1]
    assert clip.shape == (3, 16, 112, 112)
    assert label == from_disk.entries[-1].label


def test_folders_with_different_class_indexes_are_refused(tiny_ucf: Path, tmp_path: Path):
    (tmp_path / "classInd.txt").write_text("1 Lunges\n")
    (tmp_path / "trainlist01.txt").write_text("")
    with pytest.raises(ValueError, match="another class index"):
        UCF101Clips([tiny_ucf, tmp_path])


@pytest.mark.parametrize("frame_count", [5, 16, 300])
def test_a_training_clip_moves_forward_at_a_random_pace_and_loops_short_videos(frame_count):
    rng = random.Random(0)
    for _ in range(50):
        indices = clip_indices(frame_count, rng)
        assert len(indices) == 16
        assert all(0 <= i < frame_count for i in indices)
        steps = {(b - a) % frame_count for a, b in itertools.pairwise(indices)}
        if frame_count > 16:
            assert steps <= {0, 1, 2}, "a slow pace repeats frames, a fast one skips some"
            assert 12 <= indices[-1] - indices[0] <= 19, "15 steps at 0.8x to 1.25x"


def test_a_training_clip_with_a_temporal_stride_spans_that_many_times_the_frames():
    rng = random.Random(0)
    for _ in range(50):
        indices = clip_indices(300, rng, stride=4)
        steps = [b - a for a, b in itertools.pairwise(indices)]
        assert set(steps) <= {3, 4, 5}, "4 frames a step at 0.8x to 1.25x"
        assert 48 <= indices[-1] - indices[0] <= 75


def test_random_views_are_112_square_without_borders_and_flip_half_the_time():
    rng = random.Random(0)
    grey = np.full((112, 199, 3), 90, np.uint8)
    ramp = np.tile(np.arange(199, dtype=np.uint8)[None, :, None], (112, 1, 3))
    flips = 0
    for _ in range(40):
        (view,) = random_view([grey], rng)
        assert view.shape == (112, 112, 3)
        assert (view == 90).all(), "zoomed-out views repeat the edges, never black"
        (portrait,) = random_view([np.ascontiguousarray(ramp.transpose(1, 0, 2))], rng)
        assert portrait.shape == (112, 112, 3)
        (seen,) = random_view([ramp], random.Random(rng.random()))
        flips += int(seen[56, 100, 0]) < int(seen[56, 10, 0])
    assert 8 < flips < 32


def test_colour_jitter_keeps_grey_grey_changes_the_light_and_normalises_as_evaluation_does():
    rng = random.Random(0)
    frames = [np.full((4, 4, 3), 100, np.uint8), np.full((4, 4, 3), 160, np.uint8)]
    means = set()
    for _ in range(20):
        pixels = jittered_tensor(frames, rng).numpy() * KINETICS_STD[:, None, None, None]
        pixels = (pixels + KINETICS_MEAN[:, None, None, None]) * 255
        assert np.allclose(pixels[0], pixels[1], atol=0.01), "no hue shift"
        assert np.allclose(pixels[2], pixels[1], atol=0.01), "no hue shift"
        assert pixels.min() >= -0.01
        assert pixels.max() <= 255.01
        means.add(round(float(pixels[:, 0].mean())))
    assert len(means) > 5
    unchanged = jittered_tensor(frames, _Fixed(saturation=1, contrast=1, brightness=1))
    assert torch.allclose(unchanged, to_tensor(frames), atol=1e-5)


class _Fixed(random.Random):
    """A generator whose uniform draws give the jitter factors asked for, and never grey."""

    def __init__(self, **factors: float) -> None:
        super().__init__(0)
        self.factors = iter([factors["saturation"], factors["contrast"], factors["brightness"]])

    def random(self) -> float:
        return 0.99

    def uniform(self, a: float, b: float) -> float:
        return next(self.factors)
