"""The images' recipe (deploy/docker/Dockerfile), read without Docker: no Docker engine runs
on our machines, so the images themselves are built only where one does."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from client.cli import app
from tests.deploy.dockerfile import DOCKERFILE, exec_form, lineage, stages
from tests.deploy.services import (
    DEPLOY,
    MODEL_SERVICES,
    MODULES,
    REPO,
    SETTINGS,
    check_environment,
    prefix,
)

USER = "10001:10001"
HADOLINT = Path(sys.executable).parent / "hadolint"


def accepts(arguments: list[str]) -> bool:
    """Whether the `fitness` command line parses: its command and flags exist."""
    return CliRunner().invoke(app, [*arguments, "--help"]).exit_code == 0


def test_the_one_outside_base_is_a_pinned_python_311() -> None:
    found = stages()
    outside = {stage.base for stage in found.values() if stage.base not in found}
    assert len(outside) == 1
    (base,) = outside
    image, _, tag = base.partition(":")
    assert image == "python"
    assert re.fullmatch(r"3\.11\.\d+-slim-\w+", tag), "a patch release on a named Debian"


def test_every_stage_after_the_first_builds_on_an_earlier_one() -> None:
    names = list(stages())
    for position, stage in enumerate(list(stages().values())[1:], start=1):
        assert stage.base in names[:position], stage.name


@pytest.mark.parametrize("service", SETTINGS)
def test_service_images_copy_the_environment_and_leave_the_builder_behind(service: str) -> None:
    found = stages()
    chain = [stage.name for stage in lineage(service, found)]
    assert "builder" not in chain
    assert "archives" not in chain
    assert "--from=builder /opt/venv /opt/venv" in found[service].arguments("COPY")


@pytest.mark.parametrize("service", SETTINGS)
def test_service_images_run_as_the_unprivileged_user(service: str) -> None:
    chain = lineage(service, stages())
    users = [user for stage in reversed(chain) for user in stage.arguments("USER")]
    assert users[-1] == USER
    runs = " ".join(run for stage in chain for run in stage.arguments("RUN"))
    assert "useradd --system --uid 10001 --gid 10001" in runs


@pytest.mark.parametrize("service", SETTINGS)
def test_entrypoints_run_the_service_on_all_interfaces(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage = stages()[service]
    (entrypoint,) = stage.arguments("ENTRYPOINT")
    assert exec_form(entrypoint) == ["python", "-m", f"{MODULES[service]}.server"]
    assert stage.environment[f"{prefix(service)}HOST"] == "0.0.0.0"
    check_environment(service, stage.environment, monkeypatch)


@pytest.mark.parametrize("service", MODEL_SERVICES)
def test_model_services_carry_java_and_their_archives(service: str) -> None:
    chain = lineage(service, stages())
    runs = " ".join(run for stage in chain for run in stage.arguments("RUN"))
    assert "openjdk-17-jre-headless" in runs
    store = stages()[service].environment[f"{prefix(service)}TORCHSERVE_MODEL_STORE"]
    copies = stages()[service].arguments("COPY")
    assert f"--from=archives /model-store/{service}/ {store}/" in copies


def test_archives_are_built_by_fitness_from_the_shipped_weights() -> None:
    (run,) = stages()["archives"].arguments("RUN")
    commands = [shlex.split(command) for command in run.split("&&")]
    built = {}
    for command in commands:
        assert command[0] == "fitness"
        assert accepts(command[1:]), command
        flags = dict(zip(command[3::2], command[4::2], strict=True))
        assert (REPO / flags["--weights"]).is_file()
        built[command[1]] = flags["--out"]
    assert built == {
        "pose": "/model-store/pose",
        "action": "/model-store/action",
        "action-skeleton": "/model-store/action",
    }


def test_torch_is_the_version_the_project_pins() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    (pin,) = [
        dependency for dependency in project["dependencies"] if dependency.startswith("torch==")
    ]
    runs = " ".join(stages()["builder"].arguments("RUN"))
    assert f"pip install {pin} " in runs


def test_copied_files_exist_and_are_in_the_build_context() -> None:
    ignored = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for stage in stages().values():
        for copy in stage.arguments("COPY"):
            if copy.startswith("--from="):
                continue
            for source in shlex.split(copy)[:-1]:
                assert (REPO / source).exists(), source
                assert Path(source).parts[0] not in ignored, source


def test_the_build_context_leaves_out_environments_outputs_and_secrets() -> None:
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".git", ".venv", "build", "data", "runs", "deploy"} <= set(ignored)


def test_hadolint_finds_nothing() -> None:
    if not HADOLINT.is_file():
        pytest.skip("hadolint is not installed (`make setup` installs it with the dev tools)")
    config = DEPLOY / "docker" / "hadolint.yaml"
    result = subprocess.run(
        [str(HADOLINT), "--no-color", "--config", str(config), str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
