"""The action model's TorchServe archive: weights, handler and config in `action.mar`."""

from __future__ import annotations

from pathlib import Path

from common.torchserve import build_archive

PACKAGE = Path(__file__).resolve().parent
MODEL_NAME = "action"


def build_action_archive(weights: Path, out_dir: Path, version: str = "1.0") -> Path:
    """Writes `out_dir/action.mar` for weights saved by `action_service.checkpoint`."""
    return build_archive(
        name=MODEL_NAME,
        version=version,
        weights=weights,
        handler=PACKAGE / "handler.py",
        config=PACKAGE / "model-config.yaml",
        out_dir=out_dir,
    )
