"""UCF101-format folders as training clips."""

from __future__ import annotations

from pathlib import Path

import pytest

from action_service.dataset import (
    UCF101Clips,
    kept_frame_count,
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
