"""The pose model's TorchServe archive: weights, handler and batching config in `pose.mar`."""

from __future__ import annotations

from pathlib import Path

from common.torchserve import build_archive

PACKAGE = Path(__file__).resolve().parent
HANDLER = PACKAGE / "handler.py"
MODEL_CONFIG = PACKAGE / "model-config.yaml"
MODEL_NAME = "pose"


def build_pose_archive(weights: Path, out_dir: Path, version: str = "1.0") -> Path:
    """Writes `out_dir/pose.mar` for weights from `fitness train pose`."""
    return build_archive(
        name=MODEL_NAME,
        version=version,
        weights=weights,
        handler=HANDLER,
        config=MODEL_CONFIG,
        out_dir=out_dir,
    )
