"""The `fitness` command line: thin, typed commands over the library code."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import grpc
import typer
from grpc_health.v1 import health_pb2, health_pb2_grpc
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from common.channels import open_channel
from common.errors import FitnessError
from common.fitness.v1 import gateway_pb2
from common.security import ClientSecurity
from common.video import probe_video

app = typer.Typer(
    name="fitness",
    help="Smart Fitness Trainer: score exercise form from video.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


synth_app = typer.Typer(help="The synthetic gym: rendered exercise videos with exact labels.")
app.add_typer(synth_app, name="synth")
train_app = typer.Typer(help="Train the models.")
app.add_typer(train_app, name="train")
eval_app = typer.Typer(help="Evaluate the models on held-out data.")
app.add_typer(eval_app, name="eval")
serve_app = typer.Typer(help="Run a service in the foreground (stop with Ctrl-C or SIGTERM).")
app.add_typer(serve_app, name="serve")
pose_app = typer.Typer(help="The pose model: TorchServe archives.")
app.add_typer(pose_app, name="pose")
action_app = typer.Typer(help="The action model: TorchServe archives.")
app.add_typer(action_app, name="action")
action_skeleton_app = typer.Typer(help="The keypoint classifier: TorchServe archives.")
app.add_typer(action_skeleton_app, name="action-skeleton")
index_app = typer.Typer(help="Scoring indexes: keypoint datasets and FAISS indexes.")
app.add_typer(index_app, name="index")


class CLIError(Exception):
    """A mistake the user can fix; its message says how."""


@app.callback()
def connection(
    context: typer.Context,
    tls_ca: Annotated[
        Path | None,
        typer.Option(
            envvar="FITNESS_TLS_CA",
            help="PEM CA of the server's certificate: talk TLS to the gateway or service.",
        ),
    ] = None,
    tls_cert: Annotated[
        Path | None,
        typer.Option(envvar="FITNESS_TLS_CERT", help="PEM client certificate (mutual TLS)."),
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option(envvar="FITNESS_TLS_KEY", help="PEM key of --tls-cert.")
    ] = None,
    token: Annotated[
        str, typer.Option(envvar="FITNESS_TOKEN", help="Bearer token for the gateway.")
    ] = "",
) -> None:
    """How `analyze`, `live` and `check` reach a server: these options go before the command,
    e.g. `fitness --tls-ca certs/ca.pem --token T analyze squats.mp4`."""
    context.obj = ClientSecurity(tls_ca, tls_cert, tls_key, token)


def _credentials(context: typer.Context) -> grpc.ChannelCredentials | None:
    """The channel credentials the top-level options ask for; None: plaintext."""
    try:
        return (context.obj or ClientSecurity()).credentials()
    except (OSError, ValueError) as error:
        raise CLIError(str(error)) from None


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
    context: typer.Context,
    address: Annotated[str, typer.Argument(help="host:port of a fitness service.")],
    service: Annotated[
        str, typer.Option(help="Service to ask about; empty: the server as a whole.")
    ] = "",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for an answer.")] = 5.0,
) -> None:
    """Ask a server's grpc.health.v1 service; exit 0 only when it reports SERVING."""
    status = asyncio.run(_health_status(address, service, timeout, _credentials(context)))
    typer.echo(status)
    if status != "SERVING":
        raise typer.Exit(1)


async def _health_status(
    address: str,
    service: str,
    timeout_seconds: float,
    credentials: grpc.ChannelCredentials | None,
) -> str:
    async with open_channel(address, max_attempts=1, credentials=credentials) as channel:
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


def _train_with_progress(
    train: Callable[..., list[float]],
    config: Any,
    *,
    total: int,
    epochs: int,
    videos_to_load: int = 0,
) -> None:
    """Runs a training function with a progress bar and a line per finished epoch; with
    `videos_to_load`, a first bar follows the decoding of that many videos (`loaded=`)."""
    with _progress() as bar:
        loading = {}
        if videos_to_load:
            task = bar.add_task("decoding videos", total=videos_to_load)
            loading["loaded"] = lambda n: bar.advance(task, n)
        training = bar.add_task("training", total=total)
        train(
            config,
            progress=lambda n, loss: bar.update(
                training, advance=n, description=f"training (loss {loss:.5f})"
            ),
            on_epoch=lambda epoch, loss: bar.console.print(
                f"epoch {epoch}/{epochs}: loss {loss:.6f}"
            ),
            **loading,
        )


ANALYZE_EXAMPLES = """
Examples:

    fitness analyze squats.mp4

    fitness analyze phone_clip.mov --exercise PushUps --json report.json \\
        --annotated annotated.mp4 --plot scores.png
"""

_STAGE_NAMES = {
    gateway_pb2.Progress.STAGE_UPLOAD: "uploading (bytes)",
    gateway_pb2.Progress.STAGE_DECODE: "decoding frames",
    gateway_pb2.Progress.STAGE_POSE: "estimating poses",
    gateway_pb2.Progress.STAGE_SCORE: "scoring",
}


class RecognizerChoice(StrEnum):
    """Which exercise recogniser a request asks for."""

    default = "default"
    fused = "fused"
    video = "video"
    keypoints = "keypoints"


_RECOGNIZERS = {
    RecognizerChoice.default: gateway_pb2.RECOGNIZER_UNSPECIFIED,
    RecognizerChoice.fused: gateway_pb2.RECOGNIZER_FUSED,
    RecognizerChoice.video: gateway_pb2.RECOGNIZER_VIDEO,
    RecognizerChoice.keypoints: gateway_pb2.RECOGNIZER_KEYPOINTS,
}


def _exercise_line(found: gateway_pb2.ExerciseRecognized) -> str:
    """One line on what the video shows, for the terminal."""
    if found.from_hint:
        return f"exercise: {found.exercise_id} (from your hint)"
    who = gateway_pb2.Recognizer.Name(found.recognizer).removeprefix("RECOGNIZER_").lower()
    answers = "; ".join(
        gateway_pb2.Recognizer.Name(a.recognizer).removeprefix("RECOGNIZER_").lower()
        + ": "
        + ", ".join(f"{p.exercise_id} {p.probability:.0%}" for p in a.top_k)
        for a in found.answers
    )
    if found.verdict == found.Verdict.VERDICT_RECOGNIZED:
        head = f"exercise: {found.exercise_id} ({found.confidence:.0%} sure, {who})"
    elif found.verdict == found.Verdict.VERDICT_NONE:
        head = f"exercise: none of the exercises ({found.confidence:.0%} sure, {who})"
    else:
        best = found.top_k[0].exercise_id if found.top_k else "?"
        head = f"exercise: uncertain (best guess {best}, {found.confidence:.0%}, {who})"
    return f"{head}\n  {answers}" if answers else head


@app.command(epilog=ANALYZE_EXAMPLES)
def analyze(
    context: typer.Context,
    video: Annotated[Path, typer.Argument(help="The exercise video to analyse.")],
    gateway: Annotated[str, typer.Option(help="Gateway address.")] = "127.0.0.1:50050",
    exercise: Annotated[
        str, typer.Option(help="The exercise, when known (skips recognition), e.g. PushUps.")
    ] = "",
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report JSON.")] = None,
    annotated: Annotated[
        Path | None, typer.Option(help="Write the video with the scored skeleton (mp4).")
    ] = None,
    plot: Annotated[Path | None, typer.Option(help="Write the scores over time (PNG).")] = None,
    sample_fps: Annotated[float, typer.Option(min=0.0, help="Frames analysed per second.")] = 0.0,
    scorer: Annotated[str, typer.Option(help="Scoring algorithm (pose or paper).")] = "",
    recognizer: Annotated[
        RecognizerChoice,
        typer.Option(help="Who names the exercise: the gateway's default, both fused, or one."),
    ] = RecognizerChoice.default,
) -> None:
    """Analyse a video: exercise, per-joint and overall scores, feedback in words."""
    if not video.is_file():
        raise CLIError(f"no file at {video}: check the path")
    options = gateway_pb2.AnalysisOptions(
        sample_fps=sample_fps, scorer=scorer, recognizer=_RECOGNIZERS[recognizer]
    )
    credentials = _credentials(context)
    _analyze_and_report(video, gateway, exercise, options, json_out, annotated, plot, credentials)


def _analyze_and_report(
    video: Path,
    gateway: str,
    exercise: str,
    options: gateway_pb2.AnalysisOptions,
    json_out: Path | None,
    annotated: Path | None,
    plot: Path | None,
    credentials: grpc.ChannelCredentials | None = None,
) -> gateway_pb2.Report:
    """Runs one analysis with progress bars, prints the joint table and the feedback, and
    writes the outputs asked for."""
    from client.analyze import analyze_video
    from client.visuals import annotate_video

    console = Console(stderr=True)
    with _progress() as bar:
        tasks: dict[int, int] = {}

        def on_event(event: gateway_pb2.AnalyzeVideoResponse) -> None:
            kind = event.WhichOneof("event")
            if kind == "progress" and event.progress.stage in _STAGE_NAMES:
                stage = event.progress.stage
                if stage not in tasks:
                    tasks[stage] = bar.add_task(_STAGE_NAMES[stage], total=None)
                total = event.progress.total or None
                bar.update(tasks[stage], completed=event.progress.done, total=total)
            elif kind == "exercise":
                console.print(_exercise_line(event.exercise))

        with _gateway_errors():
            report = asyncio.run(
                analyze_video(
                    video,
                    gateway,
                    exercise_hint=exercise,
                    options=options,
                    on_event=on_event,
                    credentials=credentials,
                )
            )
    _print_report(report)
    _write_report_files(report, json_out, plot)
    if annotated:
        typer.echo(f"annotated video: {annotate_video(video, report, annotated)}")
    return report


