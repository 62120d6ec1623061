"""Intervals over performers for measurements on a few of them (a cluster bootstrap).

A held-out gym set has a few performers an exercise, and one performer's videos move a
measurement a long way: each is drawn again with replacement, all their samples kept
together, and the statistic's percentiles over the draws bound it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

INTERVAL = 0.9
RESAMPLES = 1000

Sample = TypeVar("Sample")


def performer_interval(
    samples: Sequence[Sample],
    performer: Callable[[Sample], str],
    statistic: Callable[[list[Sample]], float],
) -> tuple[float, float]:
    """The `INTERVAL` of `statistic` over `RESAMPLES` draws with replacement of the performers
    of `samples` (each drawn with all their samples); draws where it is NaN are left out, and
    NaN is returned where every draw is."""
    groups: dict[str, list[Sample]] = {}
    for sample in samples:
        groups.setdefault(performer(sample), []).append(sample)
    if not groups:
        return float("nan"), float("nan")
    performers = list(groups.values())
    rng = np.random.default_rng(0)
    values = []
    for _ in range(RESAMPLES):
        drawn = rng.integers(len(performers), size=len(performers))
        value = statistic([sample for n in drawn for sample in performers[n]])
        if not np.isnan(value):
            values.append(value)
    if not values:
        return float("nan"), float("nan")
    low, high = np.quantile(values, [(1 - INTERVAL) / 2, (1 + INTERVAL) / 2])
    return float(low), float(high)
