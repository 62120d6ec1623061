"""What the deployment files must agree with: each service's settings, ports and files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from action_service.settings import ActionSettings
from gateway.settings import GatewaySettings
from pose_service.settings import PoseSettings
from scoring_service.settings import ScoringSettings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"

SETTINGS: dict[str, type[BaseSettings]] = {
    "pose": PoseSettings,
    "action": ActionSettings,
    "scoring": ScoringSettings,
    "gateway": GatewaySettings,
}
MODULES = {
    "pose": "pose_service",
    "action": "action_service",
    "scoring": "scoring_service",
    "gateway": "gateway",
}
MODEL_SERVICES = ("pose", "action")
BACKENDS = ("pose", "action", "scoring")


def prefix(service: str) -> str:
    """The service's environment prefix, e.g. `POSE_`."""
    return SETTINGS[service].model_config["env_prefix"]


def default_port(service: str) -> int:
    """The port the service listens on unless told otherwise."""
    return SETTINGS[service].model_fields["port"].default


def check_environment(
    service: str, environment: Mapping[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fails unless every variable is a setting of `service` and the service's settings
    accept the values."""
    assert unknown_variables(service, environment) == [], f"not settings of {service}"
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    SETTINGS[service]()  # raises where a value does not fit its setting


def unknown_variables(service: str, names: Iterable[str]) -> list[str]:
    """The variables that name no setting of `service` (other prefixes included)."""
    fields = SETTINGS[service].model_fields
    start = prefix(service)
    return sorted(
        name
        for name in names
        if not name.startswith(start) or name[len(start) :].lower() not in fields
    )
