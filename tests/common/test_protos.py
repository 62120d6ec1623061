"""The fitness.v1 contracts: stubs are current, buf accepts them, and C++ stubs talk to us.

Integrators generate stubs in their own languages, so the protos are also compiled by two
other toolchains: buf (lint and build) and Debian's protoc with gRPC's C++ plugin, whose
client then calls one of our Python servers. `make proto-tools` installs both.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from common.protogen import PACKAGE_DIR, PROTO_ROOT, proto_files, stale_files
from common.server import RunningServer

REPO_ROOT = Path(__file__).resolve().parents[2]
BUF = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "buf"
CPP_CLIENT = Path(__file__).with_name("cpp") / "scorer_client.cc"
SERVICES = {"PoseEstimator", "ActionRecognizer", "KeypointScorer", "Gateway"}


def test_the_committed_stubs_match_the_protos():
    assert stale_files() == [], "run `make proto` and commit the stubs"


def test_every_service_and_the_common_types_have_a_proto():
    names = {p.name for p in proto_files()}
    assert names == {"common.proto", "pose.proto", "action.proto", "scoring.proto", "gateway.proto"}


ENUM_VALUE = re.compile(r"^[A-Z][A-Z0-9_]* = \d+;$")


def test_every_message_field_and_rpc_is_documented():
    """Every service, rpc, message, enum and field has a comment (enum values name themselves)."""
    undocumented = []
    for path in proto_files():
        lines = (PROTO_ROOT / path).read_text().splitlines()
        for number, line in enumerate(lines):
            text = line.strip()
            declares = text.startswith(("message ", "rpc ", "service ", "enum ")) or (
                text.endswith(";") and "=" in text and not text.startswith(("option", "syntax"))
            )
            documented = lines[number - 1].strip().startswith("//")
            if declares and not documented and not ENUM_VALUE.match(text):
                undocumented.append(f"{path}:{number + 1}: {text}")
    assert undocumented == []


def require(tool: Path | str | None, what: str) -> str:
    if tool is None or not Path(tool).exists():
        pytest.skip(f"{what} is not installed: run `make proto-tools`")
    return str(tool)


def test_buf_lints_the_protos():
    buf = require(BUF, "buf")
    result = subprocess.run([buf, "lint"], cwd=PROTO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_builds_an_image_with_every_service(tmp_path):
    buf = require(BUF, "buf")
    image = tmp_path / "image.binpb"
    subprocess.run([buf, "build", "-o", str(image)], cwd=PROTO_ROOT, check=True)
    files = descriptor_pb2.FileDescriptorSet.FromString(image.read_bytes()).file
    services = {service.name for f in files for service in f.service}
    assert services == SERVICES
    assert {f.package for f in files} == {"fitness.v1"}


async def run(*command: str, limit_seconds: float = 180) -> str:
    """Runs a command without blocking the event loop (the server under test lives on it)."""
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=limit_seconds)
    assert process.returncode == 0, f"{command[0]} failed:\n{err.decode()}"
    return out.decode()


async def test_a_cpp_client_generated_from_the_protos_calls_a_python_server(
    tmp_path, double_server: RunningServer
):
    protoc = require(shutil.which("protoc"), "protoc")
    plugin = require(shutil.which("grpc_cpp_plugin"), "grpc_cpp_plugin")
    pkg_config = require(shutil.which("pkg-config"), "pkg-config")
    protos = [str(PROTO_ROOT / p) for p in proto_files()]
    await run(
        protoc,
        f"-I{PROTO_ROOT}",
        f"--cpp_out={tmp_path}",
        f"--grpc_out={tmp_path}",
        f"--plugin=protoc-gen-grpc={plugin}",
        *protos,
    )
    flags = (await run(pkg_config, "--cflags", "--libs", "grpc++", "protobuf")).split()
    sources = sorted(str(p) for p in (tmp_path / PACKAGE_DIR).glob("*.cc"))
    binary = tmp_path / "scorer_client"
    await run(
        "g++", "-std=c++17", "-O0", f"-I{tmp_path}", str(CPP_CLIENT), *sources, *flags,
        "-o", str(binary),
    )  # fmt: skip

    output = await run(str(binary), f"127.0.0.1:{double_server.port}", limit_seconds=60)
    assert output.splitlines() == [
        "exercise BodyWeightSquats",
        "scored PushUps overall 2",
        "unknown exercise: status 5",  # NOT_FOUND
    ]
