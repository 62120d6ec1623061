"""Held-out accuracy of an action model: top-1, per class, confusion matrix and its picture."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import torch

from action_service.evaluate import ActionMetrics, evaluate, metrics_json, write_confusion_png
from action_service.inference import ActionPredictor
from action_service.model import build_model


def test_accuracy_counts_the_diagonal_of_the_confusion_matrix():
    metrics = ActionMetrics(["A", "B"], ["A", "B"], np.array([[3, 1], [0, 4]]))
    assert metrics.videos == 8
    assert metrics.top1 == 7 / 8
    assert metrics.per_class == {"A": 0.75, "B": 1.0}


def test_columns_follow_the_model_classes_when_they_differ_from_the_list():
    # The model knows C first; the list has A and B (A never predicted correctly: no column).
    metrics = ActionMetrics(["A", "B"], ["C", "B"], np.array([[2, 0], [1, 1]]))
    assert metrics.top1 == 1 / 4
    assert metrics.per_class == {"A": 0.0, "B": 0.5}


def test_every_test_video_is_counted_once(tiny_ucf: Path, tmp_path: Path):
    torch.manual_seed(0)
    model = build_model(10, num_classes=2, widen_factor=0.25).eval()
    predictor = ActionPredictor(model, ["BodyWeightSquats", "PushUps"], clips=2)
    seen = []
    metrics = evaluate(predictor, tiny_ucf, progress=seen.append)
    tested = (tiny_ucf / "testlist01.txt").read_text().split()
    assert metrics.videos == len(tested) == len(seen)
    report = json.loads(metrics_json(metrics))
    assert report["videos"] == len(tested)
    assert 0.0 <= report["top1"] <= 1.0


def test_the_confusion_picture_is_a_png_with_one_cell_per_pair(tmp_path: Path):
    metrics = ActionMetrics(["A", "B", "C"], ["A", "B", "C"], np.eye(3, dtype=np.int64) * 5)
    path = write_confusion_png(metrics, tmp_path / "plots" / "confusion.png")
    image = cv2.imread(str(path))
    assert image is not None
    assert image.shape[0] > 3 * 48
    assert image.shape[1] > 3 * 48
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 3, "shaded cells and text"
