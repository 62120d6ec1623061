"""Held-out accuracy of the action models: the 3D ResNet on a UCF101-format test list
(`fitness eval action`), the keypoint classifier on keypoint datasets of held-out videos
(`fitness eval action-skeleton`).

For the 3D ResNet every listed video is read whole (thinned to about 25 fps), its evaluation
clips go through the model and their probabilities are averaged, exactly as the service
recognises a video; the keypoint classifier reads each video's poses as the service does.
Reported: top-1 accuracy, accuracy per class and the confusion matrix (rows: true class in
`classInd.txt` order; columns: the model's classes), also drawn as a PNG.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from action_service.classes import KEYPOINT_CLASSES
from action_service.dataset import read_classes, read_frames, read_split
from action_service.inference import ActionPredictor, KeypointPredictor
from action_service.skeleton_dataset import labelled_sequences


@dataclass(frozen=True)
class ActionMetrics:
    """Accuracy of one model on one list.

    Attributes:
        true_classes: The list's classes (confusion rows).
        predicted_classes: The model's classes (confusion columns).
        confusion: (rows, columns) counts of videos.
    """

    true_classes: list[str]
    predicted_classes: list[str]
    confusion: np.ndarray

    @property
    def videos(self) -> int:
        return int(self.confusion.sum())

    @property
    def top1(self) -> float:
        """Fraction of videos whose most probable class is their true class."""
        column = {name: i for i, name in enumerate(self.predicted_classes)}
        correct = sum(
            self.confusion[row, column[name]]
            for row, name in enumerate(self.true_classes)
            if name in column
        )
        return float(correct) / max(self.videos, 1)

    @property
    def per_class(self) -> dict[str, float]:
        """Accuracy of each true class that has videos."""
        column = {name: i for i, name in enumerate(self.predicted_classes)}
        accuracies = {}
        for row, name in enumerate(self.true_classes):
            total = self.confusion[row].sum()
            if total:
                hits = self.confusion[row, column[name]] if name in column else 0
                accuracies[name] = float(hits) / float(total)
        return accuracies


def evaluate(
    predictor: ActionPredictor,
    root: Path,
    list_name: str = "testlist01.txt",
    progress: Callable[[int], None] | None = None,
) -> ActionMetrics:
    """Recognises every video of `root/list_name` and counts the answers."""
    true_classes = read_classes(root)
    entries = read_split(root, list_name, true_classes)
    if not entries:
        raise ValueError(f"{root / list_name} lists no video of {true_classes}")
    confusion = np.zeros((len(true_classes), len(predictor.classes)), np.int64)
    for entry in entries:
        probabilities = predictor.probabilities(read_frames(root / entry.path))
        confusion[entry.label, int(np.argmax(probabilities))] += 1
        if progress:
            progress(1)
    return ActionMetrics(true_classes, list(predictor.classes), confusion)


def evaluate_keypoints(
    predictor: KeypointPredictor,
    folders: list[Path],
    progress: Callable[[int], None] | None = None,
) -> ActionMetrics:
    """Recognises every posed video of the keypoint datasets in `folders`; rows are
    `KEYPOINT_CLASSES` (videos of other movements count as "none")."""
    sequences = labelled_sequences(folders)
    if not sequences:
        raise ValueError(f"no posed video in {', '.join(map(str, folders))}")
    confusion = np.zeros((len(KEYPOINT_CLASSES), len(predictor.classes)), np.int64)
    for item in sequences:
        confusion[item.label, int(np.argmax(predictor.probabilities(item.sequence)))] += 1
        if progress:
            progress(1)
    return ActionMetrics(list(KEYPOINT_CLASSES), list(predictor.classes), confusion)


def metrics_json(metrics: ActionMetrics) -> str:
    """The metrics as one JSON object."""
    return json.dumps(
        {
            "videos": metrics.videos,
            "top1": round(metrics.top1, 4),
            "per_class": {name: round(value, 4) for name, value in metrics.per_class.items()},
            "true_classes": metrics.true_classes,
            "predicted_classes": metrics.predicted_classes,
            "confusion": metrics.confusion.tolist(),
        }
    )


_CELL = 48
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_INK = (40, 40, 40)


def write_confusion_png(metrics: ActionMetrics, path: Path) -> Path:
    """Draws the confusion matrix: counts in cells shaded by the row's share, classes named.

    Columns are numbered; the row labels give each number's class.
    """
    rows, columns = metrics.confusion.shape
    column_of = {name: i for i, name in enumerate(metrics.predicted_classes)}
    label_width = 12 + max(
        cv2.getTextSize(f"{i + 1} {name}", _FONT, 0.5, 1)[0][0]
        for i, name in enumerate(metrics.predicted_classes + metrics.true_classes)
    )
    top, left = 76, label_width + 8
    canvas = np.full((top + rows * _CELL + 16, left + columns * _CELL + 16, 3), 255, np.uint8)
    title = f"top-1 {100 * metrics.top1:.1f}% on {metrics.videos} videos"
    cv2.putText(canvas, title, (8, 22), _FONT, 0.6, _INK, 1, cv2.LINE_AA)
    cv2.putText(canvas, "predicted", (left, 46), _FONT, 0.45, _INK, 1, cv2.LINE_AA)
    for column in range(columns):
        x = left + column * _CELL + _CELL // 2 - 5
        cv2.putText(canvas, str(column + 1), (x, top - 8), _FONT, 0.5, _INK, 1, cv2.LINE_AA)
    shares = metrics.confusion / np.maximum(metrics.confusion.sum(axis=1, keepdims=True), 1)
    for row, name in enumerate(metrics.true_classes):
        y = top + row * _CELL
        number = column_of.get(name, -1) + 1
        label = f"{number} {name}" if number else name
        cv2.putText(canvas, label, (8, y + _CELL // 2 + 5), _FONT, 0.5, _INK, 1, cv2.LINE_AA)
        for column in range(columns):
            x = left + column * _CELL
            share = float(shares[row, column])
            # White to a deep blue (RGB 33, 102, 172) as the share of the row grows.
            colour = tuple(int(255 - share * (255 - c)) for c in (33, 102, 172))
            cv2.rectangle(canvas, (x, y), (x + _CELL - 1, y + _CELL - 1), colour, -1)
            cv2.rectangle(canvas, (x, y), (x + _CELL - 1, y + _CELL - 1), (200, 200, 200), 1)
            count = int(metrics.confusion[row, column])
            if count:
                ink = (255, 255, 255) if share > 0.5 else _INK
                text = str(count)
                width = cv2.getTextSize(text, _FONT, 0.5, 1)[0][0]
                position = (x + (_CELL - width) // 2, y + _CELL // 2 + 5)
                cv2.putText(canvas, text, position, _FONT, 0.5, ink, 1, cv2.LINE_AA)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
    return path
