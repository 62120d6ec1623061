"""UCF101-format folders as training clips."""

from __future__ import annotations

from pathlib import Path

import pytest

from action_service.dataset import UCF101Clips, read_classes, read_split


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
