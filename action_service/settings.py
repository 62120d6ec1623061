"""Settings of the action service: flags or `ACTION_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import ModelServiceSettings, Port


class ActionSettings(ModelServiceSettings):
    """How `fitness serve action` listens and which model backend it uses."""

    model_config = SettingsConfigDict(env_prefix="ACTION_")

    port: Port = 50052
    torchserve_model: str = Field("action", description="Model name registered in TorchServe.")
    weights: Path = Field(
        Path("models/action/r3d_compact.safetensors"),
        description="Weights for the in_process backend (safetensors with class names).",
    )
    max_frames: int = Field(
        900, ge=1, description="Most frames accepted for one video (RESOURCE_EXHAUSTED beyond)."
    )
