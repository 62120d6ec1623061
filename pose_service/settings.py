"""Settings of the pose service: flags or `POSE_*` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import Port, ServerSettings


class PoseSettings(ServerSettings):
    """How `fitness serve pose` listens and which model backend it uses."""

    model_config = SettingsConfigDict(env_prefix="POSE_")

    port: Port = 50051
    backend: Literal["torchserve", "in_process"] = Field(
        "torchserve", description="Run the model under TorchServe, or inside this process."
    )
    torchserve_url: str = Field(
        "http://127.0.0.1:8080", description="TorchServe inference API (backend torchserve)."
    )
    torchserve_model: str = Field("pose", description="Model name registered in TorchServe.")
    torchserve_token: str = Field(
        "", description="TorchServe inference token; empty only where token auth is off."
    )
    weights: Path = Field(
        Path("models/pose/hrnet_compact.safetensors"),
        description="Weights for the in_process backend (safetensors from `fitness train pose`).",
    )
    max_batch_size: int = Field(64, ge=1, description="Most frames accepted in one request.")
    flip_test: bool = Field(False, description="Average with flipped crops (in_process backend).")
    track_stride: int = Field(
        4, ge=1, description="Every how many frames the person box is re-estimated."
    )
    backend_timeout_seconds: float = Field(30.0, gt=0, description="Per model request.")
