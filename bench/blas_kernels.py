"""Whether the BLAS kernel changes the network's numbers or its speed: [784, 30, 10] trained under
OpenBLAS kernels chosen by hand, against the kernel OpenBLAS picks for this CPU, in one run.

The network computes in its own portable C arithmetic, so the counts should be the same under every
kernel; this measures that they are. The kernel is fixed when OpenBLAS loads, so each contender is a
fresh Python process with OPENBLAS_CORETYPE (and NPY_DISABLE_CPU_FEATURES, as on a machine whose
natural kernel it is) in its environment. The processes are timed in alternate turns; each trains
for two epochs of the 50,000 images from seed 0 and reports the kernel in force, its seconds per
epoch and its correct counts after each epoch. A kernel this CPU cannot run is reported, not fatal.
"""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench import network_speed
from reports.runner.provenance import NUMERICS_VARIABLES

ROOT = Path(__file__).resolve().parents[1]
# The kernel OpenBLAS picks here (None), the one the README's tables name, and an older one.
KERNELS = (None, "Haswell", "Sandybridge")
EPOCHS = 2


def numerics_settings(kernel):
    """The environment of a process that computes as under the OpenBLAS `kernel`: that kernel, and
    NumPy's own loops kept from AVX-512 unless the kernel is an AVX-512 one."""
    avx512 = ("SkylakeX", "Cooperlake", "SapphireRapids")
    settings = {"OPENBLAS_CORETYPE": kernel}
    if kernel not in avx512:
        settings["NPY_DISABLE_CPU_FEATURES"] = "X86_V4,AVX512_ICL,AVX512_SPR"
    return settings


def environment(kernel):
    """The environment of a process that trains under `kernel` (None: OpenBLAS's own choice)."""
    env = {k: v for k, v in os.environ.items() if k not in NUMERICS_VARIABLES}
    return env if kernel is None else {**env, **numerics_settings(kernel)}


def one_process(kernel, timeout=600):
    """Train once under `kernel` in a fresh process; its report, or {"error": ...}."""
    command = [sys.executable, "-m", "bench.blas_kernels", "--train"]
    try:
        completed = subprocess.run(command, env=environment(kernel), capture_output=True, text=True,
                                   timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"no answer in {timeout} s"}
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit status {completed.returncode}: {last}"}
    return json.loads(completed.stdout)


def measure(kernels=KERNELS, rounds=3):
    """Per kernel: the kernel in force, median seconds per epoch, the counts, and the ratio of its time
    to OpenBLAS's own choice (median of the per-turn ratios)."""
    turns = {kernel: [] for kernel in kernels}
    for _ in range(rounds):
        for kernel in kernels:
            turns[kernel].append(one_process(kernel))
    rows = []
    baseline = [turn.get("seconds_per_epoch") for turn in turns[kernels[0]]]
    for kernel, results in turns.items():
        good = [r for r in results if "error" not in r]
        if not good:
            rows.append({"kernel": kernel, "error": results[0]["error"]})
            continue
        ratios = [r["seconds_per_epoch"] / b for r, b in zip(results, baseline) if "error" not in r and b]
        rows.append({"kernel": kernel, "in_force": good[0]["in_force"], "counts": good[0]["counts"],
                     "compiled": good[0].get("compiled"),
                     "seconds_per_epoch": statistics.median(r["seconds_per_epoch"] for r in good),
                     "ratio": statistics.median(ratios) if ratios else None})
    return rows


def train():
    """The body of one contender: train, and print what happened as JSON."""
    import time

    import numpy as np
    from threadpoolctl import threadpool_info

    from data import load_mnist
    from network import compiled_epoch
    from network.network import Network

    mnist = load_mnist(repair=False)
    X, Y = mnist.train.images.astype(np.float64), np.eye(10)[mnist.train.labels]
    test = (mnist.test.images.astype(np.float64), mnist.test.labels)
    net = Network(network_speed.SIZES, random_state=0)
    start = time.perf_counter()
    counts = net.SGD((X, Y), EPOCHS, network_speed.MINI_BATCH, network_speed.ETA, test_data=test)
    seconds = (time.perf_counter() - start) / EPOCHS  # includes scoring the test images after each epoch, as the runner does
    kernels = sorted({info.get("architecture") or "?" for info in threadpool_info() if info["user_api"] == "blas"})
    print(json.dumps({"in_force": ", ".join(kernels), "counts": counts, "seconds_per_epoch": seconds,
                      "compiled": compiled_epoch.why_not() is None}))


def markdown(rows, section):
    from tabulate import tabulate

    default = next((row for row in rows if row["kernel"] is None and "error" not in row), None)
    table = []
    for row in rows:
        name = "OpenBLAS's own choice" if row["kernel"] is None else f"OPENBLAS_CORETYPE={row['kernel']}"
        if "error" in row:
            table.append([name, "-", "-", "-", "-", f"failed: {row['error']}"])
            continue
        same = "-" if default is None or row is default else (
            "same counts" if row["counts"] == default["counts"] else "other counts")
        epoch = {True: "compiled", False: "NumPy"}.get(row.get("compiled"), "-")
        table.append([name, row["in_force"], epoch, f"{row['seconds_per_epoch']:.3f}",
                      "1.0" if row is default else f"{row['ratio']:.2f}" if row["ratio"] else "-",
                      f"{', '.join(f'{c:,}' for c in row['counts'])} ({same})"])
    return [f"{section} The network under other BLAS kernels", "",
            f"The network [784, 30, 10], seed 0, {EPOCHS} epochs of the 50,000 images in a fresh process per "
            "kernel (the kernel is chosen when OpenBLAS loads), timed in alternate turns: whether the kernel "
            "changes the network's figures or its speed. The compiled epoch trains under every kernel, in its own "
            "arithmetic, so the figures should not change.", "",
            tabulate(table, ["kernel asked for", "kernel in force", "epoch", "seconds per epoch", "time vs own choice",
                             f"correct after epochs 0-{EPOCHS - 1}"], tablefmt="github", disable_numparse=True), ""]


if __name__ == "__main__":
    if sys.argv[1:] == ["--train"]:
        train()
