"""Settings of the scoring service: flags or `SCORING_*` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import Port, ServerSettings
from scoring_service.catalogue import DEFAULT_CATALOGUE


class ScoringSettings(ServerSettings):
    """How `fitness serve scoring` listens, where its indexes are and how it scores."""

    model_config = SettingsConfigDict(env_prefix="SCORING_")

    port: Port = 50053
    index_dir: Path = Field(
        Path("models/scoring"), description="Index directory (manifest.json and FAISS files)."
    )
    exercises: Path = Field(
        DEFAULT_CATALOGUE, description="Exercise catalogue: ids, names and major joints."
    )
    scorer: Literal["paper", "pose", "view"] = Field(
        "pose",
        description="Per-frame algorithm when a request names none: pose (ours; it separates "
        "valid from invalid performances better, see the README), view (ours, filmed from the "
        "performance's view; needs 3D references) or paper (3.D).",
    )
    reload_seconds: float = Field(
        5.0, ge=0, description="How often the index manifest is checked for changes; 0: never."
    )
    max_poses: int = Field(
        20_000, ge=1, description="Most poses in one request (RESOURCE_EXHAUSTED beyond)."
    )
