"""Random guessing, average darkness and the SVC presets, on toy and shipped data."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import NearestCentroid
from sklearn.svm import SVC

from baselines.darkness import AverageDarknessClassifier
from baselines.random_guess import random_guess_classifier
from baselines.svm import PRESETS, SVCClassifier
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


@pytest.mark.parametrize("preset, gamma", [("book", 1 / 64), ("modern", None), ("tuned", PRESETS["tuned"]["gamma"])])
def test_svc_presets_set_the_documented_gamma(preset, gamma):
    digits = load_digits()
    X = digits.data[:300] / 16
    clf = SVCClassifier(preset=preset, backend="sklearn").fit(X, digits.target[:300])
    expected = 1 / (64 * X.var()) if gamma is None else gamma
    assert clf.svc_._gamma == pytest.approx(expected)
    assert clf.backend_ == "sklearn"


def book_pixels(n):
    """The first n load_digits images as the book stores MNIST: raw pixels p in 0..255, stored as p / 256."""
    digits = load_digits()
    raw = np.round(digits.data[:n] * 255 / 16)
    return raw / 256, digits.target[:n], raw


def test_tuned_preset_is_muellers_svc_on_his_pixels():
    X, y, raw = book_pixels(600)
    ours = SVCClassifier(preset="tuned", backend="sklearn").fit(X[:400], y[:400])
    his = SVC(C=2.8, gamma=0.0073).fit(raw[:400] / 255 * 2 - 1, y[:400])
    np.testing.assert_array_equal(ours.svc_.support_, his.support_)
    np.testing.assert_allclose(ours.svc_.dual_coef_, his.dual_coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(ours.predict(X[400:]), his.predict(raw[400:] / 255 * 2 - 1))


def test_explicit_C_and_gamma_win_over_the_preset_and_show_in_get_params():
    X, y, _ = book_pixels(200)
    default = SVCClassifier(preset="tuned", backend="sklearn")
    assert (default.get_params()["C"], default.get_params()["gamma"]) == (None, None)
    assert (default.fit(X, y).svc_.C, default.svc_.gamma) == (PRESETS["tuned"]["C"], PRESETS["tuned"]["gamma"])
    explicit = SVCClassifier(preset="tuned", C=10, gamma=0.01, backend="sklearn")
    params = explicit.get_params()
    assert (params["preset"], params["C"], params["gamma"]) == ("tuned", 10, 0.01)
    explicit.fit(X, y)
    assert (explicit.svc_.C, explicit.svc_.gamma) == (10, 0.01)
    assert explicit.pixels_ == default.pixels_  # the preset's pixel scale still applies


def test_svc_diagnose_records_the_c_and_gamma_its_fit_used():
    X, y, _ = book_pixels(100)
    # The run's record keeps them: the preset's where C and gamma are None, else the ones given; gamma
    # as the number the kernel used, beside the gamma the SVC was given (a rule such as "auto", or a number).
    tuned = {key: PRESETS["tuned"][key] for key in ("C", "gamma")}
    assert SVCClassifier(preset="tuned", backend="sklearn").fit(X, y).diagnose(X) == {
        **tuned, "gamma_given": tuned["gamma"]}
    assert SVCClassifier(preset="tuned", C=10, backend="sklearn").fit(X, y).diagnose(X) == {
        "C": 10, "gamma": tuned["gamma"], "gamma_given": tuned["gamma"]}
    book = SVCClassifier(preset="book", backend="sklearn").fit(X, y).diagnose(X)
    assert book == {"C": PRESETS["book"]["C"], "gamma": 1 / X.shape[1], "gamma_given": PRESETS["book"]["gamma"]}
    modern = SVCClassifier(preset="modern", backend="sklearn").fit(X, y).diagnose(X)
    assert modern["gamma"] == pytest.approx(1 / (X.shape[1] * X.var())) and modern["gamma_given"] == PRESETS["modern"]["gamma"]
    assert type(modern["gamma"]) is float  # a number JSON keeps as it is
    with pytest.raises(NotFittedError):
        SVCClassifier().diagnose(X)


def test_grid_search_over_C_reaches_the_svc():
    digits = load_digits()
    X, y = digits.data[:300] / 16, digits.target[:300]
    search = GridSearchCV(SVCClassifier(backend="sklearn"), {"C": [0.5, 2]}, cv=3).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert scores[0] != scores[1]  # the same SVC twice would score the same
    assert search.best_estimator_.svc_.C == search.best_params_["C"] == [0.5, 2][np.argmax(scores)]


def test_svc_decision_function_and_predict_proba():
    digits = load_digits()
    X, y = digits.data / 16, digits.target
    clf = SVCClassifier(backend="sklearn", probability=True).fit(X[:500], y[:500])
    decision = clf.decision_function(X[500:])
    assert decision.shape == (len(X) - 500, 10)
    np.testing.assert_array_equal(decision, clf.svc_.decision_function(X[500:]))
    proba = clf.predict_proba(X[500:])
    assert proba.shape == (len(X) - 500, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert np.mean(clf.classes_[proba.argmax(axis=1)] == clf.predict(X[500:])) > 0.98


def test_svc_two_classes_decision_function_is_one_score_per_row():
    digits = load_digits()
    X, y = digits.data[digits.target < 2] / 16, digits.target[digits.target < 2]
    clf = SVCClassifier(backend="sklearn").fit(X[:100], y[:100])
    decision = clf.decision_function(X[100:])
    assert decision.shape == (len(X) - 100,)
    np.testing.assert_array_equal(clf.classes_[(decision > 0).astype(int)], clf.predict(X[100:]))


def test_svc_predict_proba_needs_probability():
    digits = load_digits()
    clf = SVCClassifier(backend="sklearn").fit(digits.data[:100], digits.target[:100])
    assert not hasattr(clf, "predict_proba")
    with pytest.raises(AttributeError) as error:  # scikit-learn's SVC says it the same way
        clf.predict_proba(digits.data[:5])
    assert "not available when probability=False" in str(error.value.__cause__)


def unaligned(a, order):
    """A copy of `a` in the given memory order, starting one byte past an aligned address."""
    buffer = np.empty(a.nbytes + 1, dtype=np.uint8)
    out = np.ndarray(a.shape, dtype=a.dtype, buffer=buffer, offset=1, order=order)
    out[...] = a
    assert not out.flags.aligned
    return out


def test_svc_hands_the_backend_aligned_rows_copying_only_when_needed(monkeypatch):
    seen = []

    class RecordingSVC(SVC):
        def fit(self, X, y):
            seen.append(X)
            return super().fit(X, y)

    monkeypatch.setattr("baselines.svm.svc_class", lambda backend: (RecordingSVC, "sklearn"))
    digits = load_digits()
    X, y = digits.data[:200] / 16, digits.target[:200]
    SVCClassifier().fit(unaligned(X, "F"), y)
    assert seen[-1].flags.aligned and seen[-1].flags.c_contiguous
    np.testing.assert_array_equal(seen[-1], X)
    SVCClassifier().fit(X, y)
    assert seen[-1] is X  # already aligned rows: no copy


def test_accelerated_svc_accepts_unaligned_input():
    pytest.importorskip("sklearnex")
    digits = load_digits()
    X, y = digits.data[:300] / 16, digits.target[:300]
    clf = SVCClassifier(backend="sklearnex").fit(unaligned(X, "C"), y)  # oneDAL alone refuses this
    np.testing.assert_array_equal(clf.predict(unaligned(X, "C")), clf.predict(X))


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
