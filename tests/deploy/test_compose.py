"""The single-machine deployment (deploy/compose.yaml, and compose.gpu.yaml over it), read as
Docker Compose would merge them."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from client.certs import SERVICE_NAMES, dns_names, write_development_certificates
from client.cli import app
from tests.deploy.dockerfile import stages
from tests.deploy.kustomize import strategic_merge
from tests.deploy.services import (
    BACKENDS,
    DEPLOY,
    MODEL_SERVICES,
    REPO,
    SETTINGS,
    check_environment,
    default_port,
    prefix,
)

SECRETS = "/run/secrets/"


@functools.cache
def compose(gpu: bool = False) -> dict[str, Any]:
    """compose.yaml, with compose.gpu.yaml laid over it when `gpu` (mappings merge)."""
    merged = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    if gpu:
        merged = strategic_merge(merged, yaml.safe_load((DEPLOY / "compose.gpu.yaml").read_text()))
    return merged


def service(name: str, gpu: bool = False) -> dict[str, Any]:
    return compose(gpu)["services"][name]


def healthcheck_arguments(name: str) -> list[str]:
    test = service(name)["healthcheck"]["test"]
    assert test[:2] == ["CMD", "fitness"]
    return test[2:]


def test_the_four_services_share_one_network() -> None:
    assert set(compose()["services"]) == set(SETTINGS)
    assert set(compose()["networks"]) == {"fitness"}
    assert all(service(name)["networks"] == ["fitness"] for name in SETTINGS)


@pytest.mark.parametrize("gpu", [False, True], ids=["cpu", "gpu"])
@pytest.mark.parametrize("name", SETTINGS)
def test_environment_is_settings_of_each_service(
    name: str, gpu: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    check_environment(name, service(name, gpu)["environment"], monkeypatch)


@pytest.mark.parametrize("name", SETTINGS)
def test_images_are_built_from_their_dockerfile_target(name: str) -> None:
    build = service(name)["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == (
        REPO / "deploy" / "docker" / "Dockerfile"
    )
    assert build["target"] == name
    assert name in stages()
    assert service(name)["image"] == f"smart-fitness-trainer/{name}:0.1.0-cpu"


@pytest.mark.parametrize("name", SETTINGS)
def test_containers_run_read_only_without_privileges(name: str) -> None:
    assert service(name)["read_only"] is True
    assert service(name)["tmpfs"] == ["/tmp"]
    assert service(name)["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in service(name)["security_opt"]


@pytest.mark.parametrize("name", SETTINGS)
def test_healthchecks_ask_the_service_itself_over_its_tls(name: str) -> None:
    arguments = healthcheck_arguments(name)
    command = arguments.index("check")
    assert arguments[command + 1] == f"127.0.0.1:{default_port(name)}"
    flags = dict(zip(arguments[:command:2], arguments[1:command:2], strict=True))
    assert flags["--tls-ca"] == f"{SECRETS}ca.pem"
    if name in BACKENDS:  # they ask every caller for a certificate
        assert flags["--tls-cert"] == f"{SECRETS}{name}.pem"
        assert flags["--tls-key"] == f"{SECRETS}{name}-key.pem"
    for path in flags.values():
        assert path.removeprefix(SECRETS) in service(name)["secrets"]
    assert CliRunner().invoke(app, [*arguments, "--help"]).exit_code == 0


@pytest.mark.parametrize("name", SETTINGS)
def test_tls_is_on_for_every_service_from_mounted_secrets(name: str) -> None:
    environment = service(name)["environment"]
    assert environment[f"{prefix(name)}TLS_CERT"] == f"{SECRETS}{name}.pem"
    assert environment[f"{prefix(name)}TLS_KEY"] == f"{SECRETS}{name}-key.pem"
    for value in environment.values():
        if value.startswith(SECRETS):
            assert value.removeprefix(SECRETS) in service(name)["secrets"], value


@pytest.mark.parametrize("name", BACKENDS)
def test_backends_accept_only_callers_with_a_certificate(name: str) -> None:
    assert service(name)["environment"][f"{prefix(name)}TLS_CLIENT_CA"] == f"{SECRETS}ca.pem"


@pytest.mark.parametrize("backend", BACKENDS)
def test_gateway_reaches_every_replica_of_a_backend_by_its_name(backend: str) -> None:
    environment = service("gateway")["environment"]
    target = environment[f"GATEWAY_{backend.upper()}_TARGETS"]
    assert target == f"dns:///{backend}:{default_port(backend)}"
    assert backend in dns_names(backend, "fitness"), "the backend's certificate names it"
    assert service("gateway")["depends_on"][backend] == {"condition": "service_healthy"}


def test_gateway_checks_callers_and_is_the_only_published_service() -> None:
    environment = service("gateway")["environment"]
    assert environment["GATEWAY_AUTH_TOKENS_FILE"] == f"{SECRETS}tokens"
    assert environment["GATEWAY_BACKEND_TLS_CA"] == f"{SECRETS}ca.pem"
    assert service("gateway")["ports"] == [f"{default_port('gateway')}:{default_port('gateway')}"]
    assert all("ports" not in service(name) for name in BACKENDS)


def test_secrets_are_files_fitness_certs_writes_or_the_token_file(tmp_path: Path) -> None:
    written = {path.name for path in write_development_certificates(tmp_path, SERVICE_NAMES)}
    written |= {path.name for path in tmp_path.glob("*-key.pem")}
    for name, secret in compose()["secrets"].items():
        assert secret == {"file": f"./secrets/{name}"}
        assert name in written or name == "tokens", name
    ignored = (DEPLOY / "secrets" / ".gitignore").read_text().split()
    assert "*" in ignored
    assert "!.gitignore" in ignored


def test_gpus_come_only_with_the_gpu_file() -> None:
    for name in SETTINGS:
        assert "deploy" not in service(name)
        gpu = service(name, gpu=True)
        if name in MODEL_SERVICES:
            (device,) = gpu["deploy"]["resources"]["reservations"]["devices"]
            assert device == {"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}
            assert gpu["build"]["args"] == {"TORCH_VARIANT": "cu130"}
            assert gpu["image"] == f"smart-fitness-trainer/{name}:0.1.0-cu130"
            assert gpu["build"]["target"] == name, "the rest of the build stays"
        else:
            assert gpu == service(name)
