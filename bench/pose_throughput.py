"""Pose model throughput: crops per second in process and through TorchServe.

Batch 1, 8 and 32 crops (frame + box each), compact HRNet against W32, on this machine's CPU
cores, with the flip test (each crop averaged with its mirror image, the default) and without
it in the same process. Through TorchServe, a "batch" is that many concurrent requests, which
TorchServe gathers into model batches of up to 8 (`pose_service/model-config.yaml`); the ratio
of the in-process and TorchServe columns is TorchServe's overhead. A second table times the
person detector (whole frames, letterboxed) against the compact HRNet (crops) in the same
process, and what checking every fifth frame adds to posing each. A third times the keypoint
decodings (DARK's Taylor step, the default, against the published quarter pixel): whole crops
through the compact HRNet with each, and each decoding alone. A fourth follows the person
through a rendered gym clip with the shipped pose model, looking for them among the shipped
detector's people against the whole frame. Where a CUDA GPU is present,
a last table times the network alone on it in fp32 and bf16 (autocast), against W32 fp32 in
the same process.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import torch

from common.torchserve import TorchServe
from pose_service.archive import build_pose_archive
from pose_service.codec import decode
from pose_service.detector import PeopleNet, PersonDetector, load_detector
from pose_service.inference import PosePredictor
from pose_service.model import build_model
from pose_service.payload import encode_request
from pose_service.server import create_backend
from pose_service.settings import PoseSettings
from pose_service.train import save_checkpoint
from scoring_service.keypoint_dataset import estimate_video
from synth.dataset import render_clip

BATCHES = (1, 8, 32)
GPU_BATCHES = (1, 32, 128)
SECONDS = 4.0


def inputs(count: int) -> tuple[list[np.ndarray], list[tuple[float, float, float, float]]]:
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (360, 640, 3), dtype=np.uint8) for _ in range(count)]
    return frames, [(200.0, 40.0, 160.0, 300.0)] * count


def rate(run, batch: int, sync=lambda: None) -> float:
    """Crops per second of `run()` (one batch each call), after one warm-up call; `sync`
    waits for queued GPU work."""
    run()
    sync()
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        run()
        done += batch
    sync()
    return done / (time.perf_counter() - start)


def in_process(name: str, batch: int, flip_test: bool = True) -> float:
    predictor = PosePredictor(build_model(name).eval(), flip_test=flip_test)
    frames, boxes = inputs(batch)
    return rate(lambda: predictor.predict(frames, boxes), batch)


def through_torchserve(server: TorchServe, batch: int, pool: ThreadPoolExecutor) -> float:
    frames, boxes = inputs(batch)
    bodies = [encode_request(f, b) for f, b in zip(frames, boxes, strict=True)]
    headers = {
        "Authorization": f"Bearer {server.inference_token()}",
        "Content-Type": "application/octet-stream",
    }

    def post(body: bytes) -> bytes:
        request = urllib.request.Request(
            f"{server.inference_url}/predictions/pose", data=body, headers=headers
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.read()

    return rate(lambda: list(pool.map(post, bodies)), batch)


def detector_table() -> None:
    """Detector frames/s against compact HRNet crops/s, and the share a check every fifth
    frame adds to posing every frame."""
    print("Person detector against the compact pose model, in process (CPU; 640x360 frames)")
    print("| batch | detector frames/s | pose crops/s | detector / pose | every 5th frame adds |")
    print("|---|---|---|---|---|")
    detector = PersonDetector(PeopleNet().eval(), threshold=0.0)
    predictor = PosePredictor(build_model("compact").eval())
    for batch in BATCHES[:2]:
        frames, boxes = inputs(batch)
        people = rate(lambda frames=frames: detector.detect(frames), batch)
        poses = rate(lambda frames=frames, boxes=boxes: predictor.predict(frames, boxes), batch)
        print(
            f"| {batch} | {people:.1f} | {poses:.1f} | {people / poses:.2f} "
            f"| {poses / people / 5:.0%} |"
        )


def decoding_table() -> None:
    """Compact HRNet crops/s decoded by DARK against the quarter pixel, and the decodings
    alone in milliseconds a crop."""
    print("Keypoint decoding, compact pose model in process (CPU; 640x360 frames, flip test)")
    print(
        "| batch | quarter crops/s | dark crops/s | dark / quarter "
        "| decoding alone, ms a crop: quarter | dark |"
    )
    print("|---|---|---|---|---|---|")
    model = build_model("compact").eval()
    for batch in BATCHES[:2]:
        frames, boxes = inputs(batch)
        heatmaps = np.random.default_rng(0).random((batch, 17, 64, 48), np.float32)
        posed, alone = {}, {}
        for decoding in ("quarter", "dark"):
            predictor = PosePredictor(model, decoding=decoding)
            posed[decoding] = rate(partial(predictor.predict, frames, boxes), batch)
            alone[decoding] = 1000 / rate(partial(decode, heatmaps, decoding), batch)
        print(
            f"| {batch} | {posed['quarter']:.1f} | {posed['dark']:.1f} "
            f"| {posed['dark'] / posed['quarter']:.2f} | {alone['quarter']:.3f} "
            f"| {alone['dark']:.3f} |"
        )


def tracking_table() -> None:
    """Frames/s of following the person through a gym clip, looking for them among the
    detected people against in the whole frame (the shipped models, 10 frames a second)."""
    settings = PoseSettings(backend="in_process")
    print("Following the person, shipped models in process (CPU; a 480x360 gym clip at 10 fps)")
    print("| looked for in | frames/s | against the whole frame |")
    print("|---|---|---|")
    backend = create_backend(settings)
    detector = load_detector(settings.detector_weights)
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "squats.mp4"
        render_clip("BodyWeightSquats", clip, seed=3, reps=3, size=(480, 360), fps=30.0)
        asyncio.run(estimate_video(backend, clip, 10.0))  # warm up
        rates = {}
        for name, find_people in (("the whole frame", None), ("detected people", detector.find)):
            start = time.perf_counter()
            frames, _, _ = asyncio.run(estimate_video(backend, clip, 10.0, find_people))
            rates[name] = len(frames) / (time.perf_counter() - start)
            print(f"| {name} | {rates[name]:.1f} | {rates[name] / rates['the whole frame']:.2f} |")


def gpu_table() -> None:
    """The network alone on the GPU: crops/s in fp32 and bf16 against W32 fp32."""
    device = torch.device("cuda")
    print(f"Pose network throughput on {torch.cuda.get_device_name(device)}, crops/s (256x192)")
    print("| model | precision | batch | crops/s | / W32 fp32 |")
    print("|---|---|---|---|---|")
    models = {name: build_model(name).eval().to(device) for name in ("w32", "compact")}
    for batch in GPU_BATCHES:
        crops = torch.randn(batch, 3, 256, 192, device=device)
        baseline = None
        for dtype in (None, torch.bfloat16):
            for name, model in models.items():
                autocast = (
                    torch.autocast("cuda", dtype=dtype) if dtype else contextlib.nullcontext()
                )

                def run(model=model, autocast=autocast, crops=crops) -> None:
                    with torch.inference_mode(), autocast:
                        model(crops)

                measured = rate(run, batch, torch.cuda.synchronize)
                baseline = baseline or measured
                precision = "bf16" if dtype else "fp32"
                print(
                    f"| {name} | {precision} | {batch} | {measured:.0f} "
                    f"| {measured / baseline:.2f} |"
                )


def main() -> None:
    threads = torch.get_num_threads()
    print(f"Pose model throughput, crops/s (CPU, {threads} threads; 640x360 frames)")
    print(
        "| model | batch | in process | no flip test | flip test / none "
        "| through TorchServe | TorchServe / in process |"
    )
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in ("compact", "w32"):
            weights = folder / f"{name}.safetensors"
            save_checkpoint(build_model(name), name, (192, 256), weights)
            mar = build_pose_archive(weights, folder / name)
            with (
                TorchServe(mar.parent, {"pose": mar.name}, folder / f"ts-{name}") as server,
                ThreadPoolExecutor(max_workers=32) as pool,
            ):
                for batch in BATCHES:
                    local = in_process(name, batch)
                    plain = in_process(name, batch, flip_test=False)
                    served = through_torchserve(server, batch, pool)
                    print(
                        f"| {name} | {batch} | {local:.1f} | {plain:.1f} | {local / plain:.2f} "
                        f"| {served:.1f} | {served / local:.2f} |"
                    )
    detector_table()
    decoding_table()
    tracking_table()
    if torch.cuda.is_available():
        gpu_table()


if __name__ == "__main__":
    main()
