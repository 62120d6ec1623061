"""The published checkpoints' layouts (`tests/data/reference/`), as state dicts to load."""

from __future__ import annotations

import json
from pathlib import Path

import torch

REFERENCE = Path(__file__).resolve().parent / "data" / "reference"


def published_state_dict(name: str) -> dict[str, torch.Tensor]:
    """Random tensors with every key and shape of a published checkpoint, in its order."""
    layout = json.loads((REFERENCE / f"{name}.json").read_text())
    generator = torch.Generator().manual_seed(0)
    return {
        key: torch.zeros((), dtype=torch.int64)
        if shape == []
        else torch.randn(shape, generator=generator)
        for key, shape in layout.items()
    }


def summary(name: str) -> dict:
    """Parameter counts and other facts of a published model (`summary.json`)."""
    return json.loads((REFERENCE / "summary.json").read_text())[name]
