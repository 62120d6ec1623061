"""The `fitness` command line: thin, typed commands over the library code."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import grpc
import typer
from grpc_health.v1 import health_pb2, health_pb2_grpc

from common.channels import open_channel
from common.errors import FitnessError
from common.video import probe_video

app = typer.Typer(
    name="fitness",
    help="Smart Fitness Trainer: score exercise form from video.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class CLIError(Exception):
    """A mistake the user can fix; its message says how."""


PROBE_EXAMPLES = """
Examples:

    fitness probe squats.mp4

    fitness probe phone_clip.mov --json
"""


@app.command(epilog=PROBE_EXAMPLES)
def probe(
    video: Annotated[Path, typer.Argument(help="Video file to inspect.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print a video's size (upright), frame rate, frame count, duration, codec and rotation."""
    if not video.is_file():
        raise CLIError(f"no video file at {video}: check the path")
    info = probe_video(video)
    if as_json:
        typer.echo(json.dumps(asdict(info)))
        return
    for field, value in asdict(info).items():
        typer.echo(f"{field:<18}{value}")


CHECK_EXAMPLES = """
Examples:

    fitness check 127.0.0.1:50051

    fitness check pose:50051 --service fitness.v1.PoseEstimator
"""


@app.command(epilog=CHECK_EXAMPLES)
def check(
    address: Annotated[str, typer.Argument(help="host:port of a fitness service.")],
    service: Annotated[
        str, typer.Option(help="Service to ask about; empty: the server as a whole.")
    ] = "",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for an answer.")] = 5.0,
) -> None:
    """Ask a server's grpc.health.v1 service; exit 0 only when it reports SERVING."""
    status = asyncio.run(_health_status(address, service, timeout))
    typer.echo(status)
    if status != "SERVING":
        raise typer.Exit(1)


async def _health_status(address: str, service: str, timeout_seconds: float) -> str:
    async with open_channel(address, max_attempts=1) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            response = await stub.Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout_seconds
            )
        except grpc.aio.AioRpcError as error:
            raise CLIError(f"{address}: {error.code().name}: {error.details()}") from error
    return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)


def main(argv: list[str] | None = None) -> None:
    """Runs the CLI, then exits; a user error prints one line on stderr and exits with 2."""
    try:
        app(args=argv, prog_name="fitness")
    except (CLIError, FitnessError, FileNotFoundError) as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
