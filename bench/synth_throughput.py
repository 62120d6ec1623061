"""Frames per second of the gym's whole path: pose the body, render, label, encode.

Run on one core (`make bench` pins it with taskset): what a CI machine's core delivers.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

import cv2
import torch

from synth.body import body_model
from synth.clip import Clip, ClipSpec
from synth.dataset import write_clip_video
from synth.render import Renderer

SIZES = ((320, 240), (640, 480))
EXERCISES = ("BodyWeightSquats", "PushUps", "JumpingJack")


def measure(width: int, height: int) -> dict[str, float]:
    """Seconds spent per stage over a few clips of one frame size."""
    renderer = Renderer(width, height)
    totals = {"frames": 0, "pose": 0.0, "render_label": 0.0, "encode": 0.0, "whole": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        for n, exercise in enumerate(EXERCISES):
            spec = dataclasses.replace(
                ClipSpec.sample(exercise, 1000 + n, reps=3), width=width, height=height, fps=30.0
            )
            start = time.perf_counter()
            clip = Clip.build(spec)
            posed = time.perf_counter()
            frames = list(clip.frames(renderer))
            rendered = time.perf_counter()
            write_clip_video(clip, Path(tmp) / f"{exercise}.mp4", renderer)
            whole = time.perf_counter()
            # write_clip_video renders again, then encodes: encoding is the difference.
            totals["frames"] += len(frames)
            totals["pose"] += posed - start
            totals["render_label"] += rendered - posed
            totals["encode"] += (whole - rendered) - (rendered - posed)
            totals["whole"] += (posed - start) + (whole - rendered)
    renderer.release()
    return totals


def main() -> None:
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    body_model()  # built once, outside the timings
    print("Synthetic gym throughput, one core (pose, render + label, encode H.264)")
    print(
        "| size | frames | pose ms/frame | render+label ms/frame | encode ms/frame | "
        "whole path frames/s |"
    )
    print("|---|---|---|---|---|---|")
    for width, height in SIZES:
        t = measure(width, height)
        per = 1000 / t["frames"]
        print(
            f"| {width}x{height} | {t['frames']} | {t['pose'] * per:.2f} | "
            f"{t['render_label'] * per:.2f} | {max(t['encode'], 0) * per:.2f} | "
            f"{t['frames'] / t['whole']:.1f} |"
        )


if __name__ == "__main__":
    main()
