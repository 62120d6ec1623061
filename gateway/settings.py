"""Settings of the gateway: flags or `GATEWAY_*` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import Port, ServerSettings


class GatewaySettings(ServerSettings):
    """Where the backends are, the limits on uploads and how analyses are run."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_")

    port: Port = 50050
    pose_targets: str = Field(
        "127.0.0.1:50051", description="Pose service replicas, comma-separated host:port."
    )
    action_targets: str = Field(
        "127.0.0.1:50052", description="Action service replicas, comma-separated host:port."
    )
    scoring_targets: str = Field(
        "127.0.0.1:50053", description="Scoring service replicas, comma-separated host:port."
    )
    max_upload_mb: int = Field(256, gt=0, description="Largest video file accepted, in MiB.")
    max_duration_seconds: float = Field(600.0, gt=0, description="Longest video accepted.")
    max_frames: int = Field(36_000, gt=0, description="Most frames in a video accepted.")
    max_side: int = Field(4096, gt=0, description="Largest width or height accepted, pixels.")
    max_analyses: int = Field(4, gt=0, description="Analyses run at once; later ones wait.")
    queue_seconds: float = Field(
        30.0, ge=0, description="How long an analysis waits for a slot (RESOURCE_EXHAUSTED after)."
    )
    sample_fps: float = Field(
        15.0, gt=0, description="Frames per second posed and scored when a request says 0."
    )
    decode_side: int = Field(
        640, ge=64, description="Frames are decoded with their longer side at most this."
    )
    pose_batch: int = Field(16, gt=0, description="Frames per pose request.")
    orchestration: Literal["parallel", "sequential"] = Field(
        "parallel",
        description="parallel: decode, pose and recognition at once; sequential: one after "
        "another (the baseline `make bench` compares with).",
    )
    recognizer: Literal["fused", "video", "keypoints"] = Field(
        "fused",
        description="Who names the exercise when a request does not choose: both recognisers "
        "fused, the 3D ResNet alone or the keypoint classifier alone.",
    )
    fusion: Path = Field(
        Path("models/action/fusion.json"),
        description="Fitted calibration, weight and thresholds of the recognisers "
        "(`fitness train fusion`); built-in defaults where the file is missing.",
    )
    live_pass_seconds: float = Field(
        0.1,
        ge=0,
        description="Least time between two scoring passes of a live session (each scores "
        "everything posed so far).",
    )
    backend_timeout_seconds: float = Field(
        300.0, gt=0, description="Deadline of each backend call when the caller set none."
    )
    backend_tls_ca: Path | None = Field(
        None, description="PEM CA of the backends' certificates; set: TLS to every backend."
    )
    backend_tls_cert: Path | None = Field(
        None, description="PEM client certificate shown to the backends (mutual TLS)."
    )
    backend_tls_key: Path | None = Field(None, description="PEM private key of --backend-tls-cert.")
    auth_tokens_file: Path | None = Field(
        None,
        description="Accepted bearer tokens, one per line; set: every call needs one or an "
        "allowed client certificate (health checks excepted).",
    )
    auth_client_names: str = Field(
        "",
        description="Comma-separated common names of client certificates accepted instead of "
        "a token (with --tls-client-ca).",
    )
