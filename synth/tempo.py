"""The rep clock of a performance: when each repetition starts, turns and ends, and how deep
into it every frame is.

A performer draws a mean rep duration from the exercise's `Tempo`; each rep varies about it,
splits into going down, holding at the turning point and coming back up, and may be followed
by a rest. The clip starts and ends with an idle stretch. Depth eases in and out with a cosine,
so motions driven by it start and stop smoothly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Rep:
    """One repetition's frames: `start` and `end` inclusive, `bottom` its turning point."""

    start: int
    bottom: int
    end: int


@dataclass(frozen=True)
class Tempo:
    """An exercise's range of rep timings, from which each performer draws their own."""

    seconds: tuple[float, float]  # range of a performer's mean rep duration
    down: tuple[float, float]  # fraction of a rep spent reaching the turning point
    hold: tuple[float, float]  # fraction of a rep held at the turning point
    rest_chance: float  # chance of a pause after a rep


@dataclass(frozen=True)
class Clock:
    """Per-frame timing: `depth` 0 at the start position and 1 at the turning point, `extent`
    the current rep's share of the full range, `rep` the current (or last) rep and `phase` the
    fraction of it done (0 between reps)."""

    time: np.ndarray
    depth: np.ndarray
    extent: np.ndarray
    rep: np.ndarray
    phase: np.ndarray
    reps: tuple[Rep, ...]

    @property
    def frames(self) -> int:
        return len(self.time)


def draw_clock(
    rng: np.random.Generator, tempo: Tempo, reps: int, fps: float, held_out: bool
) -> Clock:
    low, high = tempo.seconds
    if held_out:
        low, high = 0.85 * low, 1.2 * high
    mean = rng.uniform(low, high)
    start = rng.uniform(0.3, 1.5)
    spans = []
    for index in range(reps):
        duration = mean * np.exp(rng.normal(0.0, 0.1))
        down = duration * rng.uniform(*tempo.down)
        hold = duration * rng.uniform(*tempo.hold)
        extent = 1.0 - min(abs(rng.normal(0.0, 0.04)), 0.12)
        spans.append((start, start + down, start + down + hold, start + duration, extent))
        start += duration
        if index < reps - 1 and rng.random() < tempo.rest_chance:
            start += rng.uniform(0.3, 1.2)
    time = np.arange(int(np.ceil((start + rng.uniform(0.3, 1.5)) * fps))) / fps
    depth, phase = np.zeros_like(time), np.zeros_like(time)
    extent, rep = np.ones_like(time), np.zeros(len(time), int)
    bounds = []
    for index, (begin, low_at, rise_at, end, share) in enumerate(spans):
        inside = (time >= begin) & (time < end)
        going = np.clip((time - begin) / (low_at - begin), 0, 1)
        coming = np.clip((end - time) / (end - rise_at), 0, 1)
        depth = np.where(inside, ease(np.minimum(going, coming)), depth)
        phase = np.where(inside, (time - begin) / (end - begin), phase)
        extent[time >= begin] = share
        rep[time >= begin] = index
        first, last = int(np.ceil(begin * fps)), int(np.ceil(end * fps)) - 1
        bottom = int(np.clip(round((low_at + rise_at) / 2 * fps), first, last))
        bounds.append(Rep(first, bottom, last))
    return Clock(time, depth, extent, rep, phase, tuple(bounds))


def soft_min(a: np.ndarray, b: np.ndarray, width: float = 0.01) -> np.ndarray:
    """min(a, b) with its corner rounded over about `width`, so that motions stay smooth."""
    return -width * np.logaddexp(-a / width, -b / width)


def ease(x: np.ndarray) -> np.ndarray:
    """Cosine easing of x clipped to [0, 1]: 0 -> 0, 1 -> 1, flat at both ends."""
    return (1 - np.cos(np.pi * np.clip(x, 0, 1))) / 2
