"""The whole system under load and abuse, as `fitness serve all` runs it (real TorchServe, the
four services as processes): many more analyses at once than the gateway runs, and a hundred
malformed uploads. Every call ends with a result or a clear status, no process dies, memory
stays bounded and the next valid analysis succeeds."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import numpy as np
import pytest

from client.analyze import analyze_video
from client.stack import LocalStack, StackConfig, build_archives
from common.channels import open_channel
from common.fitness.v1 import gateway_pb2, gateway_pb2_grpc
from synth.dataset import render_clip

MODELS = Path(__file__).parents[1] / "models"
EXERCISE = "PushUps"
MAX_ANALYSES = 4
QUEUE_SECONDS = 5.0
MAX_UPLOAD_MB = 2
MAX_MESSAGE_MB = 1
# A hint skips recognition and few frames are posed: each analysis costs the gateway its
# whole path (upload, decode, pose, scoring) for little model time on a small machine.
QUICK = gateway_pb2.AnalysisOptions(sample_fps=3.0)
Request = gateway_pb2.AnalyzeVideoRequest
INVALID = grpc.StatusCode.INVALID_ARGUMENT
EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED
NOT_FOUND = grpc.StatusCode.NOT_FOUND
OK = grpc.StatusCode.OK
# Statuses that tell the caller what is wrong with the request, or to come back later.
CLEAR_REFUSALS = {
    INVALID,
    EXHAUSTED,
    NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.OUT_OF_RANGE,
}
# The burst may raise the gateway's peak resident memory by at most this: 32 uploads queued
# or spooled to disk, 4 analyses decoding at once. Measured on 2 cores: about 295 MiB after
# a first analysis, 50 to 60 MiB more after the burst.
BURST_MEMORY_BYTES = 256 * 1024**2
ESCAPE_NAME = "fitness-fuzz-escape.mp4"


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """A short, small push-up clip: one rep, 256x192, about 3 s (93 frames)."""
    path = tmp_path_factory.mktemp("clip") / "pushup.mp4"
    render_clip(EXERCISE, path, seed=3, reps=1, size=(256, 192))
    return path


@pytest.fixture(scope="module")
def spool(tmp_path_factory) -> Path:
    """The services' temporary folder, where the gateway spools uploads."""
    return tmp_path_factory.mktemp("spool")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, spool) -> Iterator[LocalStack]:
    folder = tmp_path_factory.mktemp("stack")
    store = folder / "model-store"
    build_archives(MODELS, store)
    config = StackConfig.on_free_ports(
        store,
        MODELS / "scoring",
        folder / "run",
        gateway_flags=[
            *("--max-analyses", str(MAX_ANALYSES)),
            *("--queue-seconds", str(QUEUE_SECONDS)),
            *("--max-upload-mb", str(MAX_UPLOAD_MB)),
            *("--max-message-mb", str(MAX_MESSAGE_MB)),
        ],
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(spool))
        with LocalStack(config) as running:
            yield running


def gateway(stack: LocalStack) -> str:
    return stack.address(stack.config.gateway_port)


