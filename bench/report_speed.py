"""Wall time of `make report` from nothing (cold) and again with nothing changed (warm), and of
`make chapter` from nothing, each in a fresh results directory, with the peak memory of the largest
process."""

import resource
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _make(target, results_dir):
    start = time.perf_counter()
    subprocess.run(["make", "--no-print-directory", target, f"RESULTS={results_dir}"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _fresh_results():
    return tempfile.TemporaryDirectory(prefix="bench-results-")


def measure():
    with _fresh_results() as results_dir:
        cold = _make("report", results_dir)
        warm = _make("report", results_dir)
    # ru_maxrss of the children is the peak of the largest process that ran (in KiB on Linux).
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"cold_seconds": cold, "warm_seconds": warm, "largest_process_peak_mib": peak_mib}


def measure_chapter():
    with _fresh_results() as results_dir:
        return {"cold_seconds": _make("chapter", results_dir)}
