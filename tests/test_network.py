"""The network's math held against trusted references: finite differences and a per-example loop."""

import copy
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from network.classifier import NetworkClassifier
from network.network import Network, sigmoid, sigmoid_prime
from network.reference import per_example_gradient, quadratic_cost


def small_problem(seed=0, sizes=(6, 5, 4, 3), m=7):
    rng = np.random.default_rng(seed)
    net = Network(list(sizes), random_state=seed)
    x = rng.uniform(0, 1, size=(sizes[0], m))
    y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], size=m)]
    return net, x, y


def test_sigmoid_matches_its_definition_and_stays_quiet_at_extremes():
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sigmoid(np.array([-1e4]))[0] == 0.0 and sigmoid(np.array([1e4]))[0] == 1.0


def test_sigmoid_prime_matches_a_centred_difference():
    z, h = np.linspace(-5, 5, 11), 1e-6
    np.testing.assert_allclose(sigmoid_prime(z), (sigmoid(z + h) - sigmoid(z - h)) / (2 * h), rtol=1e-8)


def test_backprop_matches_centred_finite_differences():
    net, x, y = small_problem()
    nabla_b, nabla_w = net.backprop(x, y)
    h = 1e-6
    for analytic, params in [(nabla_w, net.weights), (nabla_b, net.biases)]:
        for grad, p in zip(analytic, params):
            numeric = np.zeros_like(p)
            for index in np.ndindex(p.shape):
                saved = p[index]
                p[index] = saved + h
                up = quadratic_cost(net, x, y)
                p[index] = saved - h
                down = quadratic_cost(net, x, y)
                p[index] = saved
                numeric[index] = (up - down) / (2 * h)
            relative = np.linalg.norm(grad - numeric) / np.linalg.norm(grad + numeric)
            assert relative < 1e-6


def test_mini_batch_gradient_equals_the_sum_of_per_example_gradients():
    net, x, y = small_problem(m=10)
    nabla_b, nabla_w = net.backprop(x, y)
    ref_b, ref_w = per_example_gradient(net, x, y)
    for ours, theirs in zip(nabla_b + nabla_w, ref_b + ref_w):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


def test_a_few_sgd_steps_match_a_per_example_reference():
    """Rounding order differs, so equality is tested over a few steps, not an epoch (see DESIGN)."""
    net, x, y = small_problem(m=30)
    reference = Network(net.sizes, random_state=0)
    eta, m = 3.0, 10
    for k in range(0, 30, m):
        net.update_mini_batch(x[:, k:k + m], y[:, k:k + m], eta)
        grad_b, grad_w = per_example_gradient(reference, x[:, k:k + m], y[:, k:k + m])
        for p, g in zip(reference.weights + reference.biases, grad_w + grad_b):
            p -= (eta / m) * g
    for ours, theirs in zip(net.weights + net.biases, reference.weights + reference.biases):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


def test_initialisation_is_standard_normal_with_the_books_shapes():
    net = Network([784, 30, 10], random_state=1)
    assert [b.shape for b in net.biases] == [(30, 1), (10, 1)]
    assert [w.shape for w in net.weights] == [(30, 784), (10, 30)]
    assert abs(net.weights[0].mean()) < 0.02 and abs(net.weights[0].std() - 1) < 0.02


def test_chapter3_initialisation_scales_the_same_draws_by_one_over_sqrt_n_in():
    book, scaled = Network([784, 30, 10], random_state=1), Network([784, 30, 10], random_state=1, init="chapter3")
    for w, v in zip(book.weights, scaled.weights):
        np.testing.assert_array_equal(v, w / np.sqrt(w.shape[1]))  # same draws, same order: only the scale
    for b, c in zip(book.biases, scaled.biases):
        np.testing.assert_array_equal(b, c)  # biases stay N(0, 1)
    assert abs(scaled.weights[0].std() * np.sqrt(784) - 1) < 0.02
    with pytest.raises(ValueError, match="init must be one of"):
        Network([4, 2], init="xavier")


def test_the_classifiers_init_reaches_the_network_and_defaults_to_chapter_1(digits_split):
    X_train, _, y_train, _ = digits_split
    default = NetworkClassifier(epochs=0, random_state=3).fit(X_train, y_train).network_
    scaled = NetworkClassifier(epochs=0, random_state=3, init="chapter3").fit(X_train, y_train).network_
    np.testing.assert_array_equal(scaled.weights[0], default.weights[0] / np.sqrt(X_train.shape[1]))
    assert NetworkClassifier().get_params()["init"] == "chapter1"


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": -1}, "epochs"), ({"epochs": 2.5}, "epochs"),
    ({"mini_batch_size": 0}, "mini_batch_size"),
    ({"eta": 0.0}, "eta"), ({"eta": -1.0}, "eta"), ({"eta": float("nan")}, "eta"),
])
def test_impossible_hyper_parameters_name_the_parameter(kwargs, message):
    net, x, y = small_problem()
    settings = {"epochs": 1, "mini_batch_size": 2, "eta": 1.0} | kwargs
    with pytest.raises(ValueError, match=message):
        net.SGD((x.T, y.T), **settings)


