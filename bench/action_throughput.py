"""Action model throughput: clips (3 x 16 x 112 x 112) per second, compact model against R3D-34.

On the CPU in fp32 (this machine's cores); where a CUDA GPU is present, also on the GPU in
fp32, fp16 and bf16 (autocast). The last column is each row's rate over R3D-34 fp32 on the same
device, measured in the same process.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import torch

from action_service.model import build_model

BATCHES = (1, 8)
SECONDS = 4.0
# (name, depth, width multiplier): the shipped compact model and the paper's ResNet-34.
MODELS = (("compact (R3D-18 x0.25)", 18, 0.25), ("R3D-34", 34, 1.0))


def rate(run: Callable[[], None], batch: int, device: torch.device) -> float:
    """Clips per second of `run()` (one batch each call), after one warm-up call."""
    run()
    if device.type == "cuda":
        torch.cuda.synchronize()
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        run()
        done += batch
    if device.type == "cuda":
        torch.cuda.synchronize()
    return done / (time.perf_counter() - start)


def clips_per_second(
    depth: int, widen_factor: float, batch: int, device: torch.device, dtype: torch.dtype | None
) -> float:
    model = build_model(depth, widen_factor=widen_factor).eval().to(device)
    clips = torch.randn(batch, 3, 16, 112, 112, device=device)
    autocast = (
        torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext()
    )

    def run() -> None:
        with torch.inference_mode(), autocast:
            model(clips)

    return rate(run, batch, device)


def main() -> None:
    devices = {"cpu": [None]}
    if torch.cuda.is_available():
        devices["cuda"] = [None, torch.float16, torch.bfloat16]
    print(f"Action model throughput, clips/s (CPU: {torch.get_num_threads()} threads)")
    print("| model | device | precision | batch | clips/s | / R3D-34 fp32 |")
    print("|---|---|---|---|---|---|")
    for device_name, precisions in devices.items():
        device = torch.device(device_name)
        for batch in BATCHES:
            baseline = None
            for dtype in precisions:  # fp32 first: it is the baseline
                for name, depth, widen in reversed(MODELS):  # R3D-34 first
                    measured = clips_per_second(depth, widen, batch, device, dtype)
                    baseline = baseline or measured
                    precision = str(dtype).removeprefix("torch.") if dtype else "fp32"
                    print(
                        f"| {name} | {device_name} | {precision} | {batch} | {measured:.1f} "
                        f"| {measured / baseline:.2f} |"
                    )


if __name__ == "__main__":
    main()
