"""Settings of the action service: flags or `ACTION_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import ModelServiceSettings, Port


class ActionSettings(ModelServiceSettings):
    """How `fitness serve action` listens and which model backend it uses.

    The service runs two models on one backend: the 3D ResNet (`Recognize`) and the keypoint
    classifier (`RecognizeKeypoints`). The keypoint classifier is optional: with `--no-keypoints`,
    or in process without its weights file, `RecognizeKeypoints` answers FAILED_PRECONDITION
    and `ListClasses` lists no keypoint classes.
    """

    model_config = SettingsConfigDict(env_prefix="ACTION_")

    port: Port = 50052
    torchserve_model: str = Field("action", description="Model name registered in TorchServe.")
    weights: Path = Field(
        Path("models/action/r3d_compact.safetensors"),
        description="Weights for the in_process backend (safetensors with class names).",
    )
    keypoints: bool = Field(
        True, description="Serve the keypoint classifier too (RecognizeKeypoints)."
    )
    keypoint_torchserve_model: str = Field(
        "action_keypoints", description="Keypoint classifier's model name in TorchServe."
    )
    keypoint_weights: Path = Field(
        Path("models/action/skeleton_tcn.safetensors"),
        description="Keypoint classifier weights for the in_process backend (safetensors with "
        "class names); without the file the service runs without the keypoint classifier.",
    )
    max_frames: int = Field(
        900,
        ge=1,
        description="Most frames, or poses, accepted for one video (RESOURCE_EXHAUSTED beyond).",
    )
