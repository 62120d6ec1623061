"""Where the tests find the shipped weights."""

from __future__ import annotations

from pathlib import Path

MODELS = Path(__file__).resolve().parents[1] / "models"
REP_SEGMENTER = MODELS / "scoring" / "rep_segmenter.safetensors"
