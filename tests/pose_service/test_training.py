"""Training and evaluating HRNet on a tiny COCO-format set rendered by the gym."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from pose_service.evaluate import evaluate
from pose_service.inference import PosePredictor
from pose_service.model import hrnet_compact
from pose_service.train import CocoKeypoints, TrainConfig, heatmap_loss, load_weights, train
from synth.dataset import write_poses


@pytest.fixture(scope="module")
def coco(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("coco")
    write_poses(root, images=8, val_fraction=0.25, short_side=128)
    return root


def test_samples_are_crops_with_gaussian_targets_where_keypoints_are_labelled(coco):
    dataset = CocoKeypoints(coco, "train")
    image, targets, weights = dataset[0]
    assert image.shape == (3, 256, 192)
    assert targets.shape == (17, 64, 48)
    assert set(weights.tolist()) <= {0.0, 1.0}
    assert weights.sum() > 0
    peaks = targets.flatten(1).max(dim=1).values
    assert torch.all(peaks[weights > 0] > 0.5)


def test_augmented_samples_keep_their_shapes_and_some_targets(coco):
    np.random.seed(0)
    dataset = CocoKeypoints(coco, "train", augment=True)
    for index in range(len(dataset)):
        image, targets, _ = dataset[index]
        assert image.shape == (3, 256, 192)
        assert targets.shape == (17, 64, 48)


def test_a_missing_split_says_where_it_looked(coco):
    with pytest.raises(FileNotFoundError, match=r"person_keypoints_test\.json"):
        CocoKeypoints(coco, "test")


def test_a_few_steps_lower_the_loss_on_a_few_images(coco):
    torch.manual_seed(0)
    dataset = CocoKeypoints(coco, "train")
    images, targets, weights = (
        torch.stack(t) for t in zip(*[dataset[i] for i in range(4)], strict=True)
    )
    model = hrnet_compact()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    losses = []
    for _ in range(15):
        loss = heatmap_loss(model(images), targets, weights)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]


def test_training_checkpoints_and_resumes(coco, tmp_path):
    config = TrainConfig(coco=(coco,), out=tmp_path, epochs=1, batch_size=4, workers=0)
    first = train(config)
    assert len(first) == 1
    assert (tmp_path / "last.safetensors").is_file()
    resumed = train(
        TrainConfig(coco=(coco,), out=tmp_path, epochs=2, batch_size=4, workers=0, resume=True)
    )
    assert len(resumed) == 1, "only the epoch not yet run"
    model, input_size = load_weights(tmp_path / "last.safetensors")
    assert input_size == (192, 256)
    assert model.config.num_joints == 17


def test_several_sets_train_together_as_one(coco, tmp_path):
    seen = []
    config = TrainConfig(coco=(coco, coco), out=tmp_path, epochs=1, batch_size=4, workers=0)
    train(config, progress=lambda samples, loss: seen.append(samples))
    assert sum(seen) == 2 * len(CocoKeypoints(coco, "train"))


def test_evaluation_reports_coco_ap_and_pck_in_range(coco):
    predictor = PosePredictor(hrnet_compact().eval())
    metrics = evaluate(predictor, coco, "val")
    assert metrics.people == 2
    for value in (metrics.ap, metrics.ap50, metrics.ap75, metrics.ar, metrics.pck):
        assert 0.0 <= value <= 1.0


def test_evaluation_of_the_ground_truth_itself_is_perfect(coco, monkeypatch):
    """A predictor that returns the labels scores AP 1 and PCK 1: the scoring is right."""
    import json

    data = json.loads((coco / "annotations" / "person_keypoints_val.json").read_text())
    by_box = {tuple(a["bbox"]): a["keypoints"] for a in data["annotations"]}

    class Oracle(PosePredictor):
        def predict(self, frames, boxes):
            points = np.array([by_box[tuple(b)] for b in boxes], np.float32).reshape(-1, 17, 3)
            points[..., 2] = 1.0
            return points

    metrics = evaluate(Oracle(hrnet_compact()), coco, "val")
    assert metrics.pck == 1.0
    assert metrics.ap == pytest.approx(1.0)
