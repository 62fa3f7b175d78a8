"""The compiled epoch held against the trusted reference, NumPy's step: equal bit for bit
(np.array_equal, never a tolerance), on shapes that exercise every rounding rule it reproduces, and
NumPy wherever it cannot promise that: no compiler, a failed check, weights that leave the finite
numbers."""

from copy import deepcopy

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from network import compiled_epoch
from network.network import Network
from network.compiled_epoch import CompiledEpochs


def one_hot(labels, n=10):
    return np.eye(n)[labels]


@pytest.fixture
def compiled_trains(monkeypatch):
    """The results of CompiledEpochs.train in this test (True: an epoch trained compiled); skips the
    test where the compiled epoch is not available (no C compiler, a CPU without AVX2 and FMA)."""
    if compiled_epoch.for_training(np.zeros((1, 1)), np.zeros((1, 1))) is None:
        pytest.skip(f"the compiled epoch is not available here: {compiled_epoch.why_not()}")
    results, train = [], CompiledEpochs.train

    def spy(self, *args, **kwargs):
        results.append(train(self, *args, **kwargs))
        return results[-1]

    monkeypatch.setattr(CompiledEpochs, "train", spy)
    return results


def train_both_ways(sizes, X, Y, epochs, mini_batch_size, eta, seed=0):
    """The network trained in NumPy and (where possible) compiled, from the same seed."""
    by_numpy, compiled = Network(sizes, random_state=seed), Network(sizes, random_state=seed)
    with compiled_epoch.disabled():
        by_numpy.SGD((X, Y), epochs, mini_batch_size, eta)
    compiled.SGD((X, Y), epochs, mini_batch_size, eta)
    return by_numpy, compiled


def assert_same_network(a, b):
    for p, q in zip(a.weights + a.biases, b.weights + b.biases):
        assert p.shape == q.shape and np.array_equal(p, q, equal_nan=True)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state


