"""HRNet: the published checkpoints' layout loads strictly; shapes and structure checks."""

from __future__ import annotations

import pytest
import torch

from pose_service.model import (
    CONFIGS,
    HRNetConfig,
    StageConfig,
    hrnet_compact,
    hrnet_w32,
    hrnet_w48,
    load_checkpoint,
)
from tests.reference import published_state_dict, summary


@pytest.mark.parametrize(
    ("build", "name"), [(hrnet_w32, "hrnet_w32_256x192"), (hrnet_w48, "hrnet_w48_384x288")]
)
def test_a_published_checkpoint_loads_strictly(build, name):
    model = build()
    state = published_state_dict(name)
    model.load_state_dict(state, strict=True)
    assert list(model.state_dict()) == list(state), "same keys in the official module order"
    key = "final_layer.weight"
    assert torch.equal(model.state_dict()[key], state[key])


def test_w32_has_the_published_parameter_count():
    parameters = sum(p.numel() for p in hrnet_w32().parameters())
    assert parameters == summary("hrnet_w32_256x192")["param_count"] == 28_536_113


def test_a_checkpoint_saved_by_the_official_training_code_loads(tmp_path):
    model = hrnet_compact()
    wrapped = {"state_dict": {f"module.{k}": v for k, v in model.state_dict().items()}}
    torch.save(wrapped, tmp_path / "checkpoint.pth")
    fresh = hrnet_compact()
    load_checkpoint(fresh, str(tmp_path / "checkpoint.pth"))
    for key, value in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value)


@pytest.mark.parametrize("build", [hrnet_compact, hrnet_w32])
def test_heatmaps_are_a_quarter_of_the_input_size(build):
    model = build().eval()
    with torch.inference_mode():
        heatmaps = model(torch.randn(2, 3, 128, 96))  # sides divisible by 32, as 256x192
    assert heatmaps.shape == (2, 17, 32, 24)


def test_an_input_size_that_cannot_fuse_back_is_refused():
    with pytest.raises(ValueError, match="multiples of 32"):
        hrnet_compact()(torch.randn(1, 3, 64, 48))


def test_the_number_of_joints_sets_the_head():
    assert hrnet_compact(num_joints=23).final_layer.out_channels == 23
    with pytest.raises(ValueError, match="num_joints"):
        hrnet_compact(num_joints=0)


def test_a_stage_whose_blocks_do_not_match_its_branches_is_refused():
    stages = CONFIGS["compact"].stages
    broken = (StageConfig(1, (2, 2, 2), (16, 32)), stages[1], stages[2])
    with pytest.raises(ValueError, match=r"NUM_BRANCHES\(2\) <> NUM_BLOCKS\(3\)"):
        HRNetConfig(32, 32, 2, broken)


def test_the_compact_model_is_much_smaller_than_w32():
    compact = sum(p.numel() for p in hrnet_compact().parameters())
    assert compact < 28_536_113 / 10
