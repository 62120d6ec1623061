"""Settings shared by every gRPC server, read from flags and environment variables.

Each service subclasses `ServerSettings` in its own `settings.py` with an `env_prefix` (for
example `POSE_`), so `POSE_PORT=7000` and `--port 7000` set the same field; flags win over
the environment, the environment over the defaults. Settings are built once in `main()` and
passed down; nothing else reads `os.environ`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# A TCP port; subclasses redeclare `port: Port = 50051` to change the default and keep the range.
Port = Annotated[int, Field(ge=0, le=65535, description="TCP port; 0 picks a free one.")]


class ServerSettings(BaseSettings):
    """How a gRPC server listens, limits and stops."""

    # Subclasses set their own prefix (POSE_, ACTION_, ...); FITNESS_ keeps the base class
    # from reading unprefixed variables such as HOST or PORT.
    model_config = SettingsConfigDict(
        env_prefix="FITNESS_",
        env_ignore_empty=True,
        extra="ignore",
        cli_kebab_case=True,
        cli_implicit_flags=True,
    )

    host: str = Field(
        "127.0.0.1",
        description="Interface to listen on; 0.0.0.0 (or [::]) to accept other machines.",
    )
    port: Port = 0
    max_message_mb: int = Field(
        64, gt=0, le=2047, description="Largest message received or sent, in MiB."
    )
    max_concurrent_rpcs: int = Field(
        0, ge=0, description="Calls served at once before new ones are refused; 0: no cap."
    )
    grace_seconds: float = Field(
        10.0,
        ge=0,
        description="Seconds in-flight calls may take to finish after SIGTERM or SIGINT "
        "(keep it below the orchestrator's termination grace period).",
    )
    tls_cert: Path | None = Field(
        None, description="PEM certificate chain; with --tls-key the server speaks TLS only."
    )
    tls_key: Path | None = Field(None, description="PEM private key of --tls-cert.")
    health_port: Port | None = Field(
        None,
        description="A second, plaintext port serving only grpc.health.v1, for probes that "
        "cannot speak (mutual) TLS, such as Kubernetes' grpc probe; unset: none.",
    )
    max_connection_age_seconds: float = Field(
        0.0,
        ge=0,
        description="Clients are asked to reconnect after this long, so that callers "
        "balancing over a DNS name find new replicas; 0: never.",
    )
    tls_client_ca: Path | None = Field(
        None,
        description="PEM CA: callers must present a certificate it signed (mutual TLS).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Lowest level logged."
    )
    metrics_port: Port | None = Field(
        None,
        description="Port for Prometheus metrics at /metrics (HTTP, on `host`); "
        "unset: no metrics endpoint.",
    )

    @property
    def address(self) -> str:
        """`host:port` to bind, with IPv6 hosts bracketed."""
        return self.address_at(self.port)

    def address_at(self, port: int) -> str:
        """`host:port` for another port on the same host (the health port)."""
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        return f"{host}:{port}"

    @classmethod
    def from_args(cls, argv: Sequence[str] = (), prog: str | None = None) -> Self:
        """Builds the settings from command-line flags over the environment.

        `--help` prints every flag with its environment variable's default and exits.
        """
        return cls(_cli_parse_args=list(argv), _cli_prog_name=prog)


class ModelServiceSettings(ServerSettings):
    """A service whose model runs under TorchServe (the default) or inside the process."""

    backend: Literal["torchserve", "in_process"] = Field(
        "torchserve", description="Run the model under TorchServe, or inside this process."
    )
    torchserve_url: str = Field(
        "http://127.0.0.1:8080", description="TorchServe inference API (backend torchserve)."
    )
    torchserve_model: str = Field("", description="Model name registered in TorchServe.")
    torchserve_token: str = Field(
        "", description="TorchServe inference token; empty only where token auth is off."
    )
    torchserve_model_store: Path | None = Field(
        None,
        description="Folder of .mar archives: the service starts TorchServe itself on loopback "
        "with them (token auth on) and stops it on exit, as in a container; unset: use "
        "--torchserve-url.",
    )
    torchserve_config: Path | None = Field(
        None,
        description="A config.properties laid over the one generated for the TorchServe "
        "started here (its addresses, ports and token settings stay).",
    )
    torchserve_startup_seconds: float = Field(
        300.0, gt=0, description="How long a TorchServe started here may take to load models."
    )
    backend_timeout_seconds: float = Field(60.0, gt=0, description="Per model request.")
