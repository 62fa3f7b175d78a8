"""Timing helpers for the benchmarks: warm up first, then take the median of several repetitions."""

import statistics
import time


def median_seconds(function, repeat=5, warmup=1):
    """Median wall time of `function()` over `repeat` calls, after `warmup` untimed calls."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