@contextlib.contextmanager
def _gateway_errors() -> Iterator[None]:
    """Turns a refused or failed call into a one-line `CLIError`."""
    try:
        yield
    except grpc.aio.AioRpcError as error:
        down = error.code() == grpc.StatusCode.UNAVAILABLE
        hint = " (is it running? `fitness serve all`)" if down else ""
        raise CLIError(f"{error.code().name}: {error.details()}{hint}") from None


def _print_report(report: gateway_pb2.Report) -> None:
    """Prints the joint table, the reps table, the warnings and the feedback."""
    from rich.markup import escape
    from rich.table import Table

    from gateway.feedback import joint_name

    scored = report.HasField("scores")
    if scored:
        table = Table(title=f"{report.file_name}: {report.exercise.exercise_id}")
        table.add_column("joint")
        table.add_column("score", justify="right")
        for joint in report.scores.joints:
            table.add_row(joint_name(joint.joint), f"{joint.score:.0f}")
        table.add_row("[bold]overall[/bold]", f"[bold]{report.scores.overall:.0f}[/bold]")
        Console().print(table)
    if report.reps:
        reps = Table(title=f"{len(report.reps)} reps")
        for column in ("rep", "seconds", "score", "worst joint (frame)", "cues"):
            reps.add_column(column, justify="right" if column in ("seconds", "score") else "left")
        for number, rep in enumerate(report.reps, start=1):
            scores = rep.scores
            worst = f"{joint_name(scores.worst_joint)} ({scores.worst_frame_index})"
            cues = [escape(_without_rep(cue)) for cue in scores.cues]
            cues += [f"[dim]{escape(_without_rep(cue))}[/dim]" for cue in scores.unjudged_cues]
            row = (f"{rep.seconds:.1f}", f"{scores.overall:.0f}", worst, "\n".join(cues) or "-")
            reps.add_row(str(number), *row)
        Console().print(reps)
    for warning in report.warnings:
        typer.echo(f"! {warning.message}")
    for line in report.feedback:
        typer.echo(f"- {line}")


def _without_rep(cue: str) -> str:
    """A cue's words without the "rep N: " they start with (the table has a rep column)."""
    return cue.split(": ", 1)[-1]


def _write_report_files(
    report: gateway_pb2.Report, json_out: Path | None, plot: Path | None
) -> None:
    """Writes the report JSON and the plot of its scores, where asked."""
    from google.protobuf.json_format import MessageToJson

    from client.visuals import plot_scores

    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(MessageToJson(report))
        typer.echo(f"report: {json_out}")
    if plot and report.HasField("scores"):
        typer.echo(f"plot: {plot_scores(report, plot)}")
    elif plot:
        typer.echo("plot: none drawn, nothing was scored")


LIVE_EXAMPLES = """
Examples:

    fitness live --camera 0 --exercise BodyWeightSquats

    fitness live --video my_squats.mp4 --json build/live.json --plot build/live.png
"""


@app.command(epilog=LIVE_EXAMPLES)
def live(
    context: typer.Context,
    camera: Annotated[
        int | None, typer.Option(help="Stream this camera (an OpenCV device number, e.g. 0).")
    ] = None,
    video: Annotated[
        Path | None, typer.Option(help="Stream this video file instead of a camera.")
    ] = None,
    realtime: Annotated[
        bool,
        typer.Option(
            help="Send the file's frames at its own frame rate, as a camera would (frames that "
            "come faster than they are posed are dropped); --no-realtime sends each frame once "
            "the one before is posed, so that every frame is coached."
        ),
    ] = True,
    gateway: Annotated[str, typer.Option(help="Gateway address.")] = "127.0.0.1:50050",
    exercise: Annotated[
        str, typer.Option(help="The exercise, when known (skips recognition), e.g. PushUps.")
    ] = "",
    scorer: Annotated[str, typer.Option(help="Scoring algorithm (pose or paper).")] = "",
    window: Annotated[
        bool | None,
        typer.Option(
            "--window/--no-window",
            help="Show the frames with the overlay (default: where a display exists).",
        ),
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report JSON.")] = None,
    plot: Annotated[Path | None, typer.Option(help="Write the scores over time (PNG).")] = None,
) -> None:
    """Coach a set live: stream a camera (or replay a file) and hear about each rep as it ends."""
    from client.live import (
        CAMERA_INDEX_FPS,
        CameraError,
        LiveOverlay,
        camera_frames,
        display_available,
        live_session,
        shown,
        video_frames,
    )
    from gateway.feedback import joint_name

    if (camera is None) == (video is None):
        raise CLIError("give one source: --camera N or --video FILE")
    credentials = _credentials(context)
    if video is not None and not video.is_file():
        raise CLIError(f"no file at {video}: check the path")
    if video is not None:
        frames = video_frames(video, realtime=realtime)
        start = gateway_pb2.LiveStart(fps=probe_video(video).fps, session_name=video.name)
    else:
        frames = camera_frames(camera)
        start = gateway_pb2.LiveStart(fps=CAMERA_INDEX_FPS, session_name=f"camera {camera}")
    start.exercise_hint, start.scorer = exercise, scorer
    overlay = LiveOverlay()
    if window if window is not None else display_available():
        frames = shown(frames, overlay)

    def on_event(event: gateway_pb2.LiveSessionResponse) -> None:
        overlay.update(event)
        kind = event.WhichOneof("event")
        if kind == "exercise":
            typer.echo(_exercise_line(event.exercise))
        elif kind == "rep":
            scores = event.rep.rep.scores
            worst = f"worst: {joint_name(scores.worst_joint)}" if scores.joints else ""
            cue = _without_rep(scores.cues[0]) if scores.cues else ""
            words = "; ".join(part for part in (worst, cue) if part)
            typer.echo(f"rep {event.rep.count}: {scores.overall:.0f}/100  {words}")
        elif kind == "warning":
            typer.echo(f"! {event.warning.message}")

    typer.echo(f"streaming {start.session_name} to {gateway} (stop with q in the window or Ctrl-C)")
    try:
        with _gateway_errors():
            report = asyncio.run(
                live_session(
                    gateway,
                    start,
                    frames,
                    on_event=on_event,
                    credentials=credentials,
                    lockstep=video is not None and not realtime,
                )
            )
    except CameraError as error:
        raise CLIError(str(error)) from None
    stats = report.live
    typer.echo(
        f"live: {stats.frames_received} frames, {stats.frames_posed} posed "
        f"({stats.posed_fps:.1f}/s), {stats.frames_dropped} dropped; latency p50 "
        f"{stats.latency_p50_seconds * 1000:.0f} ms, p95 {stats.latency_p95_seconds * 1000:.0f} ms"
    )
    _print_report(report)
    _write_report_files(report, json_out, plot)


DEMO_EXAMPLES = """
Examples:

    fitness demo

    fitness demo --video my_squats.mp4 --out build/demo
"""


@app.command(epilog=DEMO_EXAMPLES)
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the report, video and plot.")] = Path(
        "build/demo"
    ),
    video: Annotated[
        Path | None, typer.Option(help="Video to analyse (default: a gym clip made now).")
    ] = None,
    exercise: Annotated[str, typer.Option(help="Exercise of the generated clip.")] = "PushUps",
) -> None:
    """The whole system end to end: archives, TorchServe and the four services, one analysis
    (report JSON, annotated mp4, score plot), then everything stopped."""
    from client.stack import LocalStack, StackConfig, build_archives

    config = StackConfig(workdir=out / "stack")
    for archive in build_archives(Path("models"), config.model_store):
        typer.echo(f"wrote {archive}")
    if video is None:
        video = out / f"sample_{exercise}.mp4"
        typer.echo(f"rendering a sample {exercise} clip with the gym: {video}")
        from synth.dataset import render_clip

        render_clip(exercise, video, seed=11, reps=3)
    elif not video.is_file():
        raise CLIError(f"no file at {video}: check the path")
    typer.echo("starting TorchServe and the four services (about a minute)")
    with LocalStack(config) as stack:
        _analyze_and_report(
            video,
            stack.address(config.gateway_port),
            "",
            gateway_pb2.AnalysisOptions(),
            out / "report.json",
            out / "annotated.mp4",
            out / "scores.png",
        )
    typer.echo("stopped every service")


SYNTH_CLIP_EXAMPLES = """
Examples:

    fitness synth clip --exercise PushUps --out push_ups.mp4

    fitness synth clip --exercise BodyWeightSquats --fault shallow_depth=0.8 --out faulty.mp4
"""


