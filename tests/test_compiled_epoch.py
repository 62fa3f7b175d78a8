"""The compiled epoch, network/compiled_epoch.c: its own exp against 50-digit arithmetic; the same bits
whatever the BLAS kernel; NumPy's Network within a stated tolerance of it, and bit for bit where
NumPy's BLAS happens to sum in its order; and every way a build can fail to be trusted ending in
NumPy with one note: no compiler, a truncated library, a compiler that changes the arithmetic."""

import json
import os
import stat
import subprocess
import sys
import warnings
from decimal import Decimal, getcontext
from pathlib import Path

import numpy as np
import pytest

from network import compiled_epoch
from network.classifier import numerics
from network.network import Network
from network.compiled_epoch import CompiledEpochs

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NOTE_END = "; training in NumPy (slower, and its numbers depend on the BLAS)"


def one_hot(labels, n=10):
    return np.eye(n)[labels]


@pytest.fixture
def library():
    """The loaded compiled epoch; the test is skipped where it cannot be had (no C compiler)."""
    if compiled_epoch._load() is None:
        pytest.skip(f"the compiled epoch is not available here: {compiled_epoch.why_not()}")
    return compiled_epoch._load()


def sparse_inputs(n, features, seed):
    """n images of `features` pixels in [0, 1), about 80% of them zero, as in MNIST."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random((n, features)) < 0.8, 0.0, rng.random((n, features)))


# ---------------------------------------------------------------------------------------------- exp

def ulps_off(value, x):
    """How far `value` is from e^x, in units in the last place of the double nearest e^x, computed
    with 50 significant digits."""
    getcontext().prec = 50
    exact = Decimal(float(x)).exp()
    return float(abs(Decimal(float(value)) - exact) / Decimal(float(np.spacing(float(exact)))))


def compiled_exp(library, x):
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(x)
    library.exp_array(x.ctypes.data, out.ctypes.data, len(x))
    return out


def test_its_exp_is_within_one_ulp_over_the_sigmoids_whole_range(library):
    # The sigmoid meets e^-z for any z: dense near 0, where the network's inputs are, and out to
    # both ends of the doubles' range (subnormal results included).
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-40, 40, 4000), rng.uniform(-745, 709.7, 2000), rng.normal(0, 1e-3, 500),
                        rng.uniform(-745.13, -708, 500), [0.0, -0.0, 1.0, -1.0, 0.5 * np.log(2), 709.78]])
    ours = compiled_exp(library, x)
    errors = np.array([ulps_off(v, t) for v, t in zip(ours, x)])
    # The bound network/compiled_epoch.c's header states: under 1 ulp (0.79 at most measured here), so
    # the double nearest e^x or its neighbour; the nearest on most inputs (94% measured here).
    assert errors.max() < 1.0, f"{errors.max():.3f} ulp at x = {x[errors.argmax()]!r}"
    assert np.mean(errors < 0.5) > 0.9


def test_its_exp_saturates_and_keeps_nan(library):
    x = np.array([709.79, 1000.0, np.inf, -745.14, -1000.0, -np.inf, np.nan, 0.0])
    out = compiled_exp(library, x)
    assert list(out[:3]) == [np.inf] * 3 and list(out[3:6]) == [0.0] * 3 and np.isnan(out[6]) and out[7] == 1.0


def compiled_sigmoid(library, z, vectorised):
    z = np.ascontiguousarray(z, dtype=np.float64)
    out = np.empty_like(z)
    library.sigmoid_array(z.ctypes.data, out.ctypes.data, len(z), vectorised)
    return out


def test_its_vector_sigmoid_gives_the_scalar_sigmoids_bits_over_millions_of_inputs(library):
    # The network's activations are vector_sigmoid's, several at a time; its definition is the scalar
    # sigmoid. Inputs where the network lives, out to where exp leaves its common path (|z| near 708)
    # and saturates, the specials, and vectors that mix both paths (shuffled).
    rng = np.random.default_rng(1)
    ends = np.concatenate([np.nextafter(edge, [-np.inf, np.inf]) for edge in (708.0, -708.5, 709.78, -745.13, 37.5)])
    z = np.concatenate([rng.normal(0, 4, 2_000_000), rng.uniform(-40, 40, 500_000), rng.uniform(-760, 760, 200_000),
                        rng.normal(0, 1e-6, 100_000), rng.uniform(-709, -707, 100_000), rng.uniform(707, 709, 100_000),
                        ends, [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e308, -1e308]])
    z = rng.permutation(np.concatenate([z, np.sort(z)]))  # and runs of neighbours, each lane alike
    vector, scalar = compiled_sigmoid(library, z, 1), compiled_sigmoid(library, z, 0)
    assert vector.view(np.uint64).tolist() == scalar.view(np.uint64).tolist()
    assert np.isnan(scalar[np.isnan(z)]).all() and ((0 <= scalar[~np.isnan(z)]) & (scalar[~np.isnan(z)] <= 1)).all()


# ------------------------------------------------------------------------------ the same everywhere

ODD_SHAPES = [([13, 7, 5], 1), ([40, 25, 11], 3), ([300, 9, 7, 5], 7), ([600, 31, 10], 10), ([20, 3, 2], 257)]


def digest_of_training(sizes, mini_batch_size, epochs=2):
    """SHA-256 of a network trained by `Network.SGD` (compiled), on inputs made from a seed."""
    import hashlib

    X = sparse_inputs(300, sizes[0], seed=sum(sizes))
    Y = one_hot(np.arange(300) % sizes[-1], sizes[-1])
    network = Network(sizes, random_state=1)
    network.SGD((X, Y), epochs, mini_batch_size, 3.0)
    outputs = network.feedforward(sparse_inputs(50, sizes[0], seed=7).T)  # predictions are computed in C too
    return hashlib.sha256(b"".join(a.tobytes() for a in network.weights + network.biases + [outputs])).hexdigest()


def digests_in_a_process(environment):
    """digest_of_training for every ODD_SHAPES, computed in a child process with `environment` added."""
    code = ("import json, sys; sys.path.insert(0, 'tests'); from test_compiled_epoch import ODD_SHAPES, "
            "digest_of_training as d; from network.classifier import numerics; "
            "from reports.runner.experiments import BY_NAME; from reports.runner.identity import run_path; "
            "print(json.dumps([numerics(), run_path('results', BY_NAME['network'], 0).name, "
            "[d(s, m) for s, m in ODD_SHAPES]]))")
    env = {key: value for key, value in os.environ.items() if key != "OPENBLAS_CORETYPE"}
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env={**env, **environment},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_odd_shapes_a_mini_batch_of_1_and_a_run_files_name_are_the_same_under_another_blas_kernel(library):
    # OpenBLAS's kernel is chosen for the CPU (OPENBLAS_CORETYPE overrides it): set only in the children.
    own_kernel = digests_in_a_process({})
    sandybridge = digests_in_a_process({"OPENBLAS_CORETYPE": "Sandybridge"})
    assert own_kernel == sandybridge
    assert own_kernel[0] == {"arithmetic": "portable C: network/compiled_epoch.c", "libraries": {"numpy": np.__version__}}


def test_a_network_of_any_shape_trains_compiled(library, monkeypatch):
    calls = []
    train = CompiledEpochs.train
    monkeypatch.setattr(CompiledEpochs, "train", lambda self, *args: calls.append(train(self, *args)) or calls[-1])
    for sizes, mini_batch_size in ODD_SHAPES:
        X, Y = sparse_inputs(50, sizes[0], seed=0), one_hot(np.arange(50) % sizes[-1], sizes[-1])
        Network(sizes, random_state=0).SGD((X, Y), 1, mini_batch_size, 3.0)
    assert calls == [True] * len(ODD_SHAPES)


def trained_from_streams(library, X, Y, narrow):
    """The network [n, 17, 10] after two epochs (mini-batches of 10, then 7) from the sparse rows of X,
    handed over narrow (where exact) or wide; and the dtypes the stream went as."""
    epochs, network = CompiledEpochs(library, X, Y, narrow=narrow), Network([X.shape[1], 17, 10], random_state=0)
    for mini_batch_size in (10, 7):
        assert epochs.train(network, network.rng.permutation(len(X)), mini_batch_size, 3.0)
    return network.weights + network.biases, (epochs.x_position.dtype, epochs.x_value.dtype)


@pytest.mark.parametrize("scale, value_type", [(256, np.uint8), (2048, np.float32), (None, np.float64)])
def test_every_input_stream_gives_the_wide_ones_bits(library, scale, value_type):
    """Pixels that are multiples of 1/256 below 1 (MNIST's) go to the C epoch as their uint8 numerators,
    other floats as float32, the rest as float64, positions as uint16: the arithmetic is float64
    whatever the type, so every stream trains to the very same weights as the widest."""
    X = sparse_inputs(97, 300, seed=3)
    X = np.floor(X * scale) / scale if scale else X
    Y = one_hot(np.arange(97) % 10)
    narrow, narrow_types = trained_from_streams(library, X, Y, narrow=True)
    wide, wide_types = trained_from_streams(library, X, Y, narrow=False)
    assert narrow_types == (np.uint16, value_type) and wide_types == (np.int32, np.float64)
    assert all(np.array_equal(a, b) for a, b in zip(narrow, wide))


def test_a_stream_never_rounds_an_input():
    """Values a narrow type cannot hold go wider: 1.0 (numerator 256), negatives, and past 65,536 inputs
    the positions."""
    for X, value_type in [(np.array([[0.5, 1.0]]), np.float32), (np.array([[-0.5, 0.25]]), np.float32),
                          (np.array([[0.5, 1 / 3]]), np.float64), (np.array([[3 / 256, 255 / 256]]), np.uint8),
                          (np.array([[0.5, 1e307]]), np.float64), (np.array([[np.nan, 0.5]]), np.float64)]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an overflow or a NaN on the way is no warning for the user
            start, position, value = compiled_epoch._sparse_rows(X)
        assert value.dtype == value_type
        decoded = value / 256 if value_type == np.uint8 else value
        assert np.array_equal(decoded, X[X != 0], equal_nan=True)
    wide_positions = compiled_epoch._sparse_rows(np.pad(np.eye(3), ((0, 0), (65_536, 0))))[1]
    assert (wide_positions.dtype, wide_positions.max()) == (np.int32, 65_536 + 2)


# ------------------------------------------------------------------------ held to NumPy's Network

def train_both_ways(sizes, X, Y, epochs, mini_batch_size, eta, seed=0):
    """The network trained by NumPy's equations (network/network.py) and compiled, from the same seed."""
    by_numpy, compiled = Network(sizes, random_state=seed), Network(sizes, random_state=seed)
    with compiled_epoch.disabled():
        by_numpy.SGD((X, Y), epochs, mini_batch_size, eta)
    compiled.SGD((X, Y), epochs, mini_batch_size, eta)
    return by_numpy, compiled


# Rounding differences grow as training goes (DESIGN.md: after an epoch two orders give different
# networks), so the tolerance is stated for a few dozen steps: every weight within 1e-9 relative, or
# 1e-12 absolute, of NumPy's.
TOLERANCE = {"rtol": 1e-9, "atol": 1e-12}


@pytest.mark.parametrize("sizes, mini_batch_size", [([64, 30, 10], 10), ([64, 17, 9, 10], 1), ([64, 31, 11], 7)])
def test_numpy_and_the_compiled_epoch_agree_within_the_tolerance_over_dozens_of_steps(
        library, digits_mnist, sizes, mini_batch_size):
    n = 30 * mini_batch_size
    X, Y = digits_mnist.train.images[:n], one_hot(digits_mnist.train.labels[:n], sizes[-1])
    by_numpy, compiled = train_both_ways(sizes, X, Y, 1, mini_batch_size, 3.0)
    for p, q in zip(by_numpy.weights + by_numpy.biases, compiled.weights + compiled.biases):
        np.testing.assert_allclose(q, p, **TOLERANCE)


def test_its_feedforward_agrees_with_numpys_within_the_tolerance_and_predicts_the_same(library, digits_mnist):
    network = Network([64, 31, 11, 10], random_state=2)
    X = digits_mnist.test.images.astype(np.float64)
    compiled = network.feedforward(X.T)
    with compiled_epoch.disabled():
        by_numpy = network.feedforward(X.T)
    assert compiled.shape == by_numpy.shape == (10, len(X))
    np.testing.assert_allclose(compiled, by_numpy, **TOLERANCE)
    assert np.array_equal(np.argmax(compiled, axis=0), np.argmax(by_numpy, axis=0))


LIBM_EXP_BUILD = r"""
import ctypes, json, subprocess, sys, tempfile
sys.path.insert(0, "tests")
import numpy as np
from network import compiled_epoch
from network.network import Network
from network.compiled_epoch import CompiledEpochs
from threadpoolctl import threadpool_info
from test_compiled_epoch import sparse_inputs, one_hot
kernel = [i.get("architecture") for i in threadpool_info() if i["user_api"] == "blas"]
source = compiled_epoch.SOURCE.read_text()
# libm's exp in the sigmoid, and every vector of sigmoids sent down the scalar one.
for own, libms in [("1.0 / (1.0 + portable_exp(-z))", "1.0 / (1.0 + exp(-z))"), ("if (!all_inside)", "if (1)")]:
    assert source.count(own) == 1, own
    source = source.replace(own, libms)
directory = tempfile.mkdtemp()
open(directory + "/libm.c", "w").write(source)
subprocess.run(["cc", *compiled_epoch.FLAGS, directory + "/libm.c", "-o", directory + "/libm.so", "-lm"], check=True)
library = compiled_epoch._open(directory + "/libm.so")
same = []
for sizes, m in [([784, 30, 10], 10), ([784, 100, 10], 10), ([600, 30, 10], 300), ([40, 26, 14, 6, 10], 9)]:
    X, Y = sparse_inputs(650, sizes[0], seed=1), one_hot(np.arange(650) % sizes[-1], sizes[-1])
    by_numpy, compiled = Network(sizes, random_state=0), Network(sizes, random_state=0)
    with compiled_epoch.disabled():
        by_numpy.SGD((X, Y), 1, m, 3.0)
    order = Network(sizes, random_state=0).rng.permutation(len(X))
    CompiledEpochs(library, X, Y).train(compiled, order, m, 3.0)
    same.append(all(np.array_equal(p, q) for p, q in zip(by_numpy.weights + by_numpy.biases,
                                                         compiled.weights + compiled.biases)))
print(json.dumps({"kernel": kernel, "same": same}))
"""


def test_with_libms_exp_it_gives_numpys_bits_on_openblas_haswell(library):
    # The summation order is OpenBLAS Haswell's (and NumPy's pairwise sum): with libm's exp in place of
    # its own, a whole epoch gives NumPy's very bits there, even shapes with mini-batches of 2 or more.
    done = subprocess.run([sys.executable, "-c", LIBM_EXP_BUILD], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          env={**os.environ, "OPENBLAS_CORETYPE": "Haswell"}, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    if "Haswell" not in result["kernel"] or not Path("/proc/cpuinfo").exists() or " fma " not in Path(
            "/proc/cpuinfo").read_text():
        pytest.skip(f"NumPy's BLAS here is not OpenBLAS's Haswell kernel ({result['kernel']})")
    assert result["same"] == [True, True, True, True]


def test_weights_that_leave_the_finite_numbers_are_trained_in_numpy_instead(digits_mnist, library):
    # One infinite weight: NumPy multiplies it by the zero pixels (inf * 0 is NaN), where skipping the
    # zeros would not, so an epoch that ends with a weight or bias that is not finite is trained again
    # in NumPy.
    X, Y = digits_mnist.train.images[:200], one_hot(digits_mnist.train.labels[:200])
    by_numpy, compiled = Network([64, 30, 10], random_state=0), Network([64, 30, 10], random_state=0)
    for net in (by_numpy, compiled):
        net.weights[0][0, 0] = np.inf
    with np.errstate(all="ignore"):
        with compiled_epoch.disabled():
            by_numpy.SGD((X, Y), 2, 10, 3.0)
        compiled.SGD((X, Y), 2, 10, 3.0)
    assert np.isnan(by_numpy.weights[0]).any()
    for p, q in zip(by_numpy.weights + by_numpy.biases, compiled.weights + compiled.biases):
        assert np.array_equal(p, q, equal_nan=True)


# ------------------------------------------------------------------- a build is trusted once proved

@pytest.fixture
def fresh_build(monkeypatch, tmp_path):
    """A build directory of its own and the library not yet loaded."""
    monkeypatch.setattr(compiled_epoch, "BUILD_DIR", tmp_path / "__compiled__")
    monkeypatch.setattr(compiled_epoch, "_state", {**compiled_epoch._state, "library": None, "why_not": None,
                                                   "loaded": False})
    return tmp_path / "__compiled__"


def needs_a_compiler():
    if compiled_epoch.shutil.which(compiled_epoch._compiler()[0]) is None:
        pytest.skip("no C compiler here")


@pytest.mark.parametrize("cc, why", [("no-such-compiler", "no C compiler ('no-such-compiler' not found)"),
                                     ("false", "false could not build compiled_epoch.c: no message")])
def test_without_a_compiler_numpy_trains_says_so_once_and_the_identity_says_numpy(
        fresh_build, monkeypatch, capsys, digits_mnist, cc, why):
    monkeypatch.setenv("CC", cc)
    X, Y = digits_mnist.train.images[:100], one_hot(digits_mnist.train.labels[:100])
    for _ in range(2):
        Network([64, 10, 10], random_state=0).SGD((X, Y), 1, 10, 3.0)
    assert compiled_epoch.for_training(X, Y) is None
    assert capsys.readouterr().err.splitlines() == [f"note: the compiled epoch is not available ({why}){NOTE_END}"]
    arithmetic = numerics()
    assert arithmetic["arithmetic"] == "NumPy" and arithmetic["blas"] and arithmetic["numpy_simd"]


def test_a_cc_with_an_unclosed_quote_means_numpy_with_one_note(fresh_build, monkeypatch, capsys):
    monkeypatch.setenv("CC", 'gcc "-O2')
    assert compiled_epoch.for_training(np.zeros((1, 1)), np.zeros((1, 1))) is None
    assert capsys.readouterr().err.splitlines() == [
        "note: the compiled epoch is not available ($CC='gcc \"-O2' cannot be read as a command: No closing "
        f"quotation){NOTE_END}"]


def wrapper(tmp_path, name, script):
    """An executable shell script standing in for the C compiler."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


@pytest.mark.parametrize("extra, why", [
    ("-ffast-math", "loading it switched subnormal numbers off (was it built with -ffast-math?)"),
    # Products and sums fused wherever the CPU can: other roundings than the source's.
    ("-ffp-contract=fast", "it fails the self-test"),
])
def test_a_compiler_that_changes_the_arithmetic_is_refused_with_one_note(fresh_build, monkeypatch, capsys, tmp_path,
                                                                         extra, why):
    needs_a_compiler()
    compiler = " ".join(compiled_epoch._compiler())
    monkeypatch.setenv("CC", wrapper(tmp_path, "cc-wrapper", f'exec {compiler} "$@" {extra}'))
    assert compiled_epoch.for_training(np.zeros((1, 1)), np.zeros((1, 1))) is None
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("note: the compiled epoch is not available (") and why in line and line.endswith(NOTE_END)
    tiny = sys.float_info.min
    assert tiny / 2 > 0 and (tiny / 2) * 2 == tiny  # this process still has its subnormals
    assert not list(fresh_build.glob("*.so"))  # nothing unproved was put in place


def test_a_truncated_library_is_never_loaded(fresh_build, monkeypatch, capsys):
    needs_a_compiler()
    path = compiled_epoch._build()
    path.write_bytes(path.read_bytes()[:4096])  # as a full disk or a killed copy would leave it
    assert compiled_epoch.for_training(np.zeros((1, 1)), np.zeros((1, 1))) is None
    (line,) = capsys.readouterr().err.splitlines()
    assert f"{path.name} is not the file that was built (its SHA-256 differs)" in line


def test_a_compiler_that_never_answers_is_given_up_on(fresh_build, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(compiled_epoch, "BUILD_TIMEOUT", 1)
    monkeypatch.setenv("CC", wrapper(tmp_path, "waits", "read answer; exec sleep 30"))  # stdin is closed: read fails
    assert compiled_epoch.for_training(np.zeros((1, 1)), np.zeros((1, 1))) is None
    (line,) = capsys.readouterr().err.splitlines()
    assert "gave no answer within 1 s" in line


def test_a_build_directory_that_cannot_be_made_means_numpy(monkeypatch, fresh_build, tmp_path, capsys):
    needs_a_compiler()
    (tmp_path / "a file").write_text("")
    monkeypatch.setattr(compiled_epoch, "BUILD_DIR", tmp_path / "a file" / "__compiled__")
    assert compiled_epoch.for_training(np.zeros((1, 1)), np.zeros((1, 1))) is None
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("note: the compiled epoch is not available ([Errno 20] Not a directory: ")


def test_an_edited_source_is_built_anew_never_run_from_a_stale_build(fresh_build, monkeypatch, tmp_path):
    needs_a_compiler()
    first = compiled_epoch._build()
    edited = tmp_path / "compiled_epoch.c"
    edited.write_text(compiled_epoch.SOURCE.read_text() + "\n/* an edit */\n")
    monkeypatch.setattr(compiled_epoch, "SOURCE", edited)
    second = compiled_epoch._build()
    assert first != second and first.exists() and second.exists()
    assert compiled_epoch._build() == second  # built once, then found
    names = sorted(p.name for p in fresh_build.iterdir())  # each with its checksum, and no temporaries
    assert names == sorted([first.name, f"{first.name}.sha256", second.name, f"{second.name}.sha256"])
