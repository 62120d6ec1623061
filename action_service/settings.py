"""Settings of the action service: flags or `ACTION_*` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import Port, ServerSettings


class ActionSettings(ServerSettings):
    """How `fitness serve action` listens and which model backend it uses."""

    model_config = SettingsConfigDict(env_prefix="ACTION_")

    port: Port = 50052
    backend: Literal["torchserve", "in_process"] = Field(
        "torchserve", description="Run the model under TorchServe, or inside this process."
    )
    torchserve_url: str = Field(
        "http://127.0.0.1:8080", description="TorchServe inference API (backend torchserve)."
    )
    torchserve_model: str = Field("action", description="Model name registered in TorchServe.")
    torchserve_token: str = Field(
        "", description="TorchServe inference token; empty only where token auth is off."
    )
    weights: Path = Field(
        Path("models/action/r3d_compact.safetensors"),
        description="Weights for the in_process backend (safetensors with class names).",
    )
    max_frames: int = Field(
        900, ge=1, description="Most frames accepted for one video (RESOURCE_EXHAUSTED beyond)."
    )
    backend_timeout_seconds: float = Field(60.0, gt=0, description="Per model request.")
