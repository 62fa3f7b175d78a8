"""The compiled epoch: network/compiled_epoch.c, the network's arithmetic, built, proved and loaded.

`Network.SGD` trains every epoch here wherever a C compiler works, whatever the BLAS, the CPU or the
network's shape, and `Network.feedforward` computes predictions here too: the C file defines the
order and rounding of every operation, so its numbers are the same on every machine (its header
says how). Where no library can be had, NumPy trains the
book's equations instead, with one note saying why; those numbers depend on the BLAS and are not the
canonical ones (`network.classifier.numerics()` tells a run which it got).

The library is built on first use with the C compiler ($CC, else cc or gcc) into network/__compiled__/,
named by the SHA-256 of the C source, compiler and flags, so an edited source is never run from a
stale build. A build is trusted only once it has proved itself:
- it is compiled within BUILD_TIMEOUT seconds, stdin closed (a compiler that waits for input fails);
- it is first loaded in a separate process, which checks that loading it left the floating-point
  mode alone (a -ffast-math build can switch subnormals off for the whole process) and that it passes
  the known-answer self-test below; only then is it renamed into place, with its SHA-256 beside it;
- in each process, the file must still have that SHA-256 before it is loaded (a truncated file is
  never loaded), and after loading, subnormals must still work and the self-test must pass again.
The self-test trains a tiny network, made in code from integers, for a few epochs with odd sizes, a
mini-batch of 1 and inputs summed in two blocks, and compares the SHA-256 of its weights with
SELF_TEST_SHA256, the digest every correct build gives: a compiler that miscompiles the file is
refused with one note. After a deliberate change of the arithmetic, `make self-test-digest` (this
file run as `python network/compiled_epoch.py digest`) prints the digest of this machine's build, to
be written into SELF_TEST_SHA256; `make crosscheck` then shows that every build gives it.
"""

import contextlib
import ctypes
import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np

SOURCE = Path(__file__).with_suffix(".c")
BUILD_DIR = Path(__file__).with_name("__compiled__")
# -ffp-contract=off: nothing fused but the source's fma() calls. -fno-fast-math and no -Ofast: the
# compiler keeps every sum in the source's order and never touches the floating-point mode.
FLAGS = ("-O3", "-ffp-contract=off", "-fno-fast-math", "-fPIC", "-shared")
# Tuned for this CPU where the compiler can: the same bits (tests/test_crossbuild.py checks it).
NATIVE = ("-march=native",)
BUILD_TIMEOUT = 120  # seconds
SELF_TEST_SHA256 = "8f9ed2bcf98caef9325ae39f6456554a5f3c6ee1b7d496dcea7d3681ca474a14"

_state = {"library": None, "why_not": None, "loaded": False, "enabled": True}


def _note(message):
    print(f"note: {message}; training in NumPy (slower, and its numbers depend on the BLAS)",
          file=sys.stderr, flush=True)


