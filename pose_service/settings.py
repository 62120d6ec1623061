"""Settings of the pose service: flags or `POSE_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import ModelServiceSettings, Port
from pose_service.codec import Decoding


class PoseSettings(ModelServiceSettings):
    """How `fitness serve pose` listens and which model backend it uses."""

    model_config = SettingsConfigDict(env_prefix="POSE_")

    port: Port = 50051
    torchserve_model: str = Field("pose", description="Model name registered in TorchServe.")
    weights: Path = Field(
        Path("models/pose/hrnet_compact.safetensors"),
        description="Weights for the in_process backend (safetensors from `fitness train pose`).",
    )
    max_batch_size: int = Field(64, ge=1, description="Most frames accepted in one request.")
    flip_test: bool = Field(
        True,
        description="Average each crop with its mirror image (in_process backend; TorchServe "
        "reads `flip_test` from the archive's model-config.yaml).",
    )
    decoding: Decoding = Field(
        "dark",
        description="How each heatmap peak is refined below a pixel: dark (DARK's Taylor step) "
        "or quarter (the published HRNet's quarter pixel). In_process backend; TorchServe "
        "reads `decoding` from the archive's model-config.yaml.",
    )
    track_stride: int = Field(
        4, ge=1, description="Every how many frames the person box is re-estimated."
    )
    backend_timeout_seconds: float = Field(30.0, gt=0, description="Per model request.")
    detector_weights: Path = Field(
        Path("models/pose/person_detector.safetensors"),
        description="Person detector for the other-people check (from `fitness train detector`).",
    )
    people_every: int = Field(
        5,
        ge=0,
        description="Every how many frames of a stream are checked for other people (0: none).",
    )
    follow_detected: bool = Field(
        True,
        description="Look for the person to follow among the person detector's boxes (at the "
        "start the one nearest the frame's centre, then the one nearest the box followed so "
        "far), not in the whole frame, where the pose model may take a bystander nearer the "
        "camera for the performer.",
    )