def sparse_inputs(n, features, seed):
    """n images of `features` pixels in [0, 1), about 80% of them zero, as in MNIST."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random((n, features)) < 0.8, 0.0, rng.random((n, features)))


def test_8x8_digits_in_mini_batches_of_10_and_of_7_with_a_short_last_one(digits_mnist, compiled_trains):
    X, Y = digits_mnist.train.images, one_hot(digits_mnist.train.labels)
    for mini_batch_size in (10, 7):
        assert_same_network(*train_both_ways([64, 30, 10], X, Y, 2, mini_batch_size, 3.0))
    assert compiled_trains == [True] * 4


@pytest.mark.parametrize("sizes, mini_batch_size, why", [
    ([600, 30, 10], 10, "600 inputs: the first product is summed in blocks of 256, 172 and 172"),
    ([40, 300, 10], 10, "300 hidden: the second product is summed in blocks of 152 and 148"),
    ([40, 20, 300], 10, "300 outputs: backpropagation sums over them in two blocks"),
    ([40, 20, 10], 300, "mini-batches of 300: the weight gradient is summed in two blocks"),
    ([40, 26, 14, 6, 10], 9, "three hidden layers, widths that are not multiples of 4, odd mini-batches"),
])
def test_every_blocking_and_layout_rule_gives_numpys_bits(sizes, mini_batch_size, why, compiled_trains):
    X = sparse_inputs(650, sizes[0], seed=len(sizes))
    Y = one_hot(np.arange(650) % sizes[-1], sizes[-1])
    assert_same_network(*train_both_ways(sizes, X, Y, 2, mini_batch_size, 3.0))
    assert compiled_trains == [True, True], why


def one_step_both_ways(network, X, Y, batch, eta=3.0):
    """The network after one NumPy step and after one step of the C epoch on the same mini-batch."""
    by_numpy, compiled = deepcopy(network), deepcopy(network)
    with threadpool_limits(limits=1, user_api="blas"):
        by_numpy.update_mini_batch(np.ascontiguousarray(X[batch].T), np.ascontiguousarray(Y[batch].T), eta)
    assert CompiledEpochs(compiled_epoch._load(), X, Y)._run(compiled, batch, len(batch), eta) == 0
    return by_numpy, compiled


# Every shape the compiled epoch accepts (layers of even sizes after the input, mini-batches of 2 or
# more) on a grid that crosses each of OpenBLAS's blocking rules: 600 and 784 inputs (the first
# product summed in blocks), 258 and 520 hidden, 258 outputs, mini-batches up to 600, odd inputs and
# odd mini-batches. Two steps each, from the raw C epoch, without the guard that would hide a mismatch.
@pytest.mark.parametrize("hidden", [[2], [30], [100], [258], [520], [30, 18], [300, 4]])
@pytest.mark.parametrize("n_in, n_out", [(13, 10), (64, 2), (600, 10), (784, 258)])
def test_a_grid_of_the_shapes_it_accepts_gives_numpys_bits_step_by_step(n_in, hidden, n_out, compiled_trains):
    rng = np.random.default_rng(n_in + sum(hidden) + n_out)
    X = sparse_inputs(600, n_in, seed=n_in)
    Y = one_hot(np.arange(600) % n_out, n_out)
    network = Network([n_in, *hidden, n_out], random_state=1)
    for m in (2, 3, 10, 257, 600):
        for _ in range(2):
            by_numpy, compiled = one_step_both_ways(network, X, Y, rng.permutation(600)[:m])
            assert_same_network(by_numpy, compiled)
            network = by_numpy


@pytest.mark.parametrize("sizes, mini_batch_size", [([40, 25, 10], 10), ([40, 26, 11], 10), ([40, 26, 10], 1)])
def test_shapes_it_does_not_model_are_trained_in_numpy_with_a_note(sizes, mini_batch_size, compiled_trains,
                                                                   monkeypatch, capsys):
    # OpenBLAS sums a product with an odd number of rows, and NumPy a mini-batch of 1, in other orders.
    monkeypatch.setattr(compiled_epoch, "_agreement", {})
    X = sparse_inputs(60, sizes[0], seed=1)
    Y = one_hot(np.arange(60) % sizes[-1], sizes[-1])
    assert_same_network(*train_both_ways(sizes, X, Y, 2, mini_batch_size, 3.0))
    assert compiled_trains == [False, False]
    assert capsys.readouterr().err.splitlines() == [
        f"note: the compiled epoch covers layers of even sizes (after the input) and mini-batches of 2 or more, "
        f"not sizes {sizes} with mini-batches of {mini_batch_size}; training in NumPy (the same numbers, slower)"]


def test_a_diverging_network_saturates_exactly_as_in_numpy(digits_mnist, compiled_trains):
    X, Y = digits_mnist.train.images, one_hot(digits_mnist.train.labels)
    by_numpy, compiled = train_both_ways([64, 30, 10], X, Y, 3, 10, 100.0)
    assert_same_network(by_numpy, compiled)
    assert compiled_trains == [True] * 3


def test_weights_that_leave_the_finite_numbers_are_trained_in_numpy_instead(digits_mnist, compiled_trains):
    # One infinite weight: NumPy multiplies it by the zero pixels (inf * 0 is NaN), where skipping the
    # zeros would not, so every epoch that ends with a weight or bias that is not finite is trained again
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
    assert_same_network(by_numpy, compiled)
    assert compiled_trains == [False, False]


def test_a_step_that_disagrees_with_numpy_is_never_used(digits_mnist, compiled_trains, monkeypatch, capsys):
    # As on another BLAS or kernel: the compiled step rounds one weight differently.
    run = CompiledEpochs._run

    def off_by_one_ulp(self, network, *args):
        status = run(self, network, *args)
        network.weights[0][0, 0] = np.nextafter(network.weights[0][0, 0], np.inf)
        return status

    monkeypatch.setattr(CompiledEpochs, "_run", off_by_one_ulp)
    monkeypatch.setattr(compiled_epoch, "_agreement", {})
    X, Y = digits_mnist.train.images, one_hot(digits_mnist.train.labels)
    assert_same_network(*train_both_ways([64, 30, 10], X, Y, 2, 10, 3.0))
    assert compiled_trains == [False, False]
    assert capsys.readouterr().err.splitlines() == [
        "note: the compiled epoch does not reproduce this machine's NumPy step for sizes [64, 30, 10] and "
        "mini-batches of 10; training in NumPy (the same numbers, slower)"]


@pytest.fixture
def fresh_build(monkeypatch, tmp_path):
    """A build directory of its own and the library not yet loaded."""
    monkeypatch.setattr(compiled_epoch, "BUILD_DIR", tmp_path / "__compiled__")
    monkeypatch.setattr(compiled_epoch, "_state", {**compiled_epoch._state, "library": None, "why_not": None,
                                                   "loaded": False})
    return tmp_path / "__compiled__"


def test_without_a_compiler_numpy_trains_and_says_so_once(fresh_build, monkeypatch, capsys, digits_mnist):
    monkeypatch.setenv("CC", "no-such-compiler")
    X, Y = digits_mnist.train.images[:100], one_hot(digits_mnist.train.labels[:100])
    for _ in range(2):
        Network([64, 10, 10], random_state=0).SGD((X, Y), 1, 10, 3.0)
    assert compiled_epoch.for_training(X, Y) is None
    assert capsys.readouterr().err.splitlines() == [
        "note: the compiled epoch is not available (no C compiler ('no-such-compiler' not found)); "
        "training in NumPy (the same numbers, slower)"]


def test_a_cc_with_an_unclosed_quote_means_numpy_with_one_note(fresh_build, monkeypatch, capsys):
    monkeypatch.setenv("CC", 'gcc "-O2')
    assert compiled_epoch.for_training(np.zeros((1, 1)), np.zeros((1, 1))) is None
    assert capsys.readouterr().err.splitlines() == [
        "note: the compiled epoch is not available ($CC='gcc \"-O2' cannot be read as a command: No closing "
        "quotation); training in NumPy (the same numbers, slower)"]


def test_a_build_directory_that_cannot_be_made_means_numpy(monkeypatch, fresh_build, tmp_path, capsys):
    (tmp_path / "a file").write_text("")
    monkeypatch.setattr(compiled_epoch, "BUILD_DIR", tmp_path / "a file" / "__compiled__")
    if compiled_epoch.shutil.which(compiled_epoch._compiler()[0]) is None:
        pytest.skip("no C compiler here")
    assert compiled_epoch.for_training(np.zeros((1, 1)), np.zeros((1, 1))) is None
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("note: the compiled epoch is not available ([Errno 20] Not a directory: ")
    assert str(tmp_path / "a file" / "__compiled__") in line


def test_an_edited_source_is_built_anew_never_run_from_a_stale_build(fresh_build, monkeypatch, tmp_path):
    if compiled_epoch.shutil.which(compiled_epoch._compiler()[0]) is None:
        pytest.skip("no C compiler here")
    first = compiled_epoch._build()
    edited = tmp_path / "compiled_epoch.c"
    edited.write_text(compiled_epoch.SOURCE.read_text() + "\n/* an edit */\n")
    monkeypatch.setattr(compiled_epoch, "SOURCE", edited)
    second = compiled_epoch._build()
    assert first != second and first.exists() and second.exists()
    assert compiled_epoch._build() == second  # built once, then found
    assert sorted(p.name for p in fresh_build.iterdir()) == sorted([first.name, second.name])  # no temporaries


@pytest.mark.mnist
def test_the_chapters_networks_on_real_mnist_for_a_few_hundred_steps(real_mnist, compiled_trains):
    X, Y = real_mnist.train.images[:3000], one_hot(real_mnist.train.labels[:3000])
    for hidden in (30, 100):
        assert_same_network(*train_both_ways([784, hidden, 10], X, Y, 1, 10, 3.0, seed=hidden))
    assert compiled_trains == [True, True]
