"""The compiled epoch: network/compiled_epoch.c built and loaded, and used only where it gives NumPy's bits.

`Network.SGD` (and the lockstep stack) train an epoch here where they can, and in NumPy otherwise;
the numbers are the same either way, which is what makes it safe to use by default. The C file
reproduces the NumPy step's arithmetic as OpenBLAS's Haswell kernel rounds it (see its header), so it
is used only
- where NumPy's BLAS is OpenBLAS with that kernel (threadpoolctl says which) and the CPU has AVX2 and
  FMA: not with BLAS_KERNEL=Sandybridge, another BLAS, or an AVX-512 machine's kernel;
- for layers of even sizes after the input and mini-batches of 2 or more (`_modelled`): the shapes
  whose rounding it was measured to reproduce;
- once one step, taken both ways from the same weights on the caller's own data, agreed bit for bit
  (checked once per network shape and mini-batch size in a process);
- for an epoch after which every weight and bias is finite: where one is not, skipping zero inputs
  would no longer be exact, so the C code writes nothing back and the epoch is trained in NumPy.
Elsewhere NumPy trains, with a one-line note saying why.

The library is built on first use with the C compiler ($CC, else cc or gcc) into network/__compiled__/,
named by the SHA-256 of the C source, compiler and flags, so an edited source is never run from a stale
build; it is written to a temporary file and renamed, so concurrent jobs never load half a file.
"""

import ctypes
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
from contextlib import contextmanager
from copy import deepcopy
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

SOURCE = Path(__file__).with_suffix(".c")
BUILD_DIR = Path(__file__).with_name("__compiled__")
# -ffp-contract=off: no multiply-add fused unless the source says fma(); AVX2 and FMA are what
# OpenBLAS's Haswell/Zen kernel computes with.
FLAGS = ("-O3", "-mavx2", "-mfma", "-ffp-contract=off", "-fPIC", "-shared")

MODELLED_BLAS = ("openblas", "Haswell")  # the BLAS and kernel whose rounding the C file reproduces
_state = {"library": None, "why_not": None, "loaded": False, "enabled": True}
_agreement = {}  # (sizes, mini-batch size) -> whether the compiled step gives NumPy's bits


def _note(message):
    print(f"note: {message}; training in NumPy (the same numbers, slower)", file=sys.stderr, flush=True)


def _compiler():
    """The compiler's command as a list: $CC (which may hold words, as in "ccache gcc"), else the first of
    cc and gcc on the PATH. Raises OSError for a $CC the shell could not split (an unclosed quote)."""
    try:
        words = shlex.split(os.environ.get("CC", ""))
    except ValueError as error:
        raise OSError(f"$CC={os.environ['CC']!r} cannot be read as a command: {error}") from None
    return words or [next((name for name in ("cc", "gcc") if shutil.which(name)), "cc")]