@synth_app.command("clip", epilog=SYNTH_CLIP_EXAMPLES)
def synth_clip(
    exercise: Annotated[str, typer.Option(help="One of the eight exercise ids.")],
    out: Annotated[Path, typer.Option(help="The mp4 to write (labels JSON beside it).")],
    seed: Annotated[int, typer.Option(help="Performer, camera and scene seed.")] = 0,
    reps: Annotated[int, typer.Option(min=1, max=12, help="Repetitions.")] = 3,
    fault: Annotated[
        list[str] | None, typer.Option(help="A form fault as name=severity (0 to 1); repeatable.")
    ] = None,
) -> None:
    """Render one exercise clip, clean or with chosen form faults."""
    from synth.exercises import EXERCISES

    if exercise not in EXERCISES:
        raise CLIError(f"unknown exercise {exercise!r}; choose one of {', '.join(EXERCISES)}")
    faults = {}
    for item in fault or []:
        name, _, severity = item.partition("=")
        try:
            faults[name] = float(severity)
        except ValueError:
            raise CLIError(
                f"a fault is name=severity, for example shallow_depth=0.8; got {item!r}"
            ) from None
    from synth.dataset import render_clip

    try:
        render_clip(exercise, out, seed=seed, reps=reps, faults=faults)
    except ValueError as error:
        raise CLIError(str(error)) from None
    typer.echo(f"wrote {out}")


SYNTH_VIDEOS_EXAMPLES = """
Examples:

    fitness synth videos --out data/gym --groups 25 --clips 4

    fitness synth videos --out /tmp/tiny --groups 2 --clips 1 --dry-run

    fitness synth videos --out data/gym_other --movements other --groups 25 --clips 1

    fitness synth videos --out data/gym_shift --first-group 31 --groups 5 --clips 1 \
        --appearance-shift

    fitness synth videos --out data/gym_faults --fault-set --groups 6

    fitness synth videos --out data/gym_faults_advised --fault-set --groups 3 --advised-view
"""


class MovementSet(StrEnum):
    """Which movements a synthetic set shows."""

    exercises = "exercises"
    other = "other"


@synth_app.command("videos", epilog=SYNTH_VIDEOS_EXAMPLES)
def synth_videos(
    out: Annotated[Path, typer.Option(help="Folder of the UCF101-style set.")],
    groups: Annotated[int, typer.Option(min=1, max=99, help="Performers per exercise.")] = 25,
    clips: Annotated[int, typer.Option(min=1, max=99, help="Clips per performer.")] = 4,
    seed: Annotated[int, typer.Option(help="Root seed; the same seed gives the same set.")] = 0,
    short_side: Annotated[int, typer.Option(min=64, help="Short side of the frames.")] = 240,
    workers: Annotated[int, typer.Option(min=1, help="Rendering processes.")] = os.cpu_count() or 1,
    dry_run: Annotated[bool, typer.Option(help="List what would be written.")] = False,
    movements: Annotated[
        MovementSet,
        typer.Option(help="The eight exercises, or other movements (standing, walking, ...)."),
    ] = MovementSet.exercises,
    first_group: Annotated[
        int, typer.Option(min=1, max=99, help="First performer group: later ones are fresh.")
    ] = 1,
    appearance_shift: Annotated[
        bool,
        typer.Option(help="Rooms, light and people unlike training; motion and camera alike."),
    ] = False,
    fault_set: Annotated[
        bool,
        typer.Option(
            help="A test set for the form cues: each performer clean and with each fault alone "
            "(severity 0.5 to 1), held out; --clips is ignored."
        ),
    ] = False,
    advised_view: Annotated[
        bool,
        typer.Option(
            help="With --fault-set: film each exercise from the view the catalogue asks for "
            "(side: 70 to 110 degrees round the person; front: within 20 of facing them), "
            "everything else as without it."
        ),
    ] = False,
) -> None:
    """Render exercise videos in UCF101's layout with split lists and a labels JSON each."""
    from synth.dataset import plan_fault_videos, plan_videos, write_videos
    from synth.exercises import EXERCISES, OTHER_MOVEMENTS

    if fault_set and (movements is not MovementSet.exercises or appearance_shift):
        raise typer.BadParameter("a fault set is of the eight exercises in the gym's own looks")
    if advised_view and not fault_set:
        raise typer.BadParameter("--advised-view films a fault set: add --fault-set")
    if fault_set:
        entries = plan_fault_videos(
            groups=groups,
            root_seed=seed,
            short_side=short_side,
            first_group=first_group,
            azimuths=_advised_azimuths() if advised_view else None,
        )
    else:
        entries = plan_videos(
            groups=groups,
            clips_per_group=clips,
            root_seed=seed,
            short_side=short_side,
            exercises=EXERCISES if movements is MovementSet.exercises else OTHER_MOVEMENTS,
            first_group=first_group,
            appearance_shift=appearance_shift,
        )
    if dry_run:
        for entry in entries:
            split = "test" if entry.tested else "train"
            azimuth = entry.spec.azimuth_degrees
            typer.echo(
                f"{split}\t{entry.relative_path}\t{entry.spec.width}x{entry.spec.height}"
                f"@{entry.spec.fps:g}" + ("" if azimuth is None else f"\tazimuth {azimuth:.0f}")
            )
        return
    with _progress() as bar:
        task = bar.add_task("rendering videos", total=len(entries))
        write_videos(out, entries, workers=workers, progress=lambda n: bar.advance(task, n))
    typer.echo(f"wrote {len(entries)} videos and the split lists to {out}")


def _advised_azimuths() -> dict[str, tuple[float, float]]:
    """Per exercise of the shipped catalogue that asks for a view, the azimuths (degrees from
    the performer's front, either side) filming it: a quarter turn round them, or facing them."""
    from common.fitness.v1 import common_pb2
    from scoring_service.catalogue import DEFAULT_CATALOGUE, load_catalogue

    advised = {common_pb2.VIEW_SIDE: (70.0, 110.0), common_pb2.VIEW_FRONT_OR_BACK: (0.0, 20.0)}
    return {
        exercise.id: advised[exercise.preferred_view]
        for exercise in load_catalogue(DEFAULT_CATALOGUE).values()
        if exercise.preferred_view in advised
    }


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
    movements: Annotated[
        MovementSet, typer.Option(help="The eight exercises, or the other movements.")
    ] = MovementSet.exercises,
) -> None:
    """Write a contact sheet: one clip per movement, a few frames each, skeletons drawn."""
    from synth.exercises import EXERCISES, OTHER_MOVEMENTS
    from synth.preview import write_contact_sheet

    shown = EXERCISES if movements is MovementSet.exercises else OTHER_MOVEMENTS
    written = write_contact_sheet(out, frames_per_clip=frames, root_seed=seed, exercises=shown)
    typer.echo(f"wrote {written}")


TRAIN_POSE_EXAMPLES = """
Examples:

    fitness train pose --coco data/gym_coco --out runs/pose --epochs 20

    fitness train pose --coco data/gym_coco --coco data/gym_coco_more --out runs/pose

    fitness train pose --coco /data/coco --split train2017 --model w32 --out runs/w32 --resume
"""


@train_app.command("pose", epilog=TRAIN_POSE_EXAMPLES)
def train_pose(
    coco: Annotated[
        list[Path],
        typer.Option(help="COCO-layout keypoints set (annotations/, images); repeatable."),
    ],
    out: Annotated[Path, typer.Option(help="Folder for last.safetensors and last_state.pt.")],
    model: Annotated[str, typer.Option(help="compact, w32 or w48.")] = "compact",
    split: Annotated[
        str, typer.Option(help="Training split: train, or COCO's train2017.")
    ] = "train",
    epochs: Annotated[int, typer.Option(min=1)] = 20,
    batch_size: Annotated[int, typer.Option(min=1)] = 32,
    learning_rate: Annotated[float, typer.Option(min=0.0)] = 1e-3,
    workers: Annotated[int, typer.Option(min=0, help="Data loading processes.")] = 2,
    resume: Annotated[bool, typer.Option(help="Continue from OUT/last_state.pt.")] = False,
    device: Annotated[str, typer.Option(help="auto (GPU when present), cpu or cuda.")] = "auto",
) -> None:
    """Train HRNet on COCO-format keypoints: heatmaps, visibility-weighted MSE, Adam."""
    from pose_service.model import CONFIGS
    from pose_service.train import CocoKeypoints, TrainConfig, train

    if model not in CONFIGS:
        raise CLIError(f"unknown model {model!r}: choose one of {sorted(CONFIGS)}")
    config = TrainConfig(
        coco=tuple(coco),
        out=out,
        model=model,
        split=split,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        workers=workers,
        resume=resume,
        device=device,
    )
    samples = sum(len(CocoKeypoints(root, split)) for root in coco)
    _train_with_progress(train, config, total=samples * epochs, epochs=epochs)
    typer.echo(f"weights: {out / 'last.safetensors'}")


TRAIN_DETECTOR_EXAMPLES = """
Examples:

    fitness train detector --ucf data/gym --ucf data/gym_more --out runs/detector
"""