def _compiler():
    """The compiler's command as a list: $CC (which may hold words, as in "ccache gcc"), else the first of
    cc and gcc on the PATH. Raises OSError for a $CC the shell could not split (an unclosed quote)."""
    try:
        words = shlex.split(os.environ.get("CC", ""))
    except ValueError as error:
        raise OSError(f"$CC={os.environ['CC']!r} cannot be read as a command: {error}") from None
    return words or [next((name for name in ("cc", "gcc") if shutil.which(name)), "cc")]


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _compile(compiler, flags, output):
    """Compile SOURCE into `output`; the compiler's first line of complaint (or None if it built).

    The compiler runs in a process group of its own, which is killed whole (the driver and the cc1
    and as it started) when it times out or this process is interrupted: none is left behind."""
    build = subprocess.Popen([*compiler, *flags, str(SOURCE), "-o", str(output), "-lm"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, stderr = build.communicate(timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"gave no answer within {BUILD_TIMEOUT} s"
    finally:
        if build.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(build.pid, signal.SIGKILL)
            build.wait()
    if build.returncode != 0:
        return (stderr.strip().splitlines() or ["no message"])[0]
    return None


def _build():
    """Path of the built and proved library (building it if needed), or raise OSError naming the problem."""
    compiler = _compiler()
    if shutil.which(compiler[0]) is None:
        raise OSError(f"no C compiler ({compiler[0]!r} not found)")
    source = SOURCE.read_bytes()
    for flags in ((*FLAGS, *NATIVE), FLAGS):
        fingerprint = hashlib.sha256(source + " ".join((*compiler, *flags)).encode()).hexdigest()[:16]
        library = BUILD_DIR / f"compiled_epoch.{fingerprint}.so"
        if library.exists() and Path(f"{library}.sha256").exists():
            return library
        BUILD_DIR.mkdir(exist_ok=True)
        temporary = BUILD_DIR / f".compiled_epoch.{fingerprint}.{os.getpid()}.tmp.so"
        try:
            problem = _compile(compiler, flags, temporary)
            if problem is None:
                _prove_in_a_separate_process(temporary)
                checksum = BUILD_DIR / f".compiled_epoch.{fingerprint}.{os.getpid()}.tmp.sha256"
                checksum.write_text(_sha256(temporary) + "\n")
                # The checksum first: a library in place always has its checksum beside it.
                os.replace(checksum, f"{library}.sha256")
                os.replace(temporary, library)
                return library
        finally:
            temporary.unlink(missing_ok=True)
        if "march" not in problem:  # else once more, without -march=native, which this compiler refuses
            break
    raise OSError(f"{' '.join(compiler)} could not build {SOURCE.name}: {problem}")


def _prove_in_a_separate_process(library):
    """Load `library` in a child process and run the checks of `_prove` there, so that a build that
    changes the floating-point mode as it loads never changes this process's. Raises OSError."""
    try:
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "prove", str(library)],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise OSError(f"its self-test gave no answer within {BUILD_TIMEOUT} s") from None
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).strip().splitlines()
        raise OSError(lines[-1] if lines else f"its self-test failed (exit status {done.returncode})")


def _open(path):
    """The library at `path` loaded, its functions declared."""
    library = ctypes.CDLL(str(path))
    pointer, i64, f64 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double
    library.sgd_epoch.argtypes = [i64, pointer, pointer, pointer, pointer, pointer, pointer, pointer, pointer,
                                  pointer, pointer, pointer, i64, i64, f64, f64]
    library.sgd_epoch.restype = ctypes.c_int
    library.feedforward_rows.argtypes = [i64, pointer, pointer, pointer, pointer, i64, pointer]
    library.feedforward_rows.restype = ctypes.c_int
    library.exp_array.argtypes = [pointer, pointer, i64]
    library.exp_array.restype = None
    library.sigmoid_array.argtypes = [pointer, pointer, i64, ctypes.c_int]
    library.sigmoid_array.restype = None
    return library


def _subnormals_work():
    """Whether this process still computes with subnormal numbers (no flush-to-zero, no
    denormals-are-zero), as IEEE arithmetic and every result here assume."""
    tiny = sys.float_info.min  # the smallest normal double; the values below are computed at run time
    half = tiny / 2            # a subnormal: 0.0 under flush-to-zero
    return half > 0 and half * 2 == tiny  # and read as 0 under denormals-are-zero


def _prove(library):
    """Raise OSError unless the loaded `library` left subnormals working and passes the self-test."""
    if not _subnormals_work():
        raise OSError("loading it switched subnormal numbers off (was it built with -ffast-math?)")
    digest = self_test_digest(library)
    if digest != SELF_TEST_SHA256:
        raise OSError(f"it fails the self-test (weights digest {digest}, expected SELF_TEST_SHA256 {SELF_TEST_SHA256}): "
                      "the compiler or its flags change the arithmetic; after a deliberate change of "
                      f"{SOURCE.name}, `make self-test-digest` prints the digest to write into SELF_TEST_SHA256")


def _load():
    """The loaded library, or None (with the reason in _state["why_not"], noted once)."""
    if not _state["loaded"]:
        _state["loaded"] = True
        try:
            path = _build()
            recorded = Path(f"{path}.sha256").read_text().strip()
            if _sha256(path) != recorded:
                raise OSError(f"{path.name} is not the file that was built (its SHA-256 differs); "
                              f"delete {path.parent} to build it again")
            library = _open(path)
            _prove(library)
        except OSError as error:
            _state["why_not"] = f"the compiled epoch is not available ({error})"
            _note(_state["why_not"])
        else:
            _state["library"] = library
    return _state["library"]


def why_not():
    """Why the compiled epoch is not available here (a sentence), or None if it is."""
    _load()
    return _state["why_not"]


@contextmanager
def disabled():
    """Train in NumPy inside this block (the tests and benchmarks compare the two)."""
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


# The types in which the C epoch reads the inputs' positions and values, narrowest first (sgd_epoch
# takes one pointer for each, NULL for the others). A uint8 value k stands for k / 256.
POSITION_TYPES = (np.dtype(np.uint16), np.dtype(np.int32))
VALUE_TYPES = (np.dtype(np.uint8), np.dtype(np.float32), np.dtype(np.float64))


def _sparse_rows(X, narrow=True):
    """X's rows as the C code takes them: (start, position, value) of each row's nonzero entries, in
    the narrowest of POSITION_TYPES and VALUE_TYPES that holds every one exactly: MNIST's pixels, all
    multiples of 1/256 below 1, go as the uint8 numerators and their positions as uint16, a quarter of
    the bytes the epoch reads in random order. The C code computes in float64 whatever the type, so
    every form gives the same bits; `narrow=False` asks for the widest (the test that they agree)."""
    nonzero = X != 0
    start = np.zeros(len(X) + 1, dtype=np.int64)
    np.cumsum(np.count_nonzero(nonzero, axis=1), out=start[1:])
    flat = np.flatnonzero(nonzero)  # row by row, positions ascending within a row
    position, value = flat % X.shape[1], X.reshape(-1)[flat]
    if not narrow:
        return start, position.astype(np.int32), value
    position = position.astype(np.uint16 if X.shape[1] <= np.iinfo(np.uint16).max + 1 else np.int32)
    # In place, as the stream is large (a copy of it would cost more than the check): value * 256 is
    # exact (a power of two) below overflow, and a value that overflows here, or as a float32, fits
    # neither type anyway.
    with np.errstate(over="ignore"):
        numerators = np.multiply(value, 256, out=value)
        if ((1 <= numerators) & (numerators <= 255)).all():
            codes = numerators.astype(np.uint8)
            if np.array_equal(codes, numerators):
                return start, position, codes
        value = X.reshape(-1)[flat]
        as_float32 = value.astype(np.float32)
    return start, position, as_float32 if np.array_equal(as_float32, value) else value


def _pointers(arrays):
    return (ctypes.c_void_p * len(arrays))(*[a.ctypes.data for a in arrays])


def feedforward(network, X):
    """The output activations of `network` for the rows of X, one row each, computed by the C file's
    arithmetic (the same on every machine); None where that cannot be had (no library, compiled
    epochs disabled, weights that are not finite or not C-contiguous float64): then the caller
    computes them in NumPy."""
    arrays = [*network.weights, *network.biases]
    if (not _state["enabled"] or X.ndim != 2 or X.shape[1] != network.sizes[0]
            or not all(a.dtype == np.float64 and a.flags.c_contiguous and np.isfinite(a).all() for a in arrays)):
        return None
    library = _load()
    if library is None:
        return None
    X = np.ascontiguousarray(X, dtype=np.float64)
    if not np.isfinite(X).all():  # skipping zero inputs is exact for finite numbers only
        return None
    out = np.empty((len(X), network.sizes[-1]))
    sizes = np.array(network.sizes, dtype=np.int64)
    if library.feedforward_rows(len(network.sizes), sizes.ctypes.data, _pointers(network.weights),
                                _pointers(network.biases), X.ctypes.data, len(X), out.ctypes.data) != 0:
        raise MemoryError("not enough memory for the compiled feedforward's buffers")
    return out


class CompiledEpochs:
    """Epochs of `Network.SGD` on one training set, compiled. The inputs are handed over as sparse rows
    (the nonzero pixels of each image, made once), which is how the C code skips the zeros."""

    def __init__(self, library, X, Y, narrow=True):
        self.library, self.X, self.Y = library, X, Y
        self.x_start, self.x_position, self.x_value = _sparse_rows(X, narrow)

    def train(self, network, order, mini_batch_size, eta):
        """Train `network` for one epoch, the mini-batches taken in `order`. Returns False, having
        changed nothing, where the epoch ends with a weight or bias that is not finite (skipping zero
        inputs is exact only for finite weights): then the caller trains the epoch in NumPy."""
        order = np.ascontiguousarray(order, dtype=np.int64)
        arrays = [*network.weights, *network.biases]
        if not _state["enabled"] or len(order) == 0 or not all(
                a.dtype == np.float64 and a.flags.c_contiguous for a in arrays):
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
        weights, biases = _pointers(network.weights), _pointers(network.biases)
        # The steps as update_mini_batch computes them: eta / m, for a full and for the last mini-batch.
        positions = [self.x_position.ctypes.data if t == self.x_position.dtype else None for t in POSITION_TYPES]
        values = [self.x_value.ctypes.data if t == self.x_value.dtype else None for t in VALUE_TYPES]
        return self.library.sgd_epoch(len(network.sizes), sizes.ctypes.data, weights, biases, self.x_start.ctypes.data,
                                      *positions, *values, self.Y.ctypes.data, order.ctypes.data, n, mini_batch_size,
                                      float(eta / mini_batch_size), float(eta / last))


# The self-test's network: odd sizes, three layers of weights, 300 inputs (summed in two blocks).
SELF_TEST_SIZES = (300, 9, 7, 5)
SELF_TEST_EPOCHS = ((4, 3.0), (1, 0.5), (5, 30.0))  # (mini-batch size, eta): 13 examples, short last batches


def self_test_fixture():
    """The self-test's data and initial weights, made from integers alone, so that they are the same
    everywhere: (X, Y, weights, biases, orders). Pixels are multiples of 1/256, about 80% zero, as in
    MNIST; weights multiples of 1/64 in [-2, 2)."""
    def numbers(count, salt):  # a multiplicative hash of the index: the same on every machine
        return (np.arange(count, dtype=np.uint64) * np.uint64(2654435761) + np.uint64(salt)) % np.uint64(2**31)

    n, sizes = 13, SELF_TEST_SIZES
    raw = numbers(n * sizes[0], 7).reshape(n, sizes[0])
    X = np.where(raw % 5 == 0, (raw % 256).astype(np.float64) / 256, 0.0)
    Y = np.eye(sizes[-1])[np.arange(n) % sizes[-1]]
    weights = [(numbers(o * i, 11 + l) % 256).astype(np.float64).reshape(o, i) / 64 - 2
               for l, (i, o) in enumerate(zip(sizes[:-1], sizes[1:]))]
    biases = [(numbers(o, 23 + l) % 256).astype(np.float64).reshape(o, 1) / 64 - 2 for l, o in enumerate(sizes[1:])]
    orders = [(np.arange(n, dtype=np.int64) * (5 + 2 * e)) % n for e in range(len(SELF_TEST_EPOCHS))]
    return X, Y, weights, biases, orders


def self_test_digest(library):
    """SHA-256 of the self-test network's weights and biases after its epochs, trained by `library`."""
    from types import SimpleNamespace

    X, Y, weights, biases, orders = self_test_fixture()
    network = SimpleNamespace(sizes=list(SELF_TEST_SIZES), weights=weights, biases=biases)
    epochs = CompiledEpochs(library, X, Y)
    for order, (mini_batch_size, eta) in zip(orders, SELF_TEST_EPOCHS):
        if epochs._run(network, order, mini_batch_size, eta) != 0:
            return "not finite"
    return hashlib.sha256(b"".join(a.astype("<f8").tobytes() for a in weights + biases)).hexdigest()


def print_self_test_digest():
    """`make self-test-digest`: build SOURCE with the portable flags into a temporary directory, and
    print the self-test digest of that build, and whether it is SELF_TEST_SHA256. Exit status 1 when
    it cannot be built, or computes without subnormal numbers (its digest would be no build's)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="self-test-digest-") as directory:
        library = Path(directory) / "compiled_epoch.so"
        problem = _compile(_compiler(), FLAGS, library)
        if problem is not None:
            sys.exit(f"error: {SOURCE.name} could not be built: {problem}")
        loaded = _open(library)
        if not _subnormals_work():
            sys.exit("error: loading the build switched subnormal numbers off; check CC and its flags")
        digest = self_test_digest(loaded)
    print(digest)
    if digest == SELF_TEST_SHA256:
        print(f"the same as SELF_TEST_SHA256 in {Path(__file__).name}: nothing to change", file=sys.stderr)
    else:
        print(f"SELF_TEST_SHA256 in {Path(__file__).name} is {SELF_TEST_SHA256}; if the change of {SOURCE.name} "
              "is deliberate, write the digest above there, then run `make crosscheck` (every build must give it)",
              file=sys.stderr)


if __name__ == "__main__":  # prove LIBRARY: _prove_in_a_separate_process; digest: make self-test-digest
    if sys.argv[1:] == ["digest"]:
        print_self_test_digest()
        sys.exit(0)
    if len(sys.argv) != 3 or sys.argv[1] != "prove":
        sys.exit("usage: python network/compiled_epoch.py prove LIBRARY | digest")
    try:
        _prove(_open(sys.argv[2]))
    except OSError as error:
        print(error)
        sys.exit(1)
