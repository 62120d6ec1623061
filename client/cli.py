"""The `fitness` command line: thin, typed commands over the library code."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import grpc
import typer
from grpc_health.v1 import health_pb2, health_pb2_grpc
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from common.channels import open_channel
from common.errors import FitnessError
from common.video import probe_video

app = typer.Typer(
    name="fitness",
    help="Smart Fitness Trainer: score exercise form from video.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


synth_app = typer.Typer(help="The synthetic gym: rendered exercise videos with exact labels.")
app.add_typer(synth_app, name="synth")


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


def _progress() -> Progress:
    """A progress bar on a terminal; silent when the output is a file or a pipe."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        disable=not sys.stderr.isatty(),
        console=Console(stderr=True),
    )


SYNTH_VIDEOS_EXAMPLES = """
Examples:

    fitness synth videos --out data/gym --groups 25 --clips 4

    fitness synth videos --out /tmp/tiny --groups 2 --clips 1 --dry-run
"""


@synth_app.command("videos", epilog=SYNTH_VIDEOS_EXAMPLES)
def synth_videos(
    out: Annotated[Path, typer.Option(help="Folder of the UCF101-style set.")],
    groups: Annotated[int, typer.Option(min=1, max=99, help="Performers per exercise.")] = 25,
    clips: Annotated[int, typer.Option(min=1, max=99, help="Clips per performer.")] = 4,
    seed: Annotated[int, typer.Option(help="Root seed; the same seed gives the same set.")] = 0,
    short_side: Annotated[int, typer.Option(min=64, help="Short side of the frames.")] = 240,
    dry_run: Annotated[bool, typer.Option(help="List what would be written.")] = False,
) -> None:
    """Render exercise videos in UCF101's layout with split lists and a labels JSON each."""
    from synth.dataset import plan_videos, write_videos

    entries = plan_videos(
        groups=groups, clips_per_group=clips, root_seed=seed, short_side=short_side
    )
    if dry_run:
        for entry in entries:
            split = "test" if entry.spec.held_out else "train"
            typer.echo(
                f"{split}\t{entry.relative_path}\t{entry.spec.width}x{entry.spec.height}"
                f"@{entry.spec.fps:g}"
            )
        return
    with _progress() as bar:
        task = bar.add_task("rendering videos", total=len(entries))
        write_videos(out, entries, progress=lambda n: bar.advance(task, n))
    typer.echo(f"wrote {len(entries)} videos and the split lists to {out}")


@synth_app.command("poses")
def synth_poses(
    out: Annotated[Path, typer.Option(help="Folder of the COCO person-keypoints set.")],
    images: Annotated[int, typer.Option(min=2, help="Images in total (train and val).")] = 2000,
    val_fraction: Annotated[float, typer.Option(min=0.0, max=0.9)] = 0.2,
    seed: Annotated[int, typer.Option(help="Root seed.")] = 0,
    short_side: Annotated[int, typer.Option(min=64)] = 240,
) -> None:
    """Render a COCO person-keypoints data set (train from training ranges, val held out)."""
    from synth.dataset import write_poses

    with _progress() as bar:
        task = bar.add_task("rendering images", total=images)
        counts = write_poses(
            out,
            images=images,
            val_fraction=val_fraction,
            root_seed=seed,
            short_side=short_side,
            progress=lambda n: bar.advance(task, n),
        )
    typer.echo(f"wrote {counts['train']} train and {counts['val']} val images to {out}")


@synth_app.command("preview")
def synth_preview(
    out: Annotated[Path, typer.Option(help="PNG file to write.")] = Path("docs/gym.png"),
    frames: Annotated[int, typer.Option(min=1, max=12, help="Frames per exercise.")] = 5,
    seed: Annotated[int, typer.Option(help="Root seed.")] = 0,
) -> None:
    """Write a contact sheet: one clip per exercise, a few frames each, skeletons drawn."""
    from synth.preview import write_contact_sheet

    typer.echo(f"wrote {write_contact_sheet(out, frames_per_clip=frames, root_seed=seed)}")


def main(argv: list[str] | None = None) -> None:
    """Runs the CLI, then exits; a user error prints one line on stderr and exits with 2."""
    try:
        app(args=argv, prog_name="fitness")
    except (CLIError, FitnessError, FileNotFoundError) as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