@train_app.command("detector", epilog=TRAIN_DETECTOR_EXAMPLES)
def train_detector(
    ucf: Annotated[
        list[Path],
        typer.Option(help="The gym's UCF101-format folder (videos with labels); repeatable."),
    ],
    out: Annotated[Path, typer.Option(help="Folder for last.safetensors and last_state.pt.")],
    list_name: Annotated[str, typer.Option("--list", help="Split list to train on.")] = (
        "trainlist01.txt"
    ),
    frames_per_video: Annotated[int, typer.Option(min=1)] = 10,
    input_side: Annotated[int, typer.Option(min=32, help="Square input side, pixels.")] = 192,
    epochs: Annotated[int, typer.Option(min=1)] = 40,
    batch_size: Annotated[int, typer.Option(min=1)] = 32,
    learning_rate: Annotated[float, typer.Option(min=0.0)] = 2e-3,
    workers: Annotated[int, typer.Option(min=0, help="Data loading processes.")] = 2,
    resume: Annotated[bool, typer.Option(help="Continue from OUT/last_state.pt.")] = False,
    device: Annotated[str, typer.Option(help="auto (GPU when present), cpu or cuda.")] = "auto",
) -> None:
    """Train the person detector (the capture check for other people) on the gym's frames."""
    from pose_service.train_detector import DetectorTrainConfig, listed_videos
    from pose_service.train_detector import train_detector as train

    if input_side % 32:
        raise CLIError(f"--input-side must be a multiple of 32, got {input_side}")
    config = DetectorTrainConfig(
        ucf=list(ucf),
        out=out,
        list_name=list_name,
        frames_per_video=frames_per_video,
        input_side=input_side,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        workers=workers,
        resume=resume,
        device=device,
    )
    videos = sum(len(listed_videos(root, list_name)) for root in ucf)
    _train_with_progress(
        train,
        config,
        total=videos * frames_per_video * epochs,
        epochs=epochs,
        videos_to_load=videos,
    )
    typer.echo(f"weights: {out / 'last.safetensors'}")


TRAIN_ACTION_EXAMPLES = """
Examples:

    fitness train action --ucf data/gym --out runs/action --epochs 20

    fitness train action --ucf data/gym --ucf data/gym_more --out runs/action --in-memory \
        --optimizer adamw --learning-rate 0.002 --batch-size 64 --clips-per-video 4 --epochs 60 \
        --temporal-stride 4

    fitness train action --ucf data/gym --out runs/r3d34 --depth 34 --widen-factor 1 \
        --pretrained r3d34_K_200ep.pth --frozen-stages 3
"""


@train_app.command("action", epilog=TRAIN_ACTION_EXAMPLES)
def train_action(
    ucf: Annotated[
        list[Path],
        typer.Option(help="UCF101-format folder (classInd.txt, split lists); repeatable."),
    ],
    out: Annotated[Path, typer.Option(help="Folder for last.safetensors and last_state.pt.")],
    depth: Annotated[int, typer.Option(help="10, 18, 34 or 50.")] = 18,
    widen_factor: Annotated[float, typer.Option(help="Width multiplier (1: published).")] = 0.25,
    pretrained: Annotated[
        Path | None, typer.Option(help="Checkpoint to fine-tune from (classifier replaced).")
    ] = None,
    frozen_stages: Annotated[int, typer.Option(min=0, max=5, help="Stages kept frozen.")] = 0,
    epochs: Annotated[int, typer.Option(min=1)] = 20,
    batch_size: Annotated[int, typer.Option(min=1)] = 8,
    learning_rate: Annotated[float, typer.Option(min=0.0)] = 0.01,
    optimizer: Annotated[
        str,
        typer.Option(help="sgd (the published fine-tuning), adam or adamw (from scratch)."),
    ] = "sgd",
    clips_per_video: Annotated[int, typer.Option(min=1, help="Random clips a video an epoch.")] = 1,
    temporal_stride: Annotated[
        int,
        typer.Option(min=1, help="Clips take every s-th frame (recorded in the checkpoint)."),
    ] = 1,
    in_memory: Annotated[
        bool, typer.Option(help="Decode every video once and keep its frames in memory.")
    ] = False,
    workers: Annotated[int, typer.Option(min=0, help="Data loading processes.")] = 2,
    resume: Annotated[bool, typer.Option(help="Continue from OUT/last_state.pt.")] = False,
    device: Annotated[str, typer.Option(help="auto (GPU when present), cpu or cuda.")] = "auto",
) -> None:
    """Fine-tune (or train) a 3D ResNet on the train lists of UCF101-format folders."""
    from action_service.dataset import read_classes, read_split
    from action_service.train import TrainConfig, train

    if pretrained is not None and not pretrained.is_file():
        raise CLIError(f"no checkpoint at {pretrained}: check the path")
    if optimizer not in ("sgd", "adam", "adamw"):
        raise CLIError(f"unknown optimizer {optimizer!r}: choose sgd, adam or adamw")
    config = TrainConfig(
        ucf=tuple(ucf),
        out=out,
        depth=depth,
        widen_factor=widen_factor,
        pretrained=pretrained,
        frozen_stages=frozen_stages,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        optimizer=optimizer,
        clips_per_video=clips_per_video,
        temporal_stride=temporal_stride,
        in_memory=in_memory,
        workers=workers,
        resume=resume,
        device=device,
    )
    classes = read_classes(ucf[0])
    videos = sum(len(read_split(folder, config.list_name, classes)) for folder in ucf)
    _train_with_progress(
        train,
        config,
        total=videos * clips_per_video * epochs,
        epochs=epochs,
        videos_to_load=videos if in_memory else 0,
    )
    typer.echo(f"weights: {out / 'last.safetensors'}")


