"""How fast the network trains: the project's matrix form in NumPy against its compiled epoch and the
book's per-example loop, and all against the floor set by the machine's matrix-product throughput,
measured in one run; and the portable compiled epoch against earlier versions of itself (BASELINES:
the portable file before its speed-ups and before its latest one, and the AVX2 epoch it replaced),
and against the limit of its own
arithmetic (the products by nonzero pixels at the machine's measured float64 throughput)."""

import ctypes
import inspect
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from bench.timing import median_seconds
from network import compiled_epoch
from network.classifier import NetworkClassifier
from network.network import Network
from network.reference import per_example_gradient

SIZES = [784, 30, 10]


class Baseline(NamedTuple):
    """An earlier compiled epoch, built from git into a temporary directory for the comparison only."""

    commit: str
    flags: tuple
    description: str
    current_inputs: bool  # whether its sgd_epoch takes the inputs as the current file does (the narrow stream)


# "before" is the portable file before the speed-ups of the issue "Speed where users wait", "previous"
# the file before its latest ones (8 lanes on AVX-512 targets, the bias sums a vector at a time); both
# are built as the project builds the current one and must give the current file's very bits.
BASELINES = {
    "before": Baseline("339eb09", (*compiled_epoch.FLAGS, *compiled_epoch.NATIVE),
                       "the portable epoch before its speed-ups (the same arithmetic)", False),
    "previous": Baseline("3bf890b", (*compiled_epoch.FLAGS, *compiled_epoch.NATIVE),
                         "the portable epoch before its latest speed-up (the same arithmetic)", True),
    "avx2": Baseline("a6040b9", ("-O3", "-mavx2", "-mfma", "-ffp-contract=off", "-fPIC", "-shared"),
                     "the AVX2 epoch the portable one replaced (intrinsics imitating OpenBLAS's Haswell kernel)",
                     False),
}
SAME_ARITHMETIC = ("before", "previous")  # the baselines that must give the current file's bits
# The chapter's mini-batch and learning rate, as NetworkClassifier defines them.
MINI_BATCH, ETA = (inspect.signature(NetworkClassifier).parameters[name].default for name in ("mini_batch_size", "eta"))


def side_by_side(X, Y, repeat, reference_examples, epochs_per_timing=2):
    """Seconds per epoch of this project's Network.SGD in NumPy, of its compiled epoch, and of the
    book's loop, timed in turns.

    The three are timed alternately, `repeat` times after a warm-up, so that the noise of a shared
    machine falls on all alike; each ratio is the median of the per-turn ratios to NumPy. The network
    trains `epochs_per_timing` epochs per call, so that its one-off set-up (converting and checking the
    data, and for the compiled epoch indexing the nonzero pixels) is shared out as in a real run. The
    reference (network/reference.py: one example
    at a time through backprop, summed per mini-batch) is timed on `reference_examples` images and
    scaled to the whole of X.
    """
    net, compiled = Network(SIZES, random_state=0), Network(SIZES, random_state=0)
    reference = Network(SIZES, random_state=0)

    def ours():
        with compiled_epoch.disabled():
            net.SGD((X, Y), epochs_per_timing, MINI_BATCH, ETA)

    def ours_compiled():
        compiled.SGD((X, Y), epochs_per_timing, MINI_BATCH, ETA)

    def books_loop():
        for k in range(0, reference_examples, MINI_BATCH):
            x, y = X[k:k + MINI_BATCH].T, Y[k:k + MINI_BATCH].T
            nabla_b, nabla_w = per_example_gradient(reference, x, y)
            for p, g in zip(reference.weights + reference.biases, nabla_w + nabla_b):
                p -= (ETA / MINI_BATCH) * g

    times = {"numpy": [], "compiled": [], "reference": []}
    for turn in range(repeat):
        warmup = 0 if turn else 1
        times["numpy"].append(median_seconds(ours, repeat=1, warmup=warmup) / epochs_per_timing)
        times["compiled"].append(median_seconds(ours_compiled, repeat=1, warmup=warmup) / epochs_per_timing)
        times["reference"].append(median_seconds(books_loop, repeat=1, warmup=0) * len(X) / reference_examples)
    ratio = {name: statistics.median(t / o for t, o in zip(times[name], times["numpy"])) for name in times}
    return {name: statistics.median(t) for name, t in times.items()}, ratio


