"""TorchServe as the services use it: model archives, and a TorchServe process on loopback.

`build_archive` wraps torch-model-archiver. `TorchServe` starts `torchserve --foreground` with
a generated `config.properties` (loopback addresses on free ports, no config snapshots, logs
in its work folder), waits until every model has a ready worker, and stops exactly the process
it started. Token authorisation stays on unless `token_auth=False` (tests on loopback only);
with it on, the key TorchServe writes to `key_file.json` is read and sent as a bearer token.
`hosted_torchserve` lets a model service start its own TorchServe (one per container).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import torch

from common.errors import BackendUnavailableError, InvalidInputError
from common.settings import ModelServiceSettings

BIN = Path(sys.executable).parent


def build_archive(
    *, name: str, version: str, weights: Path, handler: Path, config: Path, out_dir: Path
) -> Path:
    """Packs weights, handler and model config into `out_dir/<name>.mar`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(BIN / "torch-model-archiver"),
        "--model-name",
        name,
        "--version",
        version,
        "--serialized-file",
        str(weights),
        "--handler",
        str(handler),
        "--config-file",
        str(config),
        "--export-path",
        str(out_dir),
        "--force",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"torch-model-archiver failed for {name}: {result.stderr.strip()}")
    return out_dir / f"{name}.mar"


class ModelNotRegisteredError(BackendUnavailableError):
    """TorchServe answers, but has no model of that name (HTTP 404)."""


