"""Random guessing, average darkness and the SVC presets, on toy and shipped data."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.neighbors import NearestCentroid

from baselines import AverageDarknessClassifier, SVCClassifier, random_guess_classifier
from baselines.svm import svc_class


def test_random_guessing_picks_each_class_about_equally_often():
    X = [[0]] * 10  # ignored
    clf = random_guess_classifier(random_state=0).fit(X, np.arange(10))
    counts = np.bincount(clf.predict(np.zeros((100_000, 1))), minlength=10)
    # Binomial(100000, 0.1): standard deviation about 95, so 5 sigma is about 475.
    assert np.all(np.abs(counts - 10_000) < 475)


def test_random_guessing_ignores_the_images():
    clf = random_guess_classifier(random_state=3).fit([[0]] * 10, np.arange(10))
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(clf.predict(rng.normal(size=(500, 4))), clf.predict(np.zeros((500, 4))))


def test_random_guessing_differs_between_seeds():
    fit = lambda seed: random_guess_classifier(random_state=seed).fit([[0]] * 10, np.arange(10))
    assert not np.array_equal(fit(0).predict(np.zeros((50, 1))), fit(1).predict(np.zeros((50, 1))))


def test_darkness_learns_the_mean_pixel_sum_per_class():
    X = np.array([[1, 1], [3, 1], [10, 0], [0, 14], [5, 5]], dtype=float)
    clf = AverageDarknessClassifier().fit(X, ["a", "a", "b", "b", "c"])
    np.testing.assert_allclose(clf.mean_darkness_, [3.0, 12.0, 10.0])
    np.testing.assert_array_equal(clf.predict([[2, 2], [5, 4], [0, 13], [7, 0]]), ["a", "c", "b", "c"])


def test_darkness_tie_goes_to_the_smaller_label():
    clf = AverageDarknessClassifier().fit([[2.0], [4.0]], [7, 3])  # class 3 mean 4, class 7 mean 2
    assert clf.predict([[3.0]])[0] == 3


def test_darkness_agrees_with_nearest_centroid_on_the_pixel_sum():
    digits = load_digits()
    darkness = digits.data.sum(axis=1, keepdims=True)
    ours = AverageDarknessClassifier().fit(digits.data, digits.target).predict(digits.data)
    theirs = NearestCentroid().fit(darkness, digits.target).predict(darkness)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("preset, gamma", [("book", 1 / 64), ("modern", None), ("tuned", 0.0292)])
def test_svc_presets_set_the_documented_gamma(preset, gamma):
    digits = load_digits()
    X = digits.data[:300] / 16
    clf = SVCClassifier(preset=preset, backend="sklearn").fit(X, digits.target[:300])
    expected = 1 / (64 * X.var()) if gamma is None else gamma
    assert clf.svc_._gamma == pytest.approx(expected)
    assert clf.backend_ == "sklearn"


def test_svc_chunked_prediction_equals_one_call():
    digits = load_digits()
    X, y = digits.data / 16, digits.target
    clf = SVCClassifier(backend="sklearn", n_jobs=2).fit(X[:800], y[:800])
    np.testing.assert_array_equal(clf.predict(X[800:]), clf.svc_.predict(X[800:]))


def test_svc_predicts_in_chunks_on_every_core_by_default(monkeypatch):
    import joblib
    digits = load_digits()
    X, y = digits.data / 16, digits.target
    clf = SVCClassifier(backend="sklearn").fit(X[:800], y[:800])
    calls = []
    original = clf.svc_.predict
    monkeypatch.setattr(clf.svc_, "predict", lambda chunk: calls.append(len(chunk)) or original(chunk))
    np.testing.assert_array_equal(clf.predict(X[800:]), original(X[800:]))
    assert len(calls) == joblib.cpu_count() and sum(calls) == len(X) - 800


def test_svc_rejects_an_unknown_preset_and_backend():
    with pytest.raises(ValueError, match="preset must be one of"):
        SVCClassifier(preset="newest").fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(ValueError, match="backend must be one of"):
        SVCClassifier(backend="gpu").fit([[0.0], [1.0]], [0, 1])


def test_svc_backends_agree_on_digits():
    pytest.importorskip("sklearnex")
    digits = load_digits()
    X, y = digits.data / 16, digits.target
    stock = SVCClassifier(backend="sklearn").fit(X[:1000], y[:1000]).predict(X[1000:])
    fast = SVCClassifier(backend="sklearnex").fit(X[:1000], y[:1000])
    assert fast.backend_ == "sklearnex"
    assert np.mean(fast.predict(X[1000:]) == stock) >= 0.99


def test_auto_backend_falls_back_to_sklearn_without_intelex(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "sklearnex.svm", None)  # makes `import sklearnex.svm` fail
    assert svc_class("auto")[1] == "sklearn"
    with pytest.raises(ImportError, match="scikit-learn-intelex"):
        svc_class("sklearnex")


@pytest.mark.mnist
def test_average_darkness_gets_the_books_2225(real_mnist):
    clf = AverageDarknessClassifier().fit(real_mnist.train.images, real_mnist.train.labels)
    assert np.sum(clf.predict(real_mnist.test.images) == real_mnist.test.labels) == 2225