def matmul_flops_per_epoch(n_examples, sizes=SIZES):
    """Floating-point operations of the matrix products in one epoch: per example and layer, 2 n_in n_out
    for the forward pass and as many for the weight gradient, and again for propagating the error back
    through every layer but the first. Elementwise work (sigmoid, updates) is left out: a floor."""
    layers = list(zip(sizes[:-1], sizes[1:]))
    per_example = sum(2 * n_in * n_out * 2 for n_in, n_out in layers)
    per_example += sum(2 * n_in * n_out for n_in, n_out in layers[1:])
    return per_example * n_examples


def gflops(shape_a, shape_b, repeat=20, clock=time.perf_counter):
    """Measured single-thread float64 throughput of the product of two matrices of these shapes, per
    second of `clock` (wall time, or time.thread_time: the CPU time of the thread that computes it)."""
    rng = np.random.default_rng(0)
    a, b = rng.random(shape_a), rng.random(shape_b)
    out = np.empty((shape_a[0], shape_b[1]))
    calls = max(1, int(2e8 // (2 * shape_a[0] * shape_a[1] * shape_b[1])))  # about 0.2 GFLOP per timing

    def products():
        for _ in range(calls):
            np.matmul(a, b, out=out)

    with threadpool_limits(limits=1, user_api="blas"):
        seconds = median_seconds(products, repeat=repeat, clock=clock)
    return 2 * shape_a[0] * shape_a[1] * shape_b[1] * calls / seconds / 1e9


def baseline_library(directory, name):
    """BASELINES[name]'s epoch built in `directory` and loaded, or a sentence saying why not."""
    commit, flags, _, current_inputs = BASELINES[name]
    root = Path(__file__).resolve().parents[1]
    source, library = Path(directory) / f"{name}_epoch.c", Path(directory) / f"{name}_epoch.so"
    try:
        shown = subprocess.run(["git", "show", f"{commit}:network/compiled_epoch.c"], cwd=root,
                               capture_output=True, text=True, timeout=60)
        if shown.returncode != 0:
            return f"git has no {commit} here"
        source.write_text(shown.stdout)
        built = subprocess.run(["cc", *flags, str(source), "-o", str(library), "-lm"], capture_output=True,
                               text=True, stdin=subprocess.DEVNULL, timeout=120)
        if built.returncode != 0:
            return f"it does not build here: {built.stderr[:80]}"
        loaded = compiled_epoch._open(library) if current_inputs else ctypes.CDLL(str(library))
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"it cannot be built here ({error})"
    if current_inputs:
        return loaded
    loaded.sgd_epoch.argtypes = [ctypes.c_int64, *[ctypes.c_void_p] * 8, ctypes.c_int64, ctypes.c_int64,
                                 ctypes.c_double, ctypes.c_double]
    loaded.sgd_epoch.restype = ctypes.c_int
    return loaded


def run_baseline(library, epochs, network, order):
    """One epoch of a BASELINES library whose sgd_epoch takes the inputs as the files before the narrow
    stream did: int32 positions and float64 values (`epochs` made with narrow=False), before the targets."""
    n, m = len(order), MINI_BATCH
    sizes = np.array(network.sizes, dtype=np.int64)
    pointers = [compiled_epoch._pointers(arrays) for arrays in (network.weights, network.biases)]
    return library.sgd_epoch(len(network.sizes), sizes.ctypes.data, *pointers, epochs.x_start.ctypes.data,
                             epochs.x_position.ctypes.data, epochs.x_value.ctypes.data, epochs.Y.ctypes.data,
                             order.ctypes.data, n, m, float(ETA / m), float(ETA / (n % m or m)))


def sparse_flops_per_epoch(X, sizes):
    """Floating-point operations of an epoch with the products by zero pixels skipped, as the compiled
    epoch does: per nonzero pixel and hidden neuron, a multiply-add forward and one for the weight
    gradient; every later layer dense, forward, gradient and error sent back."""
    pixels = int(np.count_nonzero(X))
    later = list(zip(sizes[1:-1], sizes[2:]))
    return 2 * 2 * pixels * sizes[1] + len(X) * sum(3 * 2 * n_in * n_out for n_in, n_out in later)


def compiled_against_baselines(X, Y, hidden_sizes=(30, 100), repeat=5):
    """CPU seconds per epoch of the portable compiled epoch and of the BASELINES, the raw C epoch only (no
    set-up), timed in alternate turns from the same network and order: {hidden: {"portable": s, name: s,
    "<name>_ratio": median of the per-turn ratios portable / name, "same_bits": whether every turn of
    the SAME_ARITHMETIC baselines gave the portable epoch's weights, "gflop": the epoch's arithmetic}}, and {name: why it is
    missing}. Thread CPU time, not wall time: on a shared machine the epoch's own work is what it costs."""
    library = compiled_epoch._load()
    if library is None:
        return {}, {"portable": compiled_epoch.why_not()}
    with tempfile.TemporaryDirectory() as directory:
        built = {name: baseline_library(directory, name) for name in BASELINES}
        missing = {name: lib for name, lib in built.items() if isinstance(lib, str)}
        contenders = {"portable": library, **{name: lib for name, lib in built.items() if name not in missing}}
        results = {}
        for hidden in hidden_sizes:
            times, same_bits = {name: [] for name in contenders}, []
            for turn in range(repeat + 1):
                weights = {}
                for name, lib in contenders.items():
                    network = Network([X.shape[1], hidden, 10], random_state=turn)
                    current_inputs = name == "portable" or BASELINES[name].current_inputs
                    epochs = compiled_epoch.CompiledEpochs(lib, X, Y, narrow=current_inputs)
                    order = network.rng.permutation(len(X))
                    start = time.thread_time()
                    if current_inputs:
                        epochs._run(network, order, MINI_BATCH, ETA)
                    else:
                        run_baseline(lib, epochs, network, order)
                    if turn:  # the first turn warms up
                        times[name].append(time.thread_time() - start)
                    weights[name] = network.weights + network.biases
                same_bits += [all(np.array_equal(a, b) for a, b in zip(weights["portable"], weights[name]))
                              for name in SAME_ARITHMETIC if name in weights]
            row = {name: statistics.median(t) for name, t in times.items()}
            for name in contenders.keys() - {"portable"}:
                row[f"{name}_ratio"] = statistics.median(p / b for p, b in zip(times["portable"], times[name]))
            row["same_bits"] = all(same_bits) if same_bits else None
            row["gflop"] = sparse_flops_per_epoch(X, [X.shape[1], hidden, 10]) / 1e9
            results[hidden] = row
    return results, missing


def measure(X, Y, repeat=5, reference_examples=2500, epochs_per_timing=10):
    seconds, ratio = side_by_side(X, Y, repeat, reference_examples, epochs_per_timing)
    against, baselines_missing = compiled_against_baselines(X, Y, repeat=repeat)
    flops = matmul_flops_per_epoch(len(X))
    large = gflops((1000, 1000), (1000, 1000), repeat=5)
    # The compiled epochs are timed in thread CPU seconds, so their limit is measured so too.
    limit = gflops((1000, 1000), (1000, 1000), repeat=5, clock=time.thread_time)
    batch = gflops((SIZES[1], SIZES[0]), (SIZES[0], MINI_BATCH))
    return {
        "sizes": SIZES, "mini_batch_size": MINI_BATCH, "n_train": len(X), "epochs_per_timing": epochs_per_timing,
        "network_seconds_per_epoch": seconds["numpy"],
        "compiled_seconds_per_epoch": seconds["compiled"],
        "compiled_ratio": ratio["compiled"],
        "compiled_not_available": compiled_epoch.why_not(),
        "reference_seconds_per_epoch": seconds["reference"],
        "speedup_over_reference": ratio["reference"],
        "gflop_per_epoch": flops / 1e9,
        "gflops_large_matmul": large,
        "gflops_large_matmul_cpu": limit,
        "gflops_batch_matmul": batch,
        "floor_seconds_large": flops / 1e9 / large,
        "floor_seconds_batch": flops / 1e9 / batch,
        "compiled_against_baselines": {str(hidden): row for hidden, row in against.items()},
        "baselines": {name: f"{baseline.description}, commit {baseline.commit}" for name, baseline in BASELINES.items()},
        "baselines_not_available": baselines_missing,
    }