class InferenceClient:
    """Posts binary requests to one model of TorchServe's inference API.

    Errors become the product's: a 400 is the caller's mistake (INVALID_ARGUMENT), anything
    else, or no answer at all, means the model server is unavailable (UNAVAILABLE); a 404 is
    `ModelNotRegisteredError`, still UNAVAILABLE, so a service with an optional model can
    tell it apart.
    """

    def __init__(self, url: str, model: str, token: str, *, timeout_seconds: float) -> None:
        self.url = f"{url.rstrip('/')}/predictions/{model}"
        self._headers = {"Content-Type": "application/octet-stream"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._timeout = timeout_seconds

    @classmethod
    def from_settings(
        cls, settings: ModelServiceSettings, model: str | None = None
    ) -> InferenceClient:
        """The client a model service's settings describe, for `model` (default: the
        settings' `torchserve_model`)."""
        return cls(
            settings.torchserve_url,
            model or settings.torchserve_model,
            settings.torchserve_token,
            timeout_seconds=settings.backend_timeout_seconds,
        )

    def post(self, body: bytes) -> bytes:
        """The model's answer to one request (blocking: run it in a thread)."""
        request = urllib.request.Request(self.url, data=body, headers=self._headers)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            message = _error_message(error)
            if error.code == 400:
                raise InvalidInputError(f"the model refused the request: {message}") from error
            if error.code == 404:
                raise ModelNotRegisteredError(
                    f"TorchServe at {self.url} has no such model: {message}"
                ) from error
            raise BackendUnavailableError(
                f"TorchServe at {self.url} answered {error.code}: {message}"
            ) from error
        except (urllib.error.URLError, OSError) as error:
            raise BackendUnavailableError(
                f"TorchServe at {self.url} does not answer: {error}"
            ) from error


def _error_message(error: urllib.error.HTTPError) -> str:
    try:
        return json.loads(error.read()).get("message", error.reason)
    except (ValueError, OSError):
        return str(error.reason)


def worker_device(context: Any) -> torch.device:
    """The device a TorchServe worker was given: its GPU when there is one, else the CPU."""
    gpu = context.system_properties.get("gpu_id")
    return torch.device(f"cuda:{gpu}" if torch.cuda.is_available() and gpu is not None else "cpu")


def serialized_file(context: Any) -> Path:
    """The archive's weights file, in the worker's model folder."""
    properties = context.system_properties
    return Path(properties["model_dir"]) / context.manifest["model"]["serializedFile"]


def request_body(row: dict) -> bytes | bytearray:
    """A TorchServe request's raw binary body (TorchServe names it `data` or `body`)."""
    body = row.get("data") or row.get("body")
    if not isinstance(body, (bytes, bytearray)):
        raise InvalidInputError("a model request must be a binary body (application/octet-stream)")
    return body


def read_properties(path: Path) -> dict[str, str]:
    """A Java properties file's `key=value` lines (comments and blank lines skipped)."""
    properties = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")):
            key, _, value = line.partition("=")
            properties[key.strip()] = value.strip()
    return properties


# Ports handed out by `free_port` in this process, never handed out twice.
_handed_out: set[int] = set()


def _ephemeral_range() -> tuple[int, int]:
    """The kernel's range for outgoing connections' source ports (Linux's default elsewhere)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now, for a server started later.

    It is drawn outside the ephemeral range: a port the kernel hands out for binding to 0 can
    be taken as the source port of any outgoing connection (a service calling TorchServe)
    before the server it was meant for binds it.
    """
    low, high = _ephemeral_range()
    candidates = [port for port in range(10000, 65536) if not low <= port <= high]
    for port in random.sample(candidates, len(candidates)):
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise BackendUnavailableError("no free TCP port on 127.0.0.1")


class TorchServe:
    """A TorchServe process serving the archives of `model_store` on loopback.

    Args:
        model_store: Folder holding the `.mar` files.
        models: Model name to archive file name, loaded at start.
        workdir: Folder for the config, logs and metrics.
        token_auth: Keep TorchServe's token authorisation on (the default).
        startup_seconds: How long to wait for the models' workers.
        extra_properties: A config.properties whose lines join the generated ones (batch
            sizes, queue lengths, threads); the generated addresses, ports and token
            settings win.
    """

    def __init__(
        self,
        model_store: Path,
        models: dict[str, str],
        workdir: Path,
        *,
        token_auth: bool = True,
        startup_seconds: float = 120.0,
        extra_properties: Path | None = None,
    ) -> None:
        # TorchServe runs in `workdir`: every path it is given must be absolute.
        self.model_store, self.workdir = model_store.resolve(), workdir.resolve()
        self.models = models
        self.token_auth, self.startup_seconds = token_auth, startup_seconds
        self.extra_properties = extra_properties
        self.inference_port = self.management_port = self.metrics_port = 0
        self.process: subprocess.Popen | None = None
        self._token = ""

    @property
    def inference_url(self) -> str:
        return f"http://127.0.0.1:{self.inference_port}"

    @property
    def metrics_url(self) -> str:
        """TorchServe's own Prometheus metrics (inference counts and latencies per model)."""
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def write_config(self) -> Path:
        """Writes `config.properties` into the work folder (fresh free ports); returns its path."""
        self.inference_port, self.management_port = free_port(), free_port()
        self.metrics_port = free_port()
        lines = {
            "inference_address": self.inference_url,
            "management_address": f"http://127.0.0.1:{self.management_port}",
            "metrics_address": f"http://127.0.0.1:{self.metrics_port}",
            "grpc_inference_address": "127.0.0.1",
            "grpc_management_address": "127.0.0.1",
            "grpc_inference_port": free_port(),
            "grpc_management_port": free_port(),
            "disable_token_authorization": str(not self.token_auth).lower(),
            "install_py_dep_per_model": "false",
            "default_workers_per_model": 1,
            # A video's frames go in one request (the default cap is 6.5 MB).
            "max_request_size": 128 * 1024 * 1024,
            "max_response_size": 128 * 1024 * 1024,
        }
        if self.extra_properties is not None:
            lines = read_properties(self.extra_properties) | lines
        path = self.workdir / "config.properties"
        path.write_text("".join(f"{key}={value}\n" for key, value in lines.items()))
        return path

    def start(self) -> Self:
        """Starts TorchServe and waits until every model has a ready worker."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.write_config()
        command = [
            str(BIN / "torchserve"),
            "--start",
            "--foreground",
            "--ncs",
            "--model-store",
            str(self.model_store),
            "--ts-config",
            str(config),
            "--models",
            *(f"{name}={archive}" for name, archive in self.models.items()),
        ]
        if not self.token_auth:
            command.append("--disable-token-auth")
        # TorchServe keeps its pid file in the temp folder and refuses to start while it names a
        # live process: a private temp folder lets several instances run side by side.
        (self.workdir / "tmp").mkdir(exist_ok=True)
        env = {
            **os.environ,
            "TMPDIR": str(self.workdir / "tmp"),
            "LOG_LOCATION": str(self.workdir / "logs"),
            "METRICS_LOCATION": str(self.workdir / "logs"),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        log = (self.workdir / "torchserve.out").open("w")
        self.process = subprocess.Popen(
            command,
            cwd=self.workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_seconds
        pending = set(self.models)
        while pending and time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise BackendUnavailableError(
                    f"TorchServe exited: see {self.workdir}/torchserve.out"
                )
            if self.token_auth and not self._token:
                self._token = self._read_token("management")
            for name in list(pending):
                if self._worker_ready(name):
                    pending.discard(name)
            time.sleep(0.5)
        if pending:
            self.stop()
            raise BackendUnavailableError(
                f"TorchServe models {sorted(pending)} not ready after "
                f"{self.startup_seconds:.0f} s: see {self.workdir}/torchserve.out"
            )

    def _read_token(self, kind: str) -> str:
        path = self.workdir / "key_file.json"
        if not path.is_file():
            return ""
        try:
            keys = json.loads(path.read_text())
        except json.JSONDecodeError:
            return ""  # TorchServe is still writing it
        return keys.get(kind, {}).get("key", "")

    def _worker_ready(self, name: str) -> bool:
        url = f"http://127.0.0.1:{self.management_port}/models/{name}"
        request = urllib.request.Request(url, headers=self._auth_headers("management"))
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                description = json.loads(response.read())
        except (urllib.error.URLError, OSError):
            return False
        workers = description[0].get("workers", []) if description else []
        return any(worker.get("status") == "READY" for worker in workers)

    def _auth_headers(self, kind: str) -> dict[str, str]:
        if not self.token_auth:
            return {}
        return {"Authorization": f"Bearer {self._read_token(kind)}"}

    def inference_token(self) -> str:
        """The bearer token of the inference API ('' with token authorisation off)."""
        return self._read_token("inference") if self.token_auth else ""

    def stop(self) -> None:
        """Stops the TorchServe process (and its workers) started here."""
        if self.process is None or self.process.poll() is not None:
            return
        group = self.process.pid
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait(timeout=10)
        # The Java frontend and the Python workers may outlive the launcher for a moment.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        os.killpg(group, signal.SIGKILL)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


SettingsT = TypeVar("SettingsT", bound=ModelServiceSettings)


@contextlib.contextmanager
def hosted_torchserve(
    settings: SettingsT, required: Sequence[str], optional: Sequence[str] = ()
) -> Iterator[SettingsT]:
    """The settings a model service runs with: unchanged, or, when they name a model store,
    pointing at a TorchServe started here with the `<model>.mar` archives of `required` and
    of those of `optional` that exist; TorchServe stops when the block ends.

    Raises:
        FileNotFoundError: A required archive is missing from the store.
        BackendUnavailableError: TorchServe did not start or load the models in time.
    """
    store = settings.torchserve_model_store
    if store is None or settings.backend != "torchserve":
        yield settings
        return
    for name in required:
        if not (store / f"{name}.mar").is_file():
            raise FileNotFoundError(f"no {name}.mar in the model store {store}")
    names = [*required, *(name for name in optional if (store / f"{name}.mar").is_file())]
    with (
        tempfile.TemporaryDirectory(prefix="torchserve-") as workdir,
        TorchServe(
            store,
            {name: f"{name}.mar" for name in names},
            Path(workdir),
            startup_seconds=settings.torchserve_startup_seconds,
            extra_properties=settings.torchserve_config,
        ) as server,
    ):
        update = {"torchserve_url": server.inference_url}
        update["torchserve_token"] = server.inference_token()
        yield settings.model_copy(update=update)