@pytest.mark.parametrize("x_shape, y_shape, bad, message", [
    ((20, 5), (20, 3), None, r"training inputs X: shape \(20, 5\), expected \(20, 6\)"),
    ((20, 6), (19, 3), None, r"training targets Y: shape \(19, 3\), expected \(20, 3\)"),
    ((20, 6), (20, 3), np.nan, "training inputs X: contains NaN"),
])
def test_training_data_of_the_wrong_shape_or_with_nan_is_named(x_shape, y_shape, bad, message):
    net = Network([6, 4, 3])
    X, Y = np.zeros(x_shape), np.zeros(y_shape)
    if bad is not None:
        X[3, 2] = bad
    with pytest.raises(ValueError, match=message):
        net.SGD((X, Y), epochs=1, mini_batch_size=5, eta=1.0)


@pytest.mark.parametrize("sizes", [[784], [], [784, 0, 10], [784, -3, 10], [784, 2.5, 10]])
def test_impossible_sizes_are_rejected(sizes):
    with pytest.raises(ValueError, match="sizes"):
        Network(sizes)


def test_zero_epochs_leaves_the_initial_weights():
    net, x, y = small_problem()
    before = [w.copy() for w in net.weights]
    assert net.SGD((x.T, y.T), epochs=0, mini_batch_size=2, eta=1.0, test_data=(x.T, y.argmax(0))) == []
    for w, w0 in zip(net.weights, before):
        np.testing.assert_array_equal(w, w0)


def test_diverging_network_is_quiet_and_collapses_to_one_answer():
    digits = load_digits()
    X, y = digits.data / 16, digits.target
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow warning fails the test
        clf = NetworkClassifier(epochs=3, eta=100.0, random_state=0).fit(X, y)
    assert len(np.unique(clf.predict(X))) <= 2


@pytest.fixture(scope="module")
def digits_split():
    digits = load_digits()
    return train_test_split(digits.data / 16, digits.target, test_size=0.3, random_state=0)


