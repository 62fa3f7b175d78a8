"""Lockstep training held against the trusted reference, training each seed alone: equal bit for bit
(np.array_equal, never a tolerance), since a lockstep run stands in for the runs it replaces."""

from contextlib import nullcontext

import numpy as np
import pytest

from network import LockstepNetworks, Network, compiled_epoch, NetworkClassifier, fit_in_lockstep, train_in_lockstep

SEEDS = [3, 0, 11]


def one_hot(labels, n=10):
    return np.eye(n)[labels]


def assert_same_network(alone, lockstep):
    assert lockstep.sizes == alone.sizes
    for a, b in zip(alone.weights + alone.biases, lockstep.weights + lockstep.biases):
        assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)
    assert lockstep.rng.bit_generator.state == alone.rng.bit_generator.state


def training(path):
    """A context in which lockstep trains "stacked in NumPy" or "compiled" (each network in turn)."""
    return compiled_epoch.disabled() if path == "stacked in NumPy" else nullcontext()


# 1,200 training images: mini-batches of 7 leave a last batch of 3, of 10 divide them evenly.
# The reference, each seed alone, is trained the same way (in NumPy, or compiled).
@pytest.mark.parametrize("path", ["stacked in NumPy", "compiled"])
@pytest.mark.parametrize("hidden, mini_batch_size", [([20], 7), ([12, 8], 10), ([12, 8], 7)])
def test_lockstep_trains_each_seed_exactly_as_alone(digits_mnist, hidden, mini_batch_size, path):
    sizes = [64, *hidden, 10]
    train, test = digits_mnist.train, digits_mnist.test
    data, test_data = (train.images, one_hot(train.labels)), (test.images, test.labels)
    with training(path):
        networks, histories = train_in_lockstep(sizes, SEEDS, data, 2, mini_batch_size, 3.0, test_data=test_data)
    assert len(networks) == len(histories) == len(SEEDS)
    for seed, network, history in zip(SEEDS, networks, histories):
        alone = Network(sizes, random_state=seed)
        with training(path):
            assert history == alone.SGD(data, 2, mini_batch_size, 3.0, test_data=test_data)
        assert_same_network(alone, network)
        # Each network owns its arrays again, not a view that keeps the whole stack alive.
        assert all(p.flags.owndata and p.flags.c_contiguous for p in network.weights + network.biases)
    assert len({history[-1] for history in histories}) > 1  # different seeds, different networks


def test_one_seed_a_batch_larger_than_the_data_and_no_test_data(digits_mnist):
    X, Y = digits_mnist.train.images[:25], one_hot(digits_mnist.train.labels[:25])
    (network,), (history,) = train_in_lockstep([64, 5, 10], [7], (X, Y), 3, 40, 0.5)
    alone = Network([64, 5, 10], random_state=7)
    assert history == alone.SGD((X, Y), 3, 40, 0.5) == []
    assert_same_network(alone, network)


def test_verbose_lines_name_the_seed(digits_mnist, capsys):
    train, test = digits_mnist.train, digits_mnist.test
    _, histories = train_in_lockstep([64, 10, 10], [5, 9], (train.images, one_hot(train.labels)), 1, 10, 3.0,
                                     test_data=(test.images, test.labels), verbose=True)
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"seed 5: Epoch 0: {histories[0][0]} / 597", f"seed 9: Epoch 0: {histories[1][0]} / 597"]


def test_the_checks_of_training_alone_apply(digits_mnist):
    X, Y = digits_mnist.train.images, one_hot(digits_mnist.train.labels)
    with pytest.raises(ValueError, match="eta must be"):
        train_in_lockstep([64, 10, 10], SEEDS, (X, Y), 1, 10, 0.0)
    with pytest.raises(ValueError, match="training targets Y"):
        train_in_lockstep([64, 10, 10], SEEDS, (X, Y[:, :9]), 1, 10, 3.0)
    with pytest.raises(ValueError, match="share sizes"):
        LockstepNetworks([Network([64, 10, 10]), Network([64, 11, 10])])


