"""Timing helpers for the benchmarks: warm up first, then take the median of several repetitions."""

import statistics
import time


def median_seconds(function, repeat=5, warmup=1, clock=time.perf_counter):
    """Median time of `function()` over `repeat` calls, after `warmup` untimed calls: wall time, or the
    time of another `clock` (time.thread_time: the CPU time of this thread)."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        start = clock()
        function()
        times.append(clock() - start)
    return statistics.median(times)
