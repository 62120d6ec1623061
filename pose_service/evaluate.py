"""Evaluating a pose model on COCO-format keypoints (`fitness eval pose`).

Every annotated person is estimated inside its ground-truth box (COCO's protocol with
ground-truth boxes), then scored two ways:

- OKS AP, AP50, AP75 and AR by pycocotools' `COCOeval`, with each result's score the mean
  confidence of its joints above 0.2, as the published HRNet rescoring does;
- PCK@0.1: the share of labelled keypoints (visibility 1 or 2) found within 0.1 x the longer
  side of the person's box.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from pose_service.inference import PosePredictor
from pose_service.train import annotation_file

CONFIDENCE_THRESHOLD = 0.2  # the original's IN_VIS_THRE
PCK_FRACTION = 0.1


@dataclass(frozen=True)
class PoseMetrics:
    """Held-out accuracy of a pose model."""

    ap: float
    ap50: float
    ap75: float
    ar: float
    pck: float
    people: int


def evaluate(
    predictor: PosePredictor,
    root: Path,
    split: str = "val",
    *,
    batch_size: int = 32,
    progress: Callable[[int], None] | None = None,
) -> PoseMetrics:
    """Estimates every annotated person of `split` and scores the keypoints."""
    path = annotation_file(root, split)
    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO(str(path))
    annotations = [a for a in truth.loadAnns(truth.getAnnIds()) if a.get("num_keypoints", 0) > 0]
    if not annotations:
        raise ValueError(f"{path} has no person with labelled keypoints")
    results, hits, labelled = [], 0, 0
    for start in range(0, len(annotations), batch_size):
        chunk = annotations[start : start + batch_size]
        frames = [
            _read(root / split / truth.loadImgs(a["image_id"])[0]["file_name"]) for a in chunk
        ]
        predicted = predictor.predict(frames, [tuple(a["bbox"]) for a in chunk])
        for annotation, keypoints in zip(chunk, predicted, strict=True):
            results.append(_result(annotation["image_id"], keypoints))
            found, count = _pck(annotation, keypoints)
            hits, labelled = hits + found, labelled + count
        if progress:
            progress(len(chunk))
    with contextlib.redirect_stdout(io.StringIO()):
        detections = truth.loadRes(results)
        evaluation = COCOeval(truth, detections, "keypoints")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    stats = evaluation.stats
    return PoseMetrics(
        ap=float(stats[0]),
        ap50=float(stats[1]),
        ap75=float(stats[2]),
        ar=float(stats[5]),
        pck=hits / max(labelled, 1),
        people=len(annotations),
    )


def _read(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(f"cannot read image {path}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _result(image_id: int, keypoints: np.ndarray) -> dict:
    confident = keypoints[:, 2][keypoints[:, 2] > CONFIDENCE_THRESHOLD]
    score = float(confident.mean()) if len(confident) else 0.0
    return {
        "image_id": image_id,
        "category_id": 1,
        "keypoints": [float(v) for v in keypoints.reshape(-1)],
        "score": score,
    }


def _pck(annotation: dict, keypoints: np.ndarray) -> tuple[int, int]:
    truth = np.asarray(annotation["keypoints"], np.float32).reshape(-1, 3)
    labelled = truth[:, 2] > 0
    threshold = PCK_FRACTION * max(annotation["bbox"][2], annotation["bbox"][3])
    distance = np.linalg.norm(keypoints[:, :2] - truth[:, :2], axis=1)
    return int((labelled & (distance <= threshold)).sum()), int(labelled.sum())


def metrics_json(metrics: PoseMetrics) -> str:
    """The metrics as one JSON object."""
    return json.dumps(metrics.__dict__)