def classifiers(**params):
    return [NetworkClassifier(hidden_sizes=(16,), epochs=2, mini_batch_size=7, random_state=seed, **params)
            for seed in SEEDS]


def test_fit_in_lockstep_leaves_each_estimator_as_its_own_fit(digits_mnist):
    train, test = digits_mnist.train, digits_mnist.test
    # String labels, and an eval label never seen in training (it counts as wrong).
    names = np.array(list("abcdefghij"))
    y, y_eval = names[train.labels], names[test.labels]
    y_eval[:5] = "z"
    eval_set = [(test.images, y_eval)]
    lockstep = fit_in_lockstep(classifiers(), train.images, y, eval_set=eval_set)
    for fitted in lockstep:
        alone = NetworkClassifier(**fitted.get_params()).fit(train.images, y, eval_set=eval_set)
        assert fitted.history_ == alone.history_ and len(fitted.history_) == 2
        assert np.array_equal(fitted.classes_, alone.classes_) and fitted.n_features_in_ == alone.n_features_in_ == 64
        assert_same_network(alone.network_, fitted.network_)
        assert np.array_equal(fitted.predict(test.images), alone.predict(test.images))
        assert fitted.diagnose(test.images) == alone.diagnose(test.images)
        for method in ("decision_function", "predict_proba"):
            if hasattr(alone, method):
                assert np.array_equal(getattr(fitted, method)(test.images), getattr(alone, method)(test.images))
        assert fitted.epochs == 2  # its parameters are left as they were


def test_a_shared_legacy_random_state_gives_the_seeds_of_fitting_one_after_the_other(digits_mnist):
    train = digits_mnist.train
    lockstep = fit_in_lockstep([NetworkClassifier(hidden_sizes=(8,), epochs=1, random_state=state)
                                for state in [np.random.RandomState(4)] * 2], train.images, train.labels)
    state = np.random.RandomState(4)
    for fitted in lockstep:
        alone = NetworkClassifier(hidden_sizes=(8,), epochs=1, random_state=state).fit(train.images, train.labels)
        assert_same_network(alone.network_, fitted.network_)


@pytest.mark.parametrize("estimators, message", [
    ([], "at least one"),
    (classifiers()[:2] + [NetworkClassifier(hidden_sizes=(16,), epochs=2, mini_batch_size=7, eta=1.0)],
     r"differ only in random_state; they differ in \['eta'\]"),
    (classifiers()[:1] + classifiers(verbose=True)[1:], r"they differ in \['verbose'\]"),
    (classifiers()[:1] * 2, "the same estimator twice"),
    ([NetworkClassifier(random_state=g) for g in [np.random.default_rng(0)] * 2], "sharing one numpy Generator"),
    (classifiers()[:1] + [type("Subclass", (NetworkClassifier,), {})()], "got Subclass"),
])
def test_fit_in_lockstep_refuses_estimators_that_differ_in_more_than_the_seed(estimators, message):
    X, y = [[0.0, 1.0]] * 4, [0, 1, 0, 1]  # never reached
    with pytest.raises(ValueError, match=message):
        fit_in_lockstep(estimators, X, y)
    assert not any(hasattr(estimator, "network_") for estimator in estimators)


@pytest.mark.mnist
@pytest.mark.parametrize("path", ["stacked in NumPy", "compiled"])
def test_the_chapters_network_on_real_mnist_for_a_few_hundred_steps(real_mnist, path):
    X, Y = real_mnist.train.images[:3000], one_hot(real_mnist.train.labels[:3000])
    with training(path):
        networks, _ = train_in_lockstep([784, 30, 10], SEEDS, (X, Y), 1, 10, 3.0)
    for seed, network in zip(SEEDS, networks):
        alone = Network([784, 30, 10], random_state=seed)
        with training(path):
            alone.SGD((X, Y), 1, 10, 3.0)
        assert_same_network(alone, network)