def _build():
    """Path of the built library (building it if needed), or raise OSError naming the problem."""
    compiler = _compiler()
    if shutil.which(compiler[0]) is None:
        raise OSError(f"no C compiler ({compiler[0]!r} not found)")
    fingerprint = hashlib.sha256(SOURCE.read_bytes() + " ".join((*compiler, *FLAGS)).encode()).hexdigest()[:16]
    library = BUILD_DIR / f"compiled_epoch.{fingerprint}.so"
    if library.exists():
        return library
    BUILD_DIR.mkdir(exist_ok=True)
    temporary = BUILD_DIR / f".compiled_epoch.{fingerprint}.{os.getpid()}.tmp.so"
    try:
        done = subprocess.run([*compiler, *FLAGS, str(SOURCE), "-o", str(temporary), "-lm"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            first = (done.stderr.strip().splitlines() or ["no message"])[0]
            raise OSError(f"{' '.join(compiler)} could not build {SOURCE.name}: {first}")
        os.replace(temporary, library)
    finally:
        temporary.unlink(missing_ok=True)
    return library


def _load():
    """The loaded library, or None (with the reason in _state["why_not"], noted once)."""
    if not _state["loaded"]:
        _state["loaded"] = True
        blas = _numpy_blas()
        if blas != MODELLED_BLAS:
            _state["why_not"] = (f"NumPy's BLAS here is {blas[0] or 'unknown'} with the {blas[1] or 'unknown'} kernel; "
                                 f"the compiled epoch reproduces {MODELLED_BLAS[0]}'s {MODELLED_BLAS[1]} kernel only")
        elif not (_cpu_has("avx2") and _cpu_has("fma")):
            _state["why_not"] = "this CPU lacks AVX2 or FMA, which the compiled epoch is built for"
        else:
            try:
                library = ctypes.CDLL(str(_build()))
            except OSError as error:
                _state["why_not"] = f"the compiled epoch is not available ({error})"
            else:
                pointer, i64, f64 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double
                library.sgd_epoch.argtypes = [i64, pointer, pointer, pointer, pointer, pointer, pointer, pointer,
                                              pointer, i64, i64, f64, f64]
                library.sgd_epoch.restype = ctypes.c_int
                _state["library"] = library
        if _state["why_not"]:
            _note(_state["why_not"])
    return _state["library"]


def why_not():
    """Why the compiled epoch is not available here (a sentence), or None if it is."""
    _load()
    return _state["why_not"]


def _cpu_has(flag):
    """Whether the CPU reports `flag` in /proc/cpuinfo (Linux); False where that cannot be read."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return flag in line.split(":", 1)[1].split()
    except OSError:
        pass
    return False


def _modelled(sizes, m):
    """Whether the C file models OpenBLAS's rounding for these layer sizes and mini-batches of m (noted
    once where it does not). Measured on OpenBLAS's Haswell kernel: a product whose result has an odd
    number of rows takes another path in the kernel, and a mini-batch of 1 makes NumPy call a
    matrix-vector routine, both summed in another order; the shapes allowed here give NumPy's bits
    (tests/test_compiled_epoch.py holds a grid of them, every blocking rule included, to it)."""
    modelled = m >= 2 and all(size % 2 == 0 for size in sizes[1:])
    if not modelled and (tuple(sizes), m) not in _agreement:
        _agreement[(tuple(sizes), m)] = False
        _note(f"the compiled epoch covers layers of even sizes (after the input) and mini-batches of 2 or more, "
              f"not sizes {list(sizes)} with mini-batches of {m}")
    return modelled


def _numpy_blas():
    """(library, kernel) of the BLAS that NumPy's products run on, as threadpoolctl reports it."""
    np.ones((2, 2)) @ np.ones((2, 2))  # NumPy's BLAS is loaded by now
    numpy_dir = Path(np.__file__).resolve().parent
    for info in threadpool_info():
        if info.get("user_api") == "blas" and Path(info["filepath"]).resolve().parent.name in (
                f"{numpy_dir.name}.libs", numpy_dir.name):
            return info.get("internal_api"), info.get("architecture")
    return None, None


@contextmanager
def disabled():
    """Train in NumPy inside this block (the benchmarks compare the two)."""
    before = _state["enabled"]
    _state["enabled"] = False
    try:
        yield
    finally:
        _state["enabled"] = before


def for_training(X, Y):
    """The compiled epoch for training on X (one example per row) and Y (targets, one row each), or
    None where NumPy must train: compiled epochs disabled, not available here, or arrays that are not
    C-contiguous float64."""
    if not _state["enabled"] or not all(a.dtype == np.float64 and a.flags.c_contiguous for a in (X, Y)):
        return None
    library = _load()
    return None if library is None else CompiledEpochs(library, X, Y)


class CompiledEpochs:
    """Epochs of `Network.SGD` on one training set, compiled. The inputs are handed over as sparse rows
    (the nonzero pixels of each image, made once), which is how the C code skips the zeros."""

    def __init__(self, library, X, Y):
        self.library, self.X, self.Y = library, X, Y
        nonzero = X != 0
        self.x_start = np.zeros(len(X) + 1, dtype=np.int64)
        np.cumsum(np.count_nonzero(nonzero, axis=1), out=self.x_start[1:])
        flat = np.flatnonzero(nonzero)  # row by row, positions ascending within a row
        self.x_position = (flat % X.shape[1]).astype(np.int32)
        self.x_value = X.reshape(-1)[flat]

    def train(self, network, order, mini_batch_size, eta):
        """Train `network` for one epoch, the mini-batches taken in `order`, as the NumPy loop of
        `Network.SGD` would, bit for bit. Returns False, having changed nothing, wherever that cannot
        be promised: then the caller trains the epoch in NumPy."""
        order = np.ascontiguousarray(order, dtype=np.int64)
        arrays = [*network.weights, *network.biases]
        if not _state["enabled"] or len(order) == 0 or not all(
                a.dtype == np.float64 and a.flags.c_contiguous for a in arrays):
            return False
        n = len(order)
        batch_sizes = sorted({min(mini_batch_size, n), n % mini_batch_size or mini_batch_size})
        if not all(_modelled(network.sizes, m) and self._agrees(network, order, m, eta) for m in batch_sizes):
            return False
        status = self._run(network, order, mini_batch_size, eta)
        if status == 2:
            raise MemoryError("not enough memory for the compiled epoch's buffers")
        return status == 0

    def _run(self, network, order, mini_batch_size, eta):
        """Call the C epoch on `network`'s own arrays; its status (0 done, 1 not finite, 2 no memory)."""
        n = len(order)
        last = n % mini_batch_size or mini_batch_size
        sizes = np.array(network.sizes, dtype=np.int64)
        weights = (ctypes.c_void_p * len(network.weights))(*[w.ctypes.data for w in network.weights])
        biases = (ctypes.c_void_p * len(network.biases))(*[b.ctypes.data for b in network.biases])
        # The steps exactly as update_mini_batch computes them: eta / m, for a full and the last mini-batch.
        return self.library.sgd_epoch(len(network.sizes), sizes.ctypes.data, weights, biases,
                                      self.x_start.ctypes.data, self.x_position.ctypes.data,
                                      self.x_value.ctypes.data, self.Y.ctypes.data, order.ctypes.data, n,
                                      mini_batch_size, float(eta / mini_batch_size), float(eta / last))

    def _agrees(self, network, order, m, eta):
        """Whether one compiled step gives, bit for bit, the weights and biases of one NumPy step, both
        from `network`'s present weights on the mini-batch of the first m examples of `order`."""
        key = (tuple(network.sizes), m)
        if key not in _agreement:
            batch = order[:m]
            by_numpy, compiled = deepcopy(network), deepcopy(network)
            for net in (by_numpy, compiled):
                net.weights = [np.ascontiguousarray(w) for w in net.weights]
                net.biases = [np.ascontiguousarray(b) for b in net.biases]
            with threadpool_limits(limits=1, user_api="blas"):
                # Rows gathered, handed on as columns by a transposed view: the layout of the training loop.
                by_numpy.update_mini_batch(self.X[batch].T, self.Y[batch].T, eta)
            status = self._run(compiled, batch, m, eta)
            _agreement[key] = status == 0 and all(
                np.array_equal(p, q) for p, q in zip(by_numpy.weights + by_numpy.biases,
                                                     compiled.weights + compiled.biases))
            if not _agreement[key]:
                _note(f"the compiled epoch does not reproduce this machine's NumPy step for sizes {network.sizes} "
                      f"and mini-batches of {m}")
        return _agreement[key]