def peak_memory_bytes(pid: int) -> int:
    """The process's peak resident set size (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM for process {pid}")


def assert_everything_runs(stack: LocalStack) -> None:
    exited = {name: p.returncode for name, p in stack.processes if p.poll() is not None}
    assert not exited, f"services exited: {exited}"
    assert stack.torchserve is not None
    assert stack.torchserve.process.poll() is None


def assert_a_valid_analysis_succeeds(stack: LocalStack, clip: Path) -> None:
    report = asyncio.run(analyze_video(clip, gateway(stack), exercise_hint=EXERCISE, options=QUICK))
    assert report.exercise.exercise_id == EXERCISE
    assert len(report.poses) > 0


def test_a_burst_of_analyses_completes_or_is_refused_with_back_pressure(stack, clip):
    count = 32
    gateway_process = dict(stack.processes)["gateway"]
    assert_a_valid_analysis_succeeds(stack, clip)  # warm: every channel and model loaded
    peak_before = peak_memory_bytes(gateway_process.pid)

    async def burst() -> list[gateway_pb2.Report | BaseException]:
        calls = [
            analyze_video(
                clip, gateway(stack), exercise_hint=EXERCISE, options=QUICK, timeout_seconds=150
            )
            for _ in range(count)
        ]
        # A call that hangs fails the test here, not at its own (longer) deadline.
        return await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 120)

    results = asyncio.run(burst())
    peak_after = peak_memory_bytes(gateway_process.pid)

    assert len(results) == count
    completed = [r for r in results if isinstance(r, gateway_pb2.Report)]
    refused = [r for r in results if not isinstance(r, gateway_pb2.Report)]
    for error in refused:
        assert isinstance(error, grpc.aio.AioRpcError), repr(error)
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, error
        assert "analyses are running" in error.details()
    assert all(len(report.poses) > 0 for report in completed)
    assert len(completed) >= MAX_ANALYSES
    print(
        f"burst of {count}: {len(completed)} completed, {len(refused)} refused; gateway peak "
        f"RSS {peak_before / 1024**2:.0f} MiB before, {peak_after / 1024**2:.0f} MiB after"
    )
    assert peak_after - peak_before < BURST_MEMORY_BYTES
    assert_everything_runs(stack)
    assert_a_valid_analysis_succeeds(stack, clip)


@dataclass
class Case:
    """One malformed upload: the messages sent, in order, and the status it must get (None:
    any clear one, for damage whose effect on the decoder is not known in advance)."""

    name: str
    requests: list[Request]
    expected: grpc.StatusCode | None = None
    deadline_seconds: float = 60.0


@dataclass
class Outcome:
    """How the gateway answered one upload."""

    code: grpc.StatusCode
    details: str = ""
    report: gateway_pb2.Report | None = None

    @property
    def clear(self) -> bool:
        """A report, or a refusal that says what is wrong."""
        if self.code == OK:
            return self.report is not None
        return self.code in CLEAR_REFUSALS and bool(self.details)


def metadata(
    data: bytes,
    *,
    file_name: str = "clip.mp4",
    hint: str = EXERCISE,
    options: gateway_pb2.AnalysisOptions = QUICK,
    size: int | None = None,
) -> Request:
    """The first message; the declared size is the true one unless `size` says otherwise."""
    declared = len(data) if size is None else size
    return Request(
        metadata=gateway_pb2.VideoMetadata(
            file_name=file_name, size_bytes=declared, exercise_hint=hint, options=options
        )
    )


def chunks(data: bytes, size: int = 64 * 1024) -> list[Request]:
    return [Request(chunk=data[start : start + size]) for start in range(0, len(data), size)]


def upload(data: bytes, **fields) -> list[Request]:
    return [metadata(data, **fields), *chunks(data)]


def flipped(data: bytes, rng: np.random.Generator, start: int, stop: int, flips: int) -> bytes:
    """`data` with `flips` random bits flipped at random offsets in [start, stop)."""
    damaged = bytearray(data)
    for offset in rng.integers(start, stop, size=flips):
        damaged[offset] ^= 1 << int(rng.integers(8))
    return bytes(damaged)


def damaged_videos(video: bytes, rng: np.random.Generator) -> list[Case]:
    """Truncated and bit-flipped copies of `video`, and random bytes: 45 cases."""
    size, header = len(video), 4096  # faststart: the mp4 index comes first
    cases = []
    cuts = [0, 1, 8, 64, 512, header, *sorted(rng.choice(np.arange(header, size), 10, False))]
    for cut in cuts:
        cases.append(Case(f"truncated at byte {cut}", upload(video[:cut])))
    for flips in range(1, 11):
        damaged = flipped(video, rng, 0, header, flips)
        cases.append(Case(f"{flips} bits flipped in the header", upload(damaged)))
    for flips in (1, 2, 4, 8, 16, 32, 64, 128, 512, 2048):
        damaged = flipped(video, rng, header, size, flips)
        cases.append(Case(f"{flips} bits flipped in the frames", upload(damaged)))
    half = video[: size // 2]
    cases.append(Case("half the video, no hint", upload(half, hint="")))
    for length in (1, 7, 100, 4096, 65_537, 300_000):
        cases.append(Case(f"{length} random bytes", upload(rng.bytes(length))))
    for length in (100, 50_000):
        cases.append(
            Case(f"an mp4 start, {length} random bytes", upload(video[:32] + rng.bytes(length)))
        )
    return cases


def broken_protocol(video: bytes) -> list[Case]:
    """Metadata missing, repeated or out of place; no bytes; odd chunking: 12 cases."""
    empty_chunk = Request(chunk=b"")
    return [
        Case("no message at all", [], INVALID),
        Case("metadata and no bytes", [metadata(b"")], INVALID),
        Case("metadata and empty chunks", [metadata(b""), empty_chunk, empty_chunk], INVALID),
        Case("chunks and no metadata", chunks(video), INVALID),
        Case("a chunk before the metadata", [*chunks(video)[:1], *upload(video)], INVALID),
        Case("metadata twice at the start", [metadata(video), *upload(video)], INVALID),
        Case("metadata again after a chunk", [*upload(video)[:2], metadata(video)], INVALID),
        Case("an empty message first", [Request(), *chunks(video)], INVALID),
        Case("an empty message after the chunks", [*upload(video), Request()], INVALID),
        Case("empty chunks between the chunks", [metadata(video), empty_chunk, *chunks(video)], OK),
        Case("the video in 1000-byte chunks", [metadata(video), *chunks(video, 1000)], OK),
        Case("empty metadata: no hint, no options", [Request(metadata={}), *chunks(video)], OK),
    ]


def lying_sizes(video: bytes, rng: np.random.Generator) -> list[Case]:
    """Declared sizes that are not the size sent, and sizes over the limits: 8 cases."""
    size, limit = len(video), MAX_UPLOAD_MB * 1024**2
    over_limit = video + rng.bytes(limit)
    return [
        Case("declares more than it sends", upload(video, size=size + 10_000), INVALID),
        Case("declares one byte less than it sends", upload(video, size=size - 1), EXHAUSTED),
        Case("declares one byte", upload(video, size=1), EXHAUSTED),
        Case("declares a negative size", upload(video, size=-5), INVALID),
        Case("declares 2**62 bytes", upload(video, size=2**62), EXHAUSTED),
        Case("declares the upload limit plus one", upload(video, size=limit + 1), EXHAUSTED),
        Case("sends past the upload limit", upload(over_limit, size=0), EXHAUSTED),
        Case(
            "a chunk over the message limit",
            [metadata(video), *chunks(over_limit, limit)],
            EXHAUSTED,
        ),
    ]


HOSTILE_NAMES = (
    f"../../{ESCAPE_NAME}",
    f"/tmp/{ESCAPE_NAME}",
    "/etc/passwd",
    "/dev/zero",
    "/proc/self/mem",
    "",
    "..",
    "a\x00b.mp4",
    "x" * 100_000,
    "упражнение 🏋️ \u202e4pm.exe",
    "line\nERROR a forged log line",
    "%s%n%x{0}${HOME}$(id)",
    "C:\\Windows\\system32\\CON",
)


def odd_requests(video: bytes) -> list[Case]:
    """Hostile file names, hints that name no exercise, absurd options: 35 cases."""
    cases = [
        Case(f"file name {name[:40]!r}", upload(video, file_name=name), OK)
        for name in HOSTILE_NAMES
    ]
    unknown = ("NoSuchExercise", "PushUps ", "PushUps\x00", "../../etc/passwd", "🏋️" * 50)
    for hint in unknown:
        cases.append(Case(f"hint {hint[:20]!r}", upload(video, hint=hint), NOT_FOUND))
    cases.append(Case("a hint of 10000 characters", upload(video, hint="P" * 10_000), INVALID))
    # A rate must be 0 (the default) or a usable positive one; infinity: every frame.
    rates = {-5.0: INVALID, -math.inf: INVALID, math.nan: INVALID, 1e-300: INVALID}
    rates |= {5e-324: INVALID, math.inf: OK, 1e300: OK, 1e6: OK}
    for fps, expected in rates.items():
        options = gateway_pb2.AnalysisOptions(sample_fps=fps)
        # Every frame of the clip is posed: three such analyses at once take a while on 2 cores.
        deadline = 240.0 if expected == OK else 60.0
        cases.append(Case(f"sample_fps {fps}", upload(video, options=options), expected, deadline))
    for scorer in ("no-such-scorer", "../../etc/passwd", "x" * 10_000):
        options = gateway_pb2.AnalysisOptions(sample_fps=3.0, scorer=scorer)
        cases.append(Case(f"scorer {scorer[:20]!r}", upload(video, options=options), INVALID))
    for recognizer in (99, -1):  # unknown values: the gateway's default recogniser
        options = gateway_pb2.AnalysisOptions(sample_fps=3.0, recognizer=recognizer)
        cases.append(Case(f"recognizer {recognizer}", upload(video, options=options), OK))
        without_hint = upload(video, hint="", options=options)
        cases.append(Case(f"recognizer {recognizer}, no hint", without_hint, OK))
    options = gateway_pb2.AnalysisOptions(sample_fps=3.0, stream_frame_scores=True)
    cases.append(Case("frame scores streamed", upload(video, options=options), OK))
    return cases


def malformed_uploads(video: bytes, seed: int = 0) -> list[Case]:
    """A hundred malformed uploads built from one valid video; the same for the same seed."""
    rng = np.random.default_rng(seed)
    return [
        *damaged_videos(video, rng),
        *broken_protocol(video),
        *lying_sizes(video, rng),
        *odd_requests(video),
    ]


async def send(address: str, case: Case) -> Outcome:
    """Sends one upload; its outcome, the report when it succeeds."""
    async with open_channel(address, max_attempts=1) as channel:
        stub = gateway_pb2_grpc.GatewayStub(channel)
        report = None
        try:
            async for event in stub.AnalyzeVideo(
                iter(case.requests), timeout=case.deadline_seconds
            ):
                if event.WhichOneof("event") == "report":
                    report = event.report
        except grpc.aio.AioRpcError as error:
            return Outcome(error.code(), error.details() or "")
        return Outcome(OK, report=report)


def test_malformed_uploads_get_clear_statuses_and_break_nothing(stack, clip, spool):
    cases = malformed_uploads(clip.read_bytes())
    assert len(cases) == 100

    async def send_all() -> list[Outcome]:
        outcomes = []
        for start in range(0, len(cases), MAX_ANALYSES):  # as many at once as the gateway runs
            group = cases[start : start + MAX_ANALYSES]
            outcomes += await asyncio.gather(*(send(gateway(stack), case) for case in group))
        return outcomes

    outcomes = asyncio.run(send_all())
    for case, outcome in zip(cases, outcomes, strict=True):
        print(f"{case.name}: {outcome.code.name} {outcome.details[:120]}")
    wrong = [
        f"{case.name}: {outcome.code.name} {outcome.details!r}"
        for case, outcome in zip(cases, outcomes, strict=True)
        if not outcome.clear or case.expected not in (None, outcome.code)
    ]
    assert not wrong, "\n".join(wrong)
    for case, outcome in zip(cases, outcomes, strict=True):  # a name is only ever shown
        if outcome.report is not None:
            assert outcome.report.file_name == case.requests[0].metadata.file_name
    assert_everything_runs(stack)
    # Nothing written where a hostile name points, and no spooled upload left behind.
    for folder in (Path.cwd(), spool, Path("/tmp")):
        assert not (folder / f"../../{ESCAPE_NAME}").exists()
        assert not (folder / ESCAPE_NAME).exists()
    assert not list(spool.glob("upload-*"))
    assert_a_valid_analysis_succeeds(stack, clip)
