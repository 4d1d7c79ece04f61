"""Timing on a shared machine: contenders alternate (A B C A B C ...), rates are medians of rounds.

Other processes share these cores, so no single sample is trusted: each contender is timed in
several rounds, interleaved with the others so that a burst of outside load hits them alike, and
the median round is reported beside the spread.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable


def stats(rates: list[float]) -> dict:
    """`{"median", "min", "max", "rounds"}` of per-round rates (sequences per second)."""
    if not rates:
        return {"median": None, "min": None, "max": None, "rounds": 0}
    return {"median": round(statistics.median(rates), 1), "min": round(min(rates), 1),
            "max": round(max(rates), 1), "rounds": len(rates)}


def ratio(a, b):
    """`a / b` rounded, or None when either is missing."""
    return round(a / b, 3) if a and b else None


def seconds(fn: Callable[[], object]) -> float:
    """Wall seconds of one call of `fn`."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def repeats_for(fn: Callable[[], object], target_seconds: float, most: int = 10_000) -> int:
    """How many calls of `fn` (already warm) last about `target_seconds` (at least 1)."""
    once = max(seconds(fn), 1e-6)
    return int(max(1, min(most, target_seconds / once)))


def per_call(fn: Callable[[], object], repeats: int) -> float:
    """Median wall seconds of one call of `fn` over `repeats` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def alternate(contenders: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run `contenders` (name -> callable returning one round's rate) in turn for `rounds` rounds,
    A B C A B C ...; returns name -> rates in round order."""
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            rates[name].append(run())
    return rates
