"""The whole system on one machine (`fitness serve all`): TorchServe with the pose and action
archives (and the keypoint classifier's when it is built), then the pose, action, scoring and
gateway services, each started once the one before reports SERVING, and stopped in reverse
order. Pose and action may run as several replicas; with certificates from `fitness certs`
every hop speaks TLS."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from action_service.archive import KEYPOINT_MODEL_NAME, build_action_archive
from common.errors import BackendUnavailableError
from common.security import ClientSecurity
from common.torchserve import TorchServe, free_port
from pose_service.archive import build_pose_archive

# Model name to archive file: the two the stack needs (the keypoint classifier's is optional).
ARCHIVES = {"pose": "pose.mar", "action": "action.mar"}


def build_archives(models: Path, model_store: Path) -> list[Path]:
    """Archives the shipped weights under `models` into `model_store`: pose, action and, when
    its weights exist, the keypoint classifier."""
    pose = models / "pose" / "hrnet_compact.safetensors"
    action = models / "action" / "r3d_compact.safetensors"
    keypoints = models / "action" / "skeleton_tcn.safetensors"
    for weights in (pose, action):
        if not weights.is_file():
            raise FileNotFoundError(f"no weights at {weights}: run from the repository root")
    archives = [build_pose_archive(pose, model_store), build_action_archive(action, model_store)]
    if keypoints.is_file():
        archives.append(build_action_archive(keypoints, model_store))
    return archives


@dataclass
class StackConfig:
    """Where the models are and which ports the services take."""

    model_store: Path = Path("build/model-store")
    index_dir: Path = Path("models/scoring")
    workdir: Path = Path("build/stack")
    host: str = "127.0.0.1"
    gateway_port: int = 50050
    pose_port: int = 50051
    action_port: int = 50052
    scoring_port: int = 50053
    startup_seconds: float = 180.0
    gateway_flags: list[str] = field(default_factory=list)  # more `fitness serve gateway` flags
    # Replicas beyond the first listen on free ports; the gateway balances over all of them.
    pose_replicas: int = 1
    action_replicas: int = 1
    # Certificates from `fitness certs`: TLS on every hop, mutual between the services.
    tls_dir: Path | None = None
    # Bearer tokens the gateway accepts, one per line (needs `tls_dir`).
    auth_tokens_file: Path | None = None

    @classmethod
    def on_free_ports(
        cls, model_store: Path, index_dir: Path, workdir: Path, **more: Any
    ) -> StackConfig:
        """A config whose four services listen on free loopback ports (tests, benchmarks);
        `more` sets other fields."""
        ports = {f"{name}_port": free_port() for name in ("gateway", "pose", "action", "scoring")}
        return cls(model_store=model_store, index_dir=index_dir, workdir=workdir, **ports, **more)


def log_tail(log: Path, lines: int = 15) -> str:
    """The last `lines` lines of a service's log, for an error message."""
    text = log.read_text(errors="replace") if log.is_file() else ""
    return "\n".join(text.splitlines()[-lines:])


# Reconnect every 0.1 to 0.5 s while a service starts: with gRPC's default backoff (1 s,
# growing by 1.6 times) a service that listens after a few seconds is seen seconds late.
STARTUP_CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 500),
]


def wait_serving(
    address: str,
    timeout_seconds: float,
    process: subprocess.Popen,
    log: Path,
    security: ClientSecurity | None = None,
) -> None:
    """Waits until the server at `address` reports SERVING on grpc.health.v1; if its process
    exits first, the error carries the end of its `log`."""
    deadline = time.monotonic() + timeout_seconds
    credentials = (security or ClientSecurity()).credentials()
    channel = (
        grpc.insecure_channel(address, options=STARTUP_CHANNEL_OPTIONS)
        if credentials is None
        else grpc.secure_channel(address, credentials, options=STARTUP_CHANNEL_OPTIONS)
    )
    with channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BackendUnavailableError(
                    f"the service for {address} exited with {process.returncode}; "
                    f"the end of {log}:\n{log_tail(log)}"
                )
            try:
                status = health.Check(health_pb2.HealthCheckRequest(), timeout=2).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.3)
    raise BackendUnavailableError(f"{address} did not report SERVING in {timeout_seconds:.0f} s")


