"""End-to-end speed: video frames analysed per second and latency through the gateway, for one
video and for several at once, with the parallel orchestration against the sequential one.

The whole system runs as `fitness serve all` runs it (TorchServe with the shipped archives,
four services as separate processes on loopback), twice: once with `--orchestration parallel`
and once with `sequential`; the same gym clips are uploaded to each.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import grpc

from client.analyze import analyze_video
from client.stack import LocalStack, StackConfig, build_archives
from common.video import probe_video
from synth.dataset import render_clip

MODELS = Path("models")
CLIPS = (("BodyWeightSquats", 3), ("PushUps", 4), ("JumpingJack", 5), ("Lunges", 6))
CONCURRENCY = (1, 4)


async def run_batch(
    address: str, videos: list[Path], credentials: grpc.ChannelCredentials | None = None
) -> tuple[float, list[float]]:
    """Wall seconds for all `videos` at once, and each one's latency."""

    async def one(video: Path) -> float:
        start = time.perf_counter()
        await analyze_video(video, address, credentials=credentials)
        return time.perf_counter() - start

    start = time.perf_counter()
    latencies = await asyncio.gather(*(one(video) for video in videos))
    return time.perf_counter() - start, list(latencies)


def loopback_config(
    store: Path, workdir: Path, gateway_flags: list[str], **more: Any
) -> StackConfig:
    """The shipped models and indexes on free loopback ports; `more` StackConfig fields."""
    return StackConfig.on_free_ports(
        store, MODELS / "scoring", workdir, gateway_flags=gateway_flags, **more
    )


def gym_clips(folder: Path) -> list[Path]:
    """The benchmark's four 480x360 30 fps gym clips, rendered into `folder`."""
    videos = []
    for exercise, seed in CLIPS:
        path = folder / f"{exercise}.mp4"
        render_clip(exercise, path, seed=seed, reps=3, size=(480, 360), fps=30.0)
        videos.append(path)
    return videos


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        videos = gym_clips(folder)
        frames = {video: probe_video(video).frame_count for video in videos}
        store = folder / "model-store"
        build_archives(MODELS, store)
        results: dict[tuple[str, int], tuple[float, float, float]] = {}
        for orchestration in ("sequential", "parallel"):
            config = loopback_config(
                store, folder / orchestration, ["--orchestration", orchestration]
            )
            with LocalStack(config) as stack:
                address = stack.address(config.gateway_port)
                asyncio.run(run_batch(address, videos[:1]))  # warm-up
                for count in CONCURRENCY:
                    batch = videos[:count]
                    wall, latencies = asyncio.run(run_batch(address, batch))
                    rate = sum(frames[v] for v in batch) / wall
                    results[orchestration, count] = (wall, sum(latencies) / count, rate)
        print("End-to-end analysis through the gateway (480x360 30 fps gym clips, 3 reps each;")
        print("TorchServe and the four services on this machine's CPU)")
        print("| orchestration | videos at once | wall s | mean latency s | video frames/s "
              "| parallel / sequential |")  # fmt: skip
        print("|---|---|---|---|---|---|")
        for count in CONCURRENCY:
            for orchestration in ("sequential", "parallel"):
                wall, latency, rate = results[orchestration, count]
                ratio = rate / results["sequential", count][2]
                print(
                    f"| {orchestration} | {count} | {wall:.1f} | {latency:.1f} | {rate:.1f} "
                    f"| {ratio:.2f} |"
                )


if __name__ == "__main__":
    main()