@eval_app.command("pose")
def eval_pose(
    weights: Annotated[Path, typer.Option(help="A last.safetensors written by `train pose`.")],
    coco: Annotated[Path, typer.Option(help="COCO-layout keypoints set.")],
    split: Annotated[str, typer.Option(help="Held-out split: val, or COCO's val2017.")] = "val",
    flip_test: Annotated[bool, typer.Option(help="Average with flipped crops.")] = True,
    decoding: Annotated[
        str,
        typer.Option(help="Peak refinement: dark (DARK's Taylor step) or quarter (HRNet's)."),
    ] = "dark",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Report COCO OKS AP/AP50/AP75/AR (ground-truth boxes) and PCK@0.1 on a held-out split."""
    from common.device import pick_device
    from pose_service.evaluate import evaluate, metrics_json
    from pose_service.inference import PosePredictor
    from pose_service.train import load_weights

    if not weights.is_file():
        raise CLIError(f"no weights at {weights}: train first with `fitness train pose`")
    model, input_size = load_weights(weights)
    device = pick_device("auto")
    try:
        predictor = PosePredictor(model.eval().to(device), input_size, flip_test, device, decoding)
    except ValueError as error:
        raise CLIError(str(error)) from error
    metrics = evaluate(predictor, coco, split)
    if as_json:
        typer.echo(metrics_json(metrics))
        return
    typer.echo(
        f"people {metrics.people}  AP {metrics.ap:.3f}  AP50 {metrics.ap50:.3f}  "
        f"AP75 {metrics.ap75:.3f}  AR {metrics.ar:.3f}  PCK@0.1 {metrics.pck:.3f}"
    )


EVAL_DETECTOR_EXAMPLES = """
Examples:

    fitness eval detector --ucf data/gym

    fitness eval detector --weights runs/detector/last.safetensors --ucf data/gym_val \
        --list trainlist01.txt --threshold 0.4 --json
"""


@eval_app.command("detector", epilog=EVAL_DETECTOR_EXAMPLES)
def eval_detector(
    ucf: Annotated[Path, typer.Option(help="The gym's UCF101-format folder.")],
    weights: Annotated[
        Path, typer.Option(help="A last.safetensors written by `train detector`.")
    ] = Path("models/pose/person_detector.safetensors"),
    list_name: Annotated[str, typer.Option("--list", help="Held-out split list.")] = (
        "testlist01.txt"
    ),
    threshold: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Centre confidence a person needs.")
    ] = None,
    every: Annotated[int, typer.Option(min=1, help="Check every N-th frame.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Report the person detector's recall, false people and other-people check per video."""
    from common.device import pick_device
    from pose_service.detector import load_detector
    from pose_service.evaluate_detector import evaluate_detector, metrics_json
    from pose_service.train_detector import listed_videos

    if not weights.is_file():
        raise CLIError(f"no weights at {weights}: train first with `fitness train detector`")
    detector = load_detector(weights, device=pick_device("auto"))
    if threshold is not None:
        detector.threshold = threshold
    videos = listed_videos(ucf, list_name)
    with _progress() as bar:
        task = bar.add_task("detecting", total=len(videos))
        metrics = evaluate_detector(
            detector, videos, every=every, progress=lambda n: bar.advance(task, n)
        )
    if as_json:
        typer.echo(metrics_json(metrics))
        return
    typer.echo(
        f"videos {metrics.videos}  frames {metrics.frames}  performer recall "
        f"{metrics.performer_recall:.3f}  other recall {metrics.other_recall:.3f}  false people "
        f"per frame {metrics.false_people_per_frame:.3f}\nvideos with others in view "
        f"{metrics.videos_with_others}: flagged {metrics.flagged_with_others:.1%}; others "
        f"flagged {metrics.flagged_without_others:.1%}"
    )


EVAL_ACTION_EXAMPLES = """
Examples:

    fitness eval action --weights models/action/r3d_compact.safetensors --ucf data/gym

    fitness eval action --weights runs/action/last.safetensors --ucf data/gym --json
"""


@eval_app.command("action", epilog=EVAL_ACTION_EXAMPLES)
def eval_action(
    weights: Annotated[Path, typer.Option(help="A last.safetensors written by `train action`.")],
    ucf: Annotated[Path, typer.Option(help="UCF101-format folder (classInd.txt, split lists).")],
    list_name: Annotated[str, typer.Option("--list", help="Held-out split list.")] = (
        "testlist01.txt"
    ),
    clips: Annotated[
        int | None,
        typer.Option(
            min=1, help="Clips per video, probabilities averaged (default: the service's)."
        ),
    ] = None,
    confusion: Annotated[
        Path | None, typer.Option(help="Confusion-matrix PNG (default: beside the weights).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Report top-1 and per-class accuracy on a held-out list and draw the confusion matrix."""
    from action_service.checkpoint import load_predictor
    from action_service.clips import TEST_CLIPS
    from action_service.dataset import read_classes, read_split
    from action_service.evaluate import evaluate, write_confusion_png
    from common.device import pick_device

    if not weights.is_file():
        raise CLIError(f"no weights at {weights}: train first with `fitness train action`")
    if not (ucf / list_name).is_file():
        raise CLIError(f"no {list_name} in {ucf}: not a UCF101-format folder")
    predictor = load_predictor(weights, clips=clips or TEST_CLIPS, device=pick_device("auto"))
    videos = len(read_split(ucf, list_name, read_classes(ucf)))
    with _progress() as bar:
        task = bar.add_task("recognising videos", total=videos)
        metrics = evaluate(predictor, ucf, list_name, progress=lambda n: bar.advance(task, n))
    picture = write_confusion_png(
        metrics, confusion or weights.with_name(f"{weights.stem}_confusion.png")
    )
    _print_metrics(metrics, picture, as_json)


def _print_metrics(metrics: Any, picture: Path, as_json: bool) -> None:
    """Prints an action model's `ActionMetrics`: JSON, or top-1 and a line per class."""
    from action_service.evaluate import metrics_json

    if as_json:
        typer.echo(metrics_json(metrics))
        return
    typer.echo(f"videos {metrics.videos}  top-1 {100 * metrics.top1:.2f}%")
    for name, accuracy in metrics.per_class.items():
        typer.echo(f"  {name:<20} {100 * accuracy:6.2f}%")
    typer.echo(f"confusion matrix: {picture}")


TRAIN_SKELETON_EXAMPLES = """
Examples:

    fitness index dataset --videos data/gym --out data/keypoints_train_all --all-performances

    fitness train action-skeleton --keypoints data/keypoints_train_all \\
        --keypoints data/keypoints_other_train --out runs/skeleton
"""


@train_app.command("action-skeleton", epilog=TRAIN_SKELETON_EXAMPLES)
def train_action_skeleton(
    keypoints: Annotated[
        list[Path],
        typer.Option(help="Keypoint datasets (`index dataset --all-performances`); repeatable."),
    ],
    out: Annotated[Path, typer.Option(help="Folder for last.safetensors and last_state.pt.")],
    width: Annotated[int, typer.Option(min=8, help="Channels of the temporal blocks.")] = 64,
    epochs: Annotated[int, typer.Option(min=1)] = 60,
    batch_size: Annotated[int, typer.Option(min=1)] = 64,
    learning_rate: Annotated[float, typer.Option(min=0.0)] = 2e-3,
    windows_per_video: Annotated[int, typer.Option(min=1, help="Random windows an epoch.")] = 8,
    seed: Annotated[int, typer.Option(help="Seeds the initial weights and the windows.")] = 0,
    resume: Annotated[bool, typer.Option(help="Continue from OUT/last_state.pt.")] = False,
    device: Annotated[str, typer.Option(help="auto (GPU when present), cpu or cuda.")] = "auto",
) -> None:
    """Train the keypoint classifier (the exercises and "none") on the pose model's keypoints."""
    from action_service.skeleton_dataset import labelled_sequences
    from action_service.train_skeleton import SkeletonTrainConfig, train_skeleton

    for folder in keypoints:
        if not (folder / "videos.json").is_file():
            raise CLIError(f"{folder} is no keypoint dataset: run `fitness index dataset` first")
    config = SkeletonTrainConfig(
        keypoints=tuple(keypoints),
        out=out,
        width=width,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        windows_per_video=windows_per_video,
        seed=seed,
        resume=resume,
        device=device,
    )
    videos = len(labelled_sequences(keypoints))
    _train_with_progress(
        train_skeleton, config, total=videos * windows_per_video * epochs, epochs=epochs
    )
    typer.echo(f"weights: {out / 'last.safetensors'}")


TRAIN_REPS_EXAMPLES = """
Examples:

    fitness index dataset --videos data/gym --out data/keypoints_train_all --all-performances

    fitness train reps --keypoints data/keypoints_train_all --videos data/gym \\
        --keypoints data/keypoints_more --videos data/gym_more --out runs/reps
"""


@train_app.command("reps", epilog=TRAIN_REPS_EXAMPLES)
def train_reps_command(
    keypoints: Annotated[
        list[Path],
        typer.Option(help="Keypoint datasets (`index dataset --all-performances`); repeatable."),
    ],
    videos: Annotated[
        list[Path],
        typer.Option(help="The gym folder each keypoint dataset was made from, in order."),
    ],
    out: Annotated[Path, typer.Option(help="Folder for last.safetensors and last_state.pt.")],
    width: Annotated[int, typer.Option(min=8, help="Channels of the temporal blocks.")] = 64,
    epochs: Annotated[int, typer.Option(min=1)] = 80,
    batch_size: Annotated[int, typer.Option(min=1)] = 16,
    learning_rate: Annotated[float, typer.Option(min=0.0)] = 2e-3,
    window: Annotated[int, typer.Option(min=16, help="Instants (at 10 fps) a window.")] = 160,
    windows_per_video: Annotated[int, typer.Option(min=1, help="Random windows an epoch.")] = 1,
    seed: Annotated[int, typer.Option(help="Seeds the initial weights and the windows.")] = 0,
    resume: Annotated[bool, typer.Option(help="Continue from OUT/last_state.pt.")] = False,
    device: Annotated[str, typer.Option(help="auto (GPU when present), cpu or cuda.")] = "auto",
) -> None:
    """Train the rep segmenter (rest, out, back) on the pose model's keypoints of gym videos."""
    from scoring_service.train_reps import RepTrainConfig, train_reps

    for folder in keypoints:
        if not (folder / "videos.json").is_file():
            raise CLIError(f"{folder} is no keypoint dataset: run `fitness index dataset` first")
    if len(videos) != len(keypoints):
        raise CLIError(f"{len(keypoints)} --keypoints but {len(videos)} --videos: give one each")
    config = RepTrainConfig(
        keypoints=tuple(keypoints),
        videos=tuple(videos),
        out=out,
        width=width,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        window=window,
        windows_per_video=windows_per_video,
        seed=seed,
        resume=resume,
        device=device,
    )
    count = sum(len(json.loads((folder / "videos.json").read_text())) for folder in keypoints)
    try:
        _train_with_progress(
            train_reps, config, total=count * windows_per_video * epochs, epochs=epochs
        )
    except (OSError, ValueError) as error:
        raise CLIError(str(error)) from None
    typer.echo(f"weights: {out / 'last.safetensors'}")


@eval_app.command("action-skeleton")
def eval_action_skeleton(
    weights: Annotated[Path, typer.Option(help="Keypoint classifier weights.")] = Path(
        "models/action/skeleton_tcn.safetensors"
    ),
    keypoints: Annotated[
        list[Path] | None,
        typer.Option(help="Keypoint datasets of held-out videos; repeatable."),
    ] = None,
    confusion: Annotated[
        Path | None, typer.Option(help="Confusion-matrix PNG (default: beside the weights).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Report the keypoint classifier's top-1 and per-class accuracy on held-out poses."""
    from action_service.evaluate import evaluate_keypoints, write_confusion_png

    predictor = _keypoint_predictor(weights)
    folders = keypoints or [Path("data/keypoints_test")]
    with _progress() as bar:
        task = bar.add_task("recognising videos", total=None)
        try:
            metrics = evaluate_keypoints(
                predictor, folders, progress=lambda n: bar.advance(task, n)
            )
        except (OSError, ValueError) as error:
            raise CLIError(str(error)) from None
    picture = write_confusion_png(
        metrics, confusion or weights.with_name(f"{weights.stem}_confusion.png")
    )
    _print_metrics(metrics, picture, as_json)


FollowDetectedOption = Annotated[
    bool,
    typer.Option(
        help="Look for the person to follow among the person detector's boxes, as the pose "
        "service does (`POSE_FOLLOW_DETECTED`), not in the whole frame."
    ),
]

EVAL_RECOGNITION_EXAMPLES = """
Examples:

    fitness eval recognition --videos data/gym --keypoints data/keypoints_test \\
        --records runs/recognition/test.json

    fitness eval recognition --videos ../shared/realclips --none \\
        --records runs/recognition/real.json
"""


@eval_app.command("recognition", epilog=EVAL_RECOGNITION_EXAMPLES)
def eval_recognition(
    videos: Annotated[Path, typer.Option(help="UCF101-format folder, or any folder with --none.")],
    list_name: Annotated[str, typer.Option("--list", help="Split list to read.")] = (
        "testlist01.txt"
    ),
    none: Annotated[
        bool, typer.Option(help="Every video under VIDEOS shows none of the exercises.")
    ] = False,
    keypoints: Annotated[
        Path | None,
        typer.Option(help="Their keypoint dataset; without one the pose model runs here."),
    ] = None,
    records: Annotated[
        Path | None,
        typer.Option(help="JSON of both recognisers' answers: reused if present, else written."),
    ] = None,
    fusion: Annotated[Path, typer.Option(help="Fitted fusion (`train fusion`).")] = Path(
        "models/action/fusion.json"
    ),
    action_weights: Annotated[Path, typer.Option(help="3D ResNet weights.")] = Path(
        "models/action/r3d_compact.safetensors"
    ),
    keypoint_weights: Annotated[Path, typer.Option(help="Keypoint classifier weights.")] = Path(
        "models/action/skeleton_tcn.safetensors"
    ),
    pose_weights: Annotated[Path, typer.Option(help="Pose model weights.")] = Path(
        "models/pose/hrnet_compact.safetensors"
    ),
    follow_detected: FollowDetectedOption = True,
    title: Annotated[str, typer.Option(help="Title of the table.")] = "",
) -> None:
    """The 3D ResNet, the keypoint classifier and their fusion side by side on one set: top-1
    and per-class accuracy, and the share of non-exercise videos answered none or uncertain."""
    from gateway.fusion import Fusion
    from gateway.recognition_eval import (
        load_records,
        save_records,
        score,
        score_table,
    )

    if records is not None and records.is_file():
        found = load_records(records)
    else:
        found = _recognition_records(
            videos,
            None if none else list_name,
            keypoints,
            action_weights,
            keypoint_weights,
            pose_weights,
            follow_detected,
        )
        if records is not None:
            save_records(found, records)
    fitted = Fusion.load(fusion) if fusion.is_file() else Fusion()
    typer.echo(score_table(title or str(videos), len(found), score(found, fitted)))


def _recognition_records(
    videos: Path,
    list_name: str | None,
    keypoints: Path | None,
    action_weights: Path,
    keypoint_weights: Path,
    pose_weights: Path,
    follow_detected: bool,
) -> list:
    from action_service.checkpoint import load_predictor
    from gateway.recognition_eval import (
        collect_records,
        listed_videos,
        poses_from_dataset,
        poses_from_model,
    )

    if not action_weights.is_file():
        raise CLIError(f"no weights at {action_weights}: train first with `fitness train action`")
    action = load_predictor(action_weights)
    keypoint = _keypoint_predictor(keypoint_weights)
    try:
        listed = listed_videos(videos, list_name)
        poses = (
            poses_from_dataset(keypoints)
            if keypoints is not None
            else poses_from_model(_pose_backend(pose_weights), _person_finder(follow_detected))
        )
        with _progress() as bar:
            task = bar.add_task("recognising videos", total=len(listed))
            return collect_records(
                videos, listed, action, keypoint, poses, lambda n: bar.advance(task, n)
            )
    except (OSError, ValueError) as error:
        raise CLIError(str(error)) from None


TRAIN_FUSION_EXAMPLES = """
Examples:

    fitness train fusion --records runs/recognition/val.json \\
        --records runs/recognition/val_other.json
"""


@train_app.command("fusion", epilog=TRAIN_FUSION_EXAMPLES)
def train_fusion(
    records: Annotated[
        list[Path],
        typer.Option(help="Validation records (`eval recognition --records`); repeatable."),
    ],
    out: Annotated[Path, typer.Option(help="The fitted fusion.")] = Path(
        "models/action/fusion.json"
    ),
    refuse: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Share of none videos to answer none or uncertain."),
    ] = 0.9,
) -> None:
    """Fit the recognisers' temperatures, fusion weight and confidence thresholds on videos
    neither model trained on (exercise videos and videos of none of them)."""
    from gateway.fusion import fit_fusion
    from gateway.recognition_eval import arrays, load_records

    rows = []
    for path in records:
        if not path.is_file():
            raise CLIError(f"no records at {path}: write them with `fitness eval recognition`")
        rows += load_records(path)
    try:
        fitted = fit_fusion(*arrays(rows), refuse=refuse)
    except ValueError as error:
        raise CLIError(str(error)) from None
    fitted.save(out)
    typer.echo(json.dumps(asdict(fitted)))
    typer.echo(f"wrote {out}")


EVAL_REPS_EXAMPLES = """
Examples:

    fitness index dataset --videos data/gym --list testlist01.txt --all-performances \\
        --out data/keypoints_test

    fitness eval reps --keypoints data/keypoints_test --videos data/gym
"""


@eval_app.command("reps", epilog=EVAL_REPS_EXAMPLES)
def eval_reps(
    keypoints: Annotated[Path, typer.Option(help="Keypoint dataset of held-out gym videos.")],
    videos: Annotated[Path, typer.Option(help="The gym folder the dataset was made from.")],
    weights: Annotated[
        Path, typer.Option(help="Rep segmenter weights (`fitness train reps`).")
    ] = Path("models/scoring/rep_segmenter.safetensors"),
) -> None:
    """Count reps in every video's poses, with no per-exercise threshold, against the gym's
    labels: exact share and mean absolute error per exercise."""
    from scoring_service.evaluate_reps import count_reps, counts_table
    from scoring_service.keypoint_dataset import read_keypoint_dataset
    from scoring_service.reps import RepCounter

    if not (keypoints / "videos.json").is_file():
        raise CLIError(f"{keypoints} is no keypoint dataset: run `fitness index dataset` first")
    if not weights.is_file():
        raise CLIError(f"no rep segmenter at {weights}: train one with `fitness train reps`")
    counter = RepCounter.load(weights)
    found = read_keypoint_dataset(keypoints)
    with _progress() as bar:
        task = bar.add_task("counting reps", total=len(found))
        try:
            counts = count_reps(counter, found, videos, progress=lambda n: bar.advance(task, n))
        except (OSError, ValueError) as error:
            raise CLIError(str(error)) from None
    typer.echo(counts_table(counts))


IndexDirOption = Annotated[Path, typer.Option(help="Index directory.")]
CatalogueOption = Annotated[
    Path | None, typer.Option(help="Exercise catalogue (default: the shipped one).")
]


def _usable_indexes(index: Path, exercises: Path | None) -> dict:
    """The exercises' indexes that load from `index`; none at all is an error."""
    from scoring_service.catalogue import DEFAULT_CATALOGUE, load_catalogue
    from scoring_service.index import load_index_dir

    loaded = load_index_dir(index, load_catalogue(exercises or DEFAULT_CATALOGUE))
    if not loaded.indexes:
        raise CLIError(f"no usable index in {index}: {next(iter(loaded.unavailable.values()))}")
    return loaded.indexes


EVAL_CUES_EXAMPLES = """
Examples:

    fitness eval cues --dataset data/keypoints_test --index models/scoring
"""


@eval_app.command("cues", epilog=EVAL_CUES_EXAMPLES)
def eval_cues(
    dataset: Annotated[Path, typer.Option(help="Held-out keypoint dataset, all performances.")],
    index: IndexDirOption = Path("models/scoring"),
    exercises: CatalogueOption = None,
) -> None:
    """Each fault's form cue on the reps of faulty against clean performances: ROC AUC and
    how often it fires, over every view and over the views the capture check accepts."""
    from gateway.capture import body_view, wrong_view
    from scoring_service.evaluate_cues import cue_results, cues_table, measure_videos
    from scoring_service.keypoint_dataset import read_keypoint_dataset

    if not (dataset / "videos.json").is_file():
        raise CLIError(f"{dataset} is no keypoint dataset: run `fitness index dataset` first")
    indexes = _usable_indexes(index, exercises)
    videos = read_keypoint_dataset(dataset)

    def view_accepted(video) -> bool:
        preferred = indexes[video.exercise].exercise.preferred_view
        return not wrong_view(body_view(video.keypoints), preferred)

    with _progress() as bar:
        task = bar.add_task("measuring reps", total=len(videos))
        reps = measure_videos(
            indexes,
            videos,
            progress=lambda n: bar.advance(task, n),
            view_accepted=view_accepted,
        )
    typer.echo(cues_table(cue_results(reps)))


EVAL_VIEW_EXAMPLES = """
Examples:

    fitness eval view-check --dataset data/keypoints_test --labels data/gym
"""


@eval_app.command("view-check", epilog=EVAL_VIEW_EXAMPLES)
def eval_view(
    dataset: Annotated[Path, typer.Option(help="Held-out keypoint dataset (the pose model's).")],
    labels: Annotated[
        Path, typer.Option(help="The gym folder the dataset was made from (its label files).")
    ],
    exercises: CatalogueOption = None,
) -> None:
    """The capture check's view reading against the gym's camera azimuths, and how often each
    exercise's view warning fires from each side."""
    from gateway.view_eval import measure_views, views_table
    from scoring_service.catalogue import DEFAULT_CATALOGUE, load_catalogue
    from scoring_service.keypoint_dataset import read_keypoint_dataset

    if not (dataset / "videos.json").is_file():
        raise CLIError(f"{dataset} is no keypoint dataset: run `fitness index dataset` first")
    catalogue = load_catalogue(exercises or DEFAULT_CATALOGUE)
    results = measure_views(read_keypoint_dataset(dataset), labels, catalogue)
    if not results:
        raise CLIError(f"no label file in {labels} matches a video of {dataset}")
    typer.echo(views_table(results, catalogue))


def _keypoint_predictor(weights: Path):
    """The keypoint classifier in this process."""
    from action_service.checkpoint import load_skeleton_weights
    from action_service.inference import KeypointPredictor

    if not weights.is_file():
        raise CLIError(f"no weights at {weights}: train first with `fitness train action-skeleton`")
    model, classes = load_skeleton_weights(weights)
    return KeypointPredictor(model.eval(), classes)


# `fitness serve NAME`: each service's own `main` parses its flags (listed by --help).
_SERVICES = {
    "pose": ("pose_service.server", "The pose service (--port, --backend, --weights, ...)."),
    "action": ("action_service.server", "The action service (--port, --backend, ...)."),
    "scoring": ("scoring_service.server", "The scoring service (--port, --index-dir, ...)."),
    "gateway": ("gateway.server", "The gateway (--port, --pose-targets, ...)."),
}


def _add_serve_command(name: str, module: str, summary: str) -> None:
    @serve_app.command(
        name,
        help=f"{summary} Every flag is listed by --help.",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )
    def serve_one(context: typer.Context) -> None:
        importlib.import_module(module).main(context.args)


for _name, (_module, _summary) in _SERVICES.items():
    _add_serve_command(_name, _module, _summary)


@serve_app.command("all")
def serve_all(
    model_store: Annotated[
        Path,
        typer.Option(help="Folder with pose.mar, action.mar and (optional) action_keypoints.mar."),
    ] = Path("build/model-store"),
    index_dir: Annotated[Path, typer.Option(help="Scoring index directory.")] = Path(
        "models/scoring"
    ),
    workdir: Annotated[Path, typer.Option(help="Logs of every process.")] = Path("build/stack"),
    gateway_port: Annotated[int, typer.Option(help="The gateway's port.")] = 50050,
    pose_replicas: Annotated[int, typer.Option(min=1, help="Pose service replicas.")] = 1,
    action_replicas: Annotated[int, typer.Option(min=1, help="Action service replicas.")] = 1,
    tls_dir: Annotated[
        Path | None,
        typer.Option(
            help="Certificates from `fitness certs`: TLS on every hop, mutual between services."
        ),
    ] = None,
    auth_tokens_file: Annotated[
        Path | None,
        typer.Option(help="Bearer tokens the gateway accepts, one per line (needs --tls-dir)."),
    ] = None,
) -> None:
    """TorchServe and the four services, each started once the last is ready; Ctrl-C stops all."""
    from client.stack import LocalStack, StackConfig, run_until_stopped

    config = StackConfig(
        model_store=model_store,
        index_dir=index_dir,
        workdir=workdir,
        gateway_port=gateway_port,
        pose_replicas=pose_replicas,
        action_replicas=action_replicas,
        tls_dir=tls_dir,
        auth_tokens_file=auth_tokens_file,
    )
    try:
        run_until_stopped(LocalStack(config))
    except ValueError as error:
        raise CLIError(str(error)) from None


CERTS_EXAMPLES = """
Examples:

    fitness certs build/certs

    fitness certs build/certs --namespace fitness-prod --days 30
"""


@app.command(epilog=CERTS_EXAMPLES)
def certs(
    out: Annotated[Path, typer.Argument(help="Folder for the CA, certificates and keys.")],
    namespace: Annotated[
        str, typer.Option(help="Kubernetes namespace the certificates name.")
    ] = "fitness",
    days: Annotated[int, typer.Option(min=1, help="Days the certificates stay valid.")] = 365,
) -> None:
    """Make a development CA and a certificate for each service and a client (TLS and mutual
    TLS on every hop); not for production."""
    from client.certs import write_development_certificates

    for path in write_development_certificates(out, namespace=namespace, days=days):
        typer.echo(f"wrote {path} and its key")


INDEX_DATASET_EXAMPLES = """
Examples:

    fitness index dataset --videos data/gym --out data/keypoints

    fitness index dataset --videos data/gym --list testlist01.txt --all-performances \\
        --out data/keypoints_test
"""


@index_app.command("dataset", epilog=INDEX_DATASET_EXAMPLES)
def index_dataset(
    videos: Annotated[Path, typer.Option(help="UCF101-format folder of reference videos.")],
    out: Annotated[Path, typer.Option(help="Folder for <exercise>.csv and videos.json.")],
    list_name: Annotated[str, typer.Option("--list", help="Split list to read.")] = (
        "trainlist01.txt"
    ),
    weights: Annotated[Path, typer.Option(help="Pose model weights.")] = Path(
        "models/pose/hrnet_compact.safetensors"
    ),
    sample_fps: Annotated[float, typer.Option(min=1.0, help="Frames sampled per second.")] = 10.0,
    all_performances: Annotated[
        bool, typer.Option(help="Keep faulty performances too (for evaluation sets).")
    ] = False,
    labels: Annotated[
        bool, typer.Option(help="Use the gym's exact keypoints instead of the pose model's.")
    ] = False,
    follow_detected: FollowDetectedOption = True,
) -> None:
    """Run the pose model over videos: one CSV row per (video, frame, joint), per exercise."""
    from action_service.dataset import read_classes, read_split
    from scoring_service.keypoint_dataset import (
        build_keypoint_dataset,
        labels_keypoints,
        read_fault_labels,
        write_keypoint_dataset,
    )

    if not (videos / list_name).is_file():
        raise CLIError(f"no {list_name} in {videos}: not a UCF101-format folder")
    entries = read_split(videos, list_name, read_classes(videos))
    with _progress() as bar:
        task = bar.add_task("estimating poses", total=len(entries))

        def advance(count: int) -> None:
            bar.advance(task, count)

        if labels:
            found = []
            for entry in entries:
                path = videos / entry.path
                if all_performances or not any(read_fault_labels(path).values()):
                    found.append(labels_keypoints(path, entry.path, sample_fps))
                advance(1)
        else:
            found = build_keypoint_dataset(
                _pose_backend(weights),
                videos,
                list_name=list_name,
                sample_fps=sample_fps,
                clean_only=not all_performances,
                find_people=_person_finder(follow_detected),
                progress=advance,
            )
    write_keypoint_dataset(found, out)
    typer.echo(f"wrote the keypoints of {len(found)} videos to {out}")


def _pose_backend(weights: Path):
    """The pose model in this process (the keypoint dataset is an offline job)."""
    from pose_service.server import create_backend
    from pose_service.settings import PoseSettings

    if not weights.is_file():
        raise CLIError(f"no pose weights at {weights}: train first with `fitness train pose`")
    return create_backend(PoseSettings(backend="in_process", weights=weights))


def _person_finder(follow_detected: bool):
    """The pose service's person detector's `find`, with which it looks for the person to
    follow; None when not asked for."""
    from pose_service.server import create_detector
    from pose_service.settings import PoseSettings

    if not follow_detected:
        return None
    try:
        detector = create_detector(PoseSettings(backend="in_process", people_every=0))
    except FileNotFoundError as error:
        raise CLIError(str(error)) from error
    return detector.find


@index_app.command("build")
def index_build(
    dataset: Annotated[Path, typer.Option(help="Keypoint dataset (`fitness index dataset`).")],
    out: IndexDirOption = Path("models/scoring"),
    exercises: CatalogueOption = None,
    rep_segmenter: Annotated[
        Path, typer.Option(help="Rep segmenter weights (`fitness train reps`), copied to OUT.")
    ] = Path("models/scoring/rep_segmenter.safetensors"),
    world: Annotated[
        Path | None,
        typer.Option(help="3D reference poses (`fitness index world`) for the view scorer."),
    ] = None,
) -> None:
    """Cluster each exercise's joints (DBSCAN), index centroids and poses (FAISS), calibrate,
    and keep the reference reps."""
    from scoring_service.catalogue import DEFAULT_CATALOGUE, load_catalogue
    from scoring_service.index import build_index_dir
    from scoring_service.keypoint_dataset import read_keypoint_dataset
    from scoring_service.world_poses import read_world_poses

    if not rep_segmenter.is_file():
        raise CLIError(f"no rep segmenter at {rep_segmenter}: train one with `fitness train reps`")
    catalogue = load_catalogue(exercises or DEFAULT_CATALOGUE)
    videos = read_keypoint_dataset(dataset)
    try:
        world_poses = read_world_poses(world) if world else []
    except ValueError as error:
        raise CLIError(str(error)) from None
    with _progress() as bar:
        task = bar.add_task("building indexes", total=len(catalogue))
        try:
            manifest, failed = build_index_dir(
                videos,
                catalogue,
                out,
                source=str(dataset),
                rep_segmenter=rep_segmenter,
                world=world_poses,
                progress=lambda _: bar.advance(task, 1),
            )
        except ValueError as error:
            raise CLIError(str(error)) from None
    for reason in failed.values():
        typer.echo(f"skipped {reason}", err=True)
    typer.echo(f"wrote {manifest}")


INDEX_WORLD_EXAMPLES = """
Examples:

    fitness index world --out data/world_train.npz

    fitness index views --index models/scoring --world data/world_train.npz
"""


@index_app.command("world", epilog=INDEX_WORLD_EXAMPLES)
def index_world(
    out: Annotated[Path, typer.Option(help="The .npz file of 3D poses to write.")],
    groups: Annotated[int, typer.Option(min=1, help="Performers per exercise in the set.")] = 25,
    clips: Annotated[int, typer.Option(min=1, help="Clips per performer in the set.")] = 2,
    seed: Annotated[int, typer.Option(help="The set's root seed.")] = 0,
    sample_fps: Annotated[float, typer.Option(min=1.0, help="Frames sampled per second.")] = 10.0,
    all_performances: Annotated[
        bool, typer.Option(help="Keep faulty performances too (the view scorer uses clean ones).")
    ] = False,
) -> None:
    """The gym's 3D keypoints of the training performances of a set (`fitness synth videos`
    with the same --groups, --clips and --seed), made again from their seeds without
    rendering: the references of the view scorer."""
    from scoring_service.world_poses import gym_world_poses, write_world_poses
    from synth.dataset import plan_videos

    entries = [
        entry
        for entry in plan_videos(groups=groups, clips_per_group=clips, root_seed=seed)
        if not entry.tested
    ]
    with _progress() as bar:
        task = bar.add_task("making motions", total=len(entries))
        found = gym_world_poses(entries, sample_fps, progress=lambda n: bar.advance(task, n))
    kept = [video for video in found if all_performances or video.clean]
    write_world_poses(kept, out)
    typer.echo(f"wrote the 3D poses of {len(kept)} performances to {out}")


@index_app.command("views", epilog=INDEX_WORLD_EXAMPLES)
def index_views(
    world: Annotated[Path, typer.Option(help="3D reference poses (`fitness index world`).")],
    index: IndexDirOption = Path("models/scoring"),
    exercises: CatalogueOption = None,
) -> None:
    """Add the view scorer to an index directory: its exercises' clean 3D references, filmed
    from every view and calibrated per view; the other scorers and reps stay as they are."""
    from scoring_service.catalogue import DEFAULT_CATALOGUE, load_catalogue
    from scoring_service.index import add_view_scorers
    from scoring_service.world_poses import read_world_poses

    catalogue = load_catalogue(exercises or DEFAULT_CATALOGUE)
    try:
        poses = read_world_poses(world)
        with _progress() as bar:
            task = bar.add_task("calibrating views", total=len(catalogue))
            manifest, changed = add_view_scorers(
                index, catalogue, poses, progress=lambda _: bar.advance(task, 1)
            )
    except ValueError as error:
        raise CLIError(str(error)) from None
    typer.echo(f"added the view scorer of {', '.join(changed)}; wrote {manifest}")


@eval_app.command("scoring")
def eval_scoring(
    dataset: Annotated[Path, typer.Option(help="Held-out keypoint dataset, all performances.")],
    index: IndexDirOption = Path("models/scoring"),
    exercises: CatalogueOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The paper's experiment: valid against other exercises and faulty, per exercise."""
    from scoring_service.evaluate import evaluate_scoring, markdown_table, rows_json
    from scoring_service.keypoint_dataset import read_keypoint_dataset

    indexes = _usable_indexes(index, exercises)
    videos = read_keypoint_dataset(dataset)
    scorers = sum(len(i.scorers) + (i.reps is not None) for i in indexes.values())
    with _progress() as bar:
        task = bar.add_task("scoring", total=scorers * len(videos))
        rows = evaluate_scoring(indexes, videos, progress=lambda n: bar.advance(task, n))
    typer.echo(rows_json(rows) if as_json else markdown_table(rows))


EVAL_VIEWPOINT_EXAMPLES = """
Examples:

    fitness eval viewpoint --out build/viewpoint

    fitness eval viewpoint --out build/viewpoint --azimuths 0,90,180,270 --performances 1
"""


def _azimuths(text: str) -> tuple[float, ...]:
    """Comma-separated degrees, two or more, each once."""
    try:
        azimuths = tuple(float(item) for item in text.split(","))
    except ValueError:
        raise CLIError(
            f"--azimuths takes degrees separated by commas, e.g. 0,90; got {text!r}"
        ) from None
    if len(set(azimuths)) != len(azimuths) or len(azimuths) < 2:
        raise CLIError(f"--azimuths takes two or more different azimuths; got {text!r}")
    return azimuths


@eval_app.command("viewpoint", epilog=EVAL_VIEWPOINT_EXAMPLES)
def eval_viewpoint(
    out: Annotated[Path, typer.Option(help="Folder for the videos and viewpoint.json.")],
    azimuths: Annotated[
        str, typer.Option(help="Camera azimuths in degrees (0: the front, 90: the left side).")
    ] = "0,45,90,135",
    performances: Annotated[
        int, typer.Option(min=1, max=7, help="Held-out performers per exercise.")
    ] = 2,
    reps: Annotated[int, typer.Option(min=1, max=12, help="Repetitions per performance.")] = 3,
    weights: Annotated[Path, typer.Option(help="Pose model weights.")] = Path(
        "models/pose/hrnet_compact.safetensors"
    ),
    index: IndexDirOption = Path("models/scoring"),
    exercises: CatalogueOption = None,
    follow_detected: FollowDetectedOption = True,
) -> None:
    """Film held-out clean performances from several azimuths in the gym, pose them with the
    pose model and score them with both scorers: do the overall scores of one performance lie
    within 5 points of each other?"""
    import time

    from scoring_service.evaluate_viewpoint import (
        held_out_performances,
        measure_viewpoints,
        viewpoint_table,
        write_record,
    )

    chosen = _azimuths(azimuths)
    backend = _pose_backend(weights)
    indexes = _usable_indexes(index, exercises)
    entries = held_out_performances(sorted(indexes), performances, reps=reps)
    started = time.monotonic()
    with _progress() as bar:
        task = bar.add_task("filming and scoring", total=len(entries) * len(chosen))
        records = measure_viewpoints(
            entries,
            backend,
            indexes,
            out,
            azimuths=chosen,
            find_people=_person_finder(follow_detected),
            progress=lambda n: bar.advance(task, n),
        )
    seconds = time.monotonic() - started
    typer.echo(viewpoint_table(records))
    path = write_record(records, out, reps=reps, seconds=seconds)
    typer.echo(f"wrote {path} ({len(records) * len(chosen)} videos in {seconds / 60:.1f} min)")


def _add_archive_command(group: typer.Typer, model: str, builder: str, trainer: str) -> None:
    """`fitness ... archive`: `builder` ("module.function") writes MODEL.mar from the weights
    the `trainer` command writes."""

    @group.command(
        "archive",
        help=f"Build {model}.mar for TorchServe: the weights, the handler and its batching config.",
    )
    def archive(
        weights: Annotated[Path, typer.Option(help="Weights written by training.")],
        out: Annotated[Path, typer.Option(help="Model store folder for the archive.")] = Path(
            "build/model-store"
        ),
        version: Annotated[str, typer.Option(help="Archive version.")] = "1.0",
    ) -> None:
        if not weights.is_file():
            raise CLIError(f"no weights at {weights}: train first with `{trainer}`")
        module, function = builder.rsplit(".", 1)
        build = getattr(importlib.import_module(module), function)
        typer.echo(f"wrote {build(weights, out, version)}")


_add_archive_command(
    pose_app, "pose", "pose_service.archive.build_pose_archive", "fitness train pose"
)
_add_archive_command(
    action_app, "action", "action_service.archive.build_action_archive", "fitness train action"
)
_add_archive_command(
    action_skeleton_app,
    "action_keypoints",
    "action_service.archive.build_action_archive",
    "fitness train action-skeleton",
)


def main(argv: list[str] | None = None) -> None:
    """Runs the CLI, then exits; a user error prints one line on stderr and exits with 2."""
    try:
        app(args=argv, prog_name="fitness")
    except (CLIError, FitnessError, FileNotFoundError) as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