@dataclass
class LocalStack:
    """TorchServe and the four services as child processes; a context manager."""

    config: StackConfig = field(default_factory=StackConfig)
    torchserve: TorchServe | None = None
    processes: list[tuple[str, subprocess.Popen]] = field(default_factory=list)

    def address(self, port: int) -> str:
        return f"{self.config.host}:{port}"

    @property
    def client_security(self) -> ClientSecurity:
        """How a client on this machine reaches the services: the `client` certificate of
        `tls_dir` (plaintext without one); add a token for the gateway."""
        folder = self.config.tls_dir
        if folder is None:
            return ClientSecurity()
        return ClientSecurity(folder / "ca.pem", folder / "client.pem", folder / "client-key.pem")

    def _tls_flags(self, name: str) -> list[str]:
        """A service's own certificate; the backends also ask callers for one (mutual TLS)."""
        folder = self.config.tls_dir
        if folder is None:
            return []
        flags = [
            "--tls-cert",
            str(folder / f"{name}.pem"),
            "--tls-key",
            str(folder / f"{name}-key.pem"),
        ]
        if name != "gateway":
            flags += ["--tls-client-ca", str(folder / "ca.pem")]
        return flags

    def _service(self, name: str, module: str, port: int, flags: list[str]) -> None:
        log = self.config.workdir / f"{name}.log"
        command = [sys.executable, "-m", module, "--host", self.config.host, "--port", str(port)]
        with log.open("w") as output:
            process = subprocess.Popen(
                [*command, *self._tls_flags(name.split("-")[0]), *flags],
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.processes.append((name, process))
        wait_serving(
            self.address(port), self.config.startup_seconds, process, log, self.client_security
        )

    def _replicas(self, name: str, module: str, port: int, count: int, flags: list[str]) -> str:
        """Starts `count` replicas (the first on `port`); returns their comma-separated
        addresses. A single replica keeps the plain name `name` for its log."""
        ports = [port] + [free_port() for _ in range(count - 1)]
        for number, replica_port in enumerate(ports, start=1):
            self._service(name if count == 1 else f"{name}-{number}", module, replica_port, flags)
        return ",".join(self.address(replica_port) for replica_port in ports)

    def _gateway_security_flags(self) -> list[str]:
        """TLS (with the gateway's certificate as the client one) to the backends, and the
        tokens callers must send."""
        folder, tokens = self.config.tls_dir, self.config.auth_tokens_file
        flags = []
        if folder is not None:
            flags += ["--backend-tls-ca", str(folder / "ca.pem")]
            flags += ["--backend-tls-cert", str(folder / "gateway.pem")]
            flags += ["--backend-tls-key", str(folder / "gateway-key.pem")]
        if tokens is not None:
            flags += ["--auth-tokens-file", str(tokens)]
        return flags

    def start(self) -> Self:
        """Starts everything; on any failure stops what started and re-raises.

        Raises:
            ValueError: Tokens without TLS, or fewer than one replica.
        """
        config = self.config
        if config.auth_tokens_file is not None and config.tls_dir is None:
            raise ValueError("gateway tokens need TLS: give the certificates folder too")
        if min(config.pose_replicas, config.action_replicas) < 1:
            raise ValueError("every service needs at least one replica")
        config.workdir.mkdir(parents=True, exist_ok=True)
        for name, archive in ARCHIVES.items():
            if not (config.model_store / archive).is_file():
                raise FileNotFoundError(
                    f"no {archive} in {config.model_store}: build it with `fitness {name} archive`"
                )
        models = dict(ARCHIVES)
        keypoint_archive = f"{KEYPOINT_MODEL_NAME}.mar"
        if (config.model_store / keypoint_archive).is_file():
            models[KEYPOINT_MODEL_NAME] = keypoint_archive
        try:
            self.torchserve = TorchServe(
                config.model_store,
                models,
                config.workdir / "torchserve",
                startup_seconds=config.startup_seconds,
            ).start()
            model_flags = [
                "--backend",
                "torchserve",
                "--torchserve-url",
                self.torchserve.inference_url,
                # One argument: a token may start with "-".
                f"--torchserve-token={self.torchserve.inference_token()}",
            ]
            pose_targets = self._replicas(
                "pose", "pose_service.server", config.pose_port, config.pose_replicas, model_flags
            )
            action_flags = (
                [*model_flags, "--keypoint-torchserve-model", KEYPOINT_MODEL_NAME]
                if KEYPOINT_MODEL_NAME in models
                else [*model_flags, "--no-keypoints"]
            )
            action_targets = self._replicas(
                "action",
                "action_service.server",
                config.action_port,
                config.action_replicas,
                action_flags,
            )
            self._service(
                "scoring",
                "scoring_service.server",
                config.scoring_port,
                ["--index-dir", str(config.index_dir)],
            )
            self._service(
                "gateway",
                "gateway.server",
                config.gateway_port,
                [
                    "--pose-targets",
                    pose_targets,
                    "--action-targets",
                    action_targets,
                    "--scoring-targets",
                    self.address(config.scoring_port),
                    *self._gateway_security_flags(),
                    *config.gateway_flags,
                ],
            )
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """SIGTERM to each service, gateway first (each drains its calls), then TorchServe."""
        for _, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.processes.clear()
        if self.torchserve is not None:
            self.torchserve.stop()
            self.torchserve = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def run_until_stopped(stack: LocalStack) -> None:
    """Starts the stack and blocks until SIGTERM or SIGINT, then stops it."""
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with stack:
            print(f"serving: gateway at {stack.address(stack.config.gateway_port)}", flush=True)
            if stack.torchserve is not None:
                print(f"TorchServe metrics at {stack.torchserve.metrics_url}", flush=True)
            while not stopping:
                time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
