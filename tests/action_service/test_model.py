"""3D ResNets: the published Kinetics layout loads; the classifier is replaced for fine-tuning."""

from __future__ import annotations

import pytest
import torch

from action_service.model import build_model, load_pretrained, r3d18, r3d34
from tests.reference import published_state_dict, summary


@pytest.mark.parametrize(
    ("build", "name"), [(r3d34, "r3d34_kinetics700"), (r3d18, "r3d18_kinetics700")]
)
def test_a_published_kinetics_checkpoint_loads_strictly(build, name):
    model = build(num_classes=700)
    state = published_state_dict(name)
    model.load_state_dict(state, strict=True)
    assert list(model.state_dict()) == list(state), "same keys in the official module order"


def test_fine_tuning_keeps_everything_but_the_classifier():
    state = published_state_dict("r3d34_kinetics700")
    model = r3d34(num_classes=8)
    assert load_pretrained(model, {f"module.{k}": v for k, v in state.items()}) == [
        "fc.weight",
        "fc.bias",
    ]
    assert torch.equal(model.state_dict()["layer4.2.conv2.weight"], state["layer4.2.conv2.weight"])
    assert model.fc.weight.shape == (8, 512)


def test_the_34_layer_model_has_the_published_parameter_count():
    published = summary("r3d34_kinetics700")["param_count"]
    assert sum(p.numel() for p in r3d34(num_classes=700).parameters()) == published == 63_872_636
    assert sum(p.numel() for p in r3d34(num_classes=8).parameters()) == 63_517_640


def test_a_checkpoint_of_another_depth_is_refused_naming_the_keys():
    with pytest.raises(ValueError, match="missing"):
        load_pretrained(r3d34(), published_state_dict("r3d18_kinetics700"))


@pytest.mark.parametrize("depth", [10, 18, 34, 50])
def test_every_depth_maps_a_clip_to_class_logits(depth):
    model = build_model(depth, widen_factor=0.25).eval()
    with torch.inference_mode():
        logits = model(torch.randn(2, 3, 16, 64, 64))
    assert logits.shape == (2, 8)


def test_a_clip_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"\(N, 3, T, H, W\)"):
        r3d18()(torch.randn(3, 16, 112, 112))


def test_an_unknown_depth_is_refused():
    with pytest.raises(ValueError, match="unknown depth 26"):
        build_model(26)
