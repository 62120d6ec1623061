"""Fine-tuning the 3D ResNet on a UCF101-format folder rendered by the gym."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from action_service.checkpoint import load_predictor, load_weights
from action_service.model import build_model
from action_service.train import TrainConfig, freeze, train


def config(ucf: Path, out: Path, **changes) -> TrainConfig:
    """A one-epoch run of the smallest network, changed as asked."""
    settings = {"depth": 10, "widen_factor": 0.25, "epochs": 1, "batch_size": 2, "workers": 0}
    return TrainConfig(ucf=(ucf,), out=out, **{**settings, **changes})


def test_training_writes_weights_with_the_class_names_and_resumes(tiny_ucf, tmp_path):
    assert len(train(config(tiny_ucf, tmp_path))) == 1
    model, classes = load_weights(tmp_path / "last.safetensors")
    assert classes == ["BodyWeightSquats", "PushUps"]
    assert model.fc.out_features == 2
    assert len(train(config(tiny_ucf, tmp_path, epochs=2, resume=True))) == 1


def test_the_temporal_stride_trained_with_is_the_one_the_predictor_samples_with(tiny_ucf, tmp_path):
    train(config(tiny_ucf, tmp_path, temporal_stride=4))
    assert load_predictor(tmp_path / "last.safetensors").temporal_stride == 4


def test_a_checkpoint_that_names_no_temporal_stride_samples_consecutive_frames(tmp_path):
    model = build_model(10, num_classes=2, widen_factor=0.25)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    metadata = {"depth": "10", "widen_factor": "0.25", "classes": '["a", "b"]'}
    save_file(state, str(tmp_path / "old.safetensors"), metadata=metadata)
    assert load_predictor(tmp_path / "old.safetensors").temporal_stride == 1


def test_a_pretrained_checkpoint_keeps_its_features_and_gets_a_new_classifier(tiny_ucf, tmp_path):
    pretrained = build_model(10, num_classes=700, widen_factor=0.25)
    torch.save({"state_dict": pretrained.state_dict()}, tmp_path / "kinetics.pth")
    frozen_before = pretrained.conv1.weight.detach().clone()
    train(config(tiny_ucf, tmp_path / "run", pretrained=tmp_path / "kinetics.pth", frozen_stages=2))
    model, _ = load_weights(tmp_path / "run" / "last.safetensors")
    assert torch.equal(model.conv1.weight, frozen_before), "frozen stem is unchanged"
    assert model.fc.out_features == 2


def test_freezing_more_stages_than_there_are_is_refused():
    with pytest.raises(ValueError, match="frozen stages"):
        freeze(build_model(10, widen_factor=0.25), 6)


def test_a_few_steps_lower_the_loss_on_two_clips(tiny_ucf):
    from action_service.dataset import UCF101Clips

    torch.manual_seed(0)
    dataset = UCF101Clips(tiny_ucf)
    clips = torch.stack([dataset[i][0] for i in range(2)])
    labels = torch.tensor([dataset.entries[i].label for i in range(2)])
    model = build_model(10, num_classes=2, widen_factor=0.25)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(12):
        loss = torch.nn.functional.cross_entropy(model(clips), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_training_from_memory_with_adamw_takes_several_clips_a_video(tiny_ucf, tmp_path):
    decoded, clips = [], []
    config_ = config(tiny_ucf, tmp_path, optimizer="adamw", in_memory=True, clips_per_video=3)
    train(config_, progress=lambda n, _: clips.append(n), loaded=decoded.append)
    assert sum(decoded) == 2, "each training video is decoded once"
    assert sum(clips) == 2 * 3
    assert (tmp_path / "last.safetensors").is_file()


def test_training_from_scratch_with_adam_writes_weights(tiny_ucf, tmp_path):
    losses = train(config(tiny_ucf, tmp_path, optimizer="adam", learning_rate=1e-3))
    assert len(losses) == 1
    assert (tmp_path / "last.safetensors").is_file()