def test_network_learns_8x8_digits(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    clf = NetworkClassifier(epochs=30, random_state=0).fit(X_train, y_train, eval_set=[(X_test, y_test)])
    assert clf.score(X_test, y_test) > 0.9
    assert len(clf.history_) == 30
    assert clf.history_[-1] == np.sum(clf.predict(X_test) == y_test)  # history counts what predict does


def test_same_seed_same_network_different_seed_different_network(digits_split):
    X_train, X_test, y_train, _ = digits_split
    fit = lambda seed: NetworkClassifier(epochs=2, random_state=seed).fit(X_train, y_train)
    a, b, c = fit(7), fit(7), fit(8)
    for wa, wb in zip(a.network_.weights, b.network_.weights):
        np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(a.predict(X_test), b.predict(X_test))
    assert not np.array_equal(a.network_.weights[0], c.network_.weights[0])


def test_classifier_seed_trains_the_same_network_as_the_book_class(digits_split):
    X_train, _, y_train, _ = digits_split
    clf = NetworkClassifier(hidden_sizes=(12,), epochs=2, mini_batch_size=5, eta=2.0, random_state=3).fit(X_train, y_train)
    net = Network([64, 12, 10], random_state=3)
    net.SGD((X_train, np.eye(10)[y_train]), epochs=2, mini_batch_size=5, eta=2.0)
    for ours, books in zip(clf.network_.weights, net.weights):
        np.testing.assert_array_equal(ours, books)


def test_string_labels_and_eval_labels_unseen_in_training(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    names = np.array(list("abcdefghij"))
    clf = NetworkClassifier(epochs=3, random_state=0)
    clf.fit(X_train, names[y_train], eval_set=[(X_test, np.where(y_test == 0, "z", names[y_test]))])
    assert set(clf.predict(X_test)) <= set(names)
    assert clf.history_[-1] == np.sum((clf.predict(X_test) == names[y_test]) & (y_test != 0))


@pytest.fixture(scope="module")
def fitted(digits_split):
    X_train, _, y_train, _ = digits_split
    return NetworkClassifier(epochs=3, random_state=0).fit(X_train, y_train)


def test_decision_function_is_the_output_layer_and_predict_proba_its_rows_scaled(fitted, digits_split):
    X_test = digits_split[1]
    decision, proba = fitted.decision_function(X_test), fitted.predict_proba(X_test)
    assert decision.shape == proba.shape == (len(X_test), 10)
    np.testing.assert_array_equal(decision, fitted.network_.feedforward(X_test.T).T)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_allclose(proba, decision / decision.sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(fitted.classes_[proba.argmax(axis=1)], fitted.predict(X_test))


def test_two_classes_give_one_decision_score_per_row(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    names = np.array(["even", "odd"])
    clf = NetworkClassifier(epochs=3, random_state=0).fit(X_train, names[y_train % 2])
    decision, proba = clf.decision_function(X_test), clf.predict_proba(X_test)
    assert decision.shape == (len(X_test),) and proba.shape == (len(X_test), 2)
    np.testing.assert_array_equal(clf.classes_[(decision > 0).astype(int)], clf.predict(X_test))
    np.testing.assert_allclose(decision, proba[:, 1] - proba[:, 0])


def test_outputs_that_all_underflow_to_zero_prefer_no_class(fitted, digits_split):
    X_test = digits_split[1]
    silent = copy.deepcopy(fitted)
    silent.network_.biases[-1][:] = -1e4  # sigmoid(-1e4) is exactly 0.0
    assert not silent.decision_function(X_test).any()
    np.testing.assert_array_equal(silent.predict_proba(X_test), np.full((len(X_test), 10), 0.1))
    np.testing.assert_array_equal(silent.predict(X_test), silent.classes_[0])


def test_hidden_sizes_as_an_int_is_one_hidden_layer(digits_split):
    X_train, _, y_train, _ = digits_split
    a = NetworkClassifier(hidden_sizes=12, epochs=1, random_state=5).fit(X_train, y_train)
    b = NetworkClassifier(hidden_sizes=(12,), epochs=1, random_state=5).fit(X_train, y_train)
    assert a.network_.sizes == [64, 12, 10]
    for wa, wb in zip(a.network_.weights + a.network_.biases, b.network_.weights + b.network_.biases):
        np.testing.assert_array_equal(wa, wb)


def test_no_hidden_layer_is_the_chapters_exercise_input_to_output(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    clf = NetworkClassifier(hidden_sizes=(), epochs=10, random_state=0).fit(X_train, y_train)
    assert clf.network_.sizes == [64, 10] and [w.shape for w in clf.network_.weights] == [(10, 64)]
    assert clf.score(X_test, y_test) > 0.5  # far above chance (0.1), if slower to learn than with 30 hidden


def test_an_epoch_callback_sees_each_epoch_and_changes_no_bit_of_training(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    seen = []

    def callback(estimator, epoch):
        seen.append((epoch, int(np.sum(estimator.predict(X_test) == y_test))))

    watched = NetworkClassifier(epochs=3, random_state=2).fit(X_train, y_train, eval_set=[(X_test, y_test)],
                                                              epoch_callback=callback)
    alone = NetworkClassifier(epochs=3, random_state=2).fit(X_train, y_train)
    assert seen == list(enumerate(watched.history_))  # predict mid-fit answers as the network stands
    for ours, theirs in zip(watched.network_.weights + watched.network_.biases,
                            alone.network_.weights + alone.network_.biases):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("hidden_sizes", [0, -3, 2.5, "30", [30, 0], (30, 2.5), True, None])
def test_impossible_hidden_sizes_are_named_when_fitting(hidden_sizes):
    clf = NetworkClassifier(hidden_sizes=hidden_sizes)  # __init__ only stores
    with pytest.raises(ValueError, match="hidden_sizes"):
        clf.fit([[0.0], [1.0]], [0, 1])


@pytest.fixture
def training_forbidden(monkeypatch):
    def trained(*args, **kwargs):
        raise AssertionError("training started")
    monkeypatch.setattr(Network, "SGD", trained)


def malformed_eval_sets():
    X, y = np.zeros((5, 64)), np.arange(5)
    nan = X.copy()
    nan[2, 3] = np.nan
    return {
        "a bare pair": ((X, y), "list of one"),
        "no pair": ([], "list of one"),
        "two pairs": ([(X, y), (X, y)], "list of one"),
        "images only": ([X], "list of one"),
        "an array": (np.zeros(2), "list of one"),
        "wrong width": ([(X[:, :10], y)], "10 features"),
        "one image": ([(X[0], y[:1])], "2D array"),
        "too few labels": ([(X, y[:4])], r"one label per row of X \(5\)"),
        "labels as a column": ([(X, y[:, None])], "one label per row"),
        "NaN": ([(nan, y)], "NaN"),
    }


@pytest.mark.parametrize("name", list(malformed_eval_sets()))
def test_malformed_eval_set_is_refused_before_training(name, training_forbidden, digits_split):
    X_train, _, y_train, _ = digits_split
    eval_set, message = malformed_eval_sets()[name]
    with pytest.raises(ValueError, match=f"eval_set.*{message}"):
        NetworkClassifier(epochs=1).fit(X_train, y_train, eval_set=eval_set)


def test_a_well_formed_eval_set_reaches_training(training_forbidden, digits_split):
    X_train, X_test, y_train, y_test = digits_split  # proves the guard above would see training start
    with pytest.raises(AssertionError, match="training started"):
        NetworkClassifier(epochs=1).fit(X_train, y_train, eval_set=[(X_test, y_test)])
