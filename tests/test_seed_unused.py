"""The estimators run once without a probe do not depend on their seed, measured: fitted with seeds 0
and 1 on scikit-learn's digits, they predict alike; the same measure tells apart one that does."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

from reports.runner.registry import parse_plugin
from reports.runner.seed_unused import SEED_UNUSED


def _predictions(factory, seed, **params):
    X, y = load_digits(return_X_y=True)
    X = X / 16
    with threadpool_limits(1):  # OpenMP threads spin on a busy machine; one is many times faster here
        model = factory(random_state=seed, **params).fit(X[:300], y[:300])
        return model.predict(X[300:])


def _factory(path):
    module, _, name = path.partition(":")
    return getattr(pytest.importorskip(module), name)  # LightGBM: measured where it is installed


@pytest.mark.parametrize("path", sorted(SEED_UNUSED))
def test_a_listed_estimator_predicts_alike_with_seeds_0_and_1(path):
    factory, fast = _factory(path), {}
    if path.startswith("lightgbm"):  # its sampling settings, set to sample, and the seed shows
        fast = {"n_estimators": 20, "n_jobs": 1, "verbose": -1}  # neither samples anything
        sampling = {**fast, "subsample": 0.5, "subsample_freq": 1}
        assert not np.array_equal(_predictions(factory, 0, **sampling), _predictions(factory, 1, **sampling))
        assert parse_plugin(f"x={path} colsample_bytree=0.5").stochastic
    assert np.array_equal(_predictions(factory, 0, **fast), _predictions(factory, 1, **fast))
    assert not parse_plugin(f"x={path}").stochastic  # so it is run once, never probed


def test_the_measure_tells_apart_an_estimator_that_uses_its_seed():
    from sklearn.linear_model import SGDClassifier

    assert not np.array_equal(_predictions(SGDClassifier, 0), _predictions(SGDClassifier, 1))
    assert parse_plugin("x=sklearn.linear_model:SGDClassifier").stochastic


@pytest.mark.parametrize("spec", ["x=sklearn.svm:SVC probability=True",
                                  "x=sklearn.linear_model:LogisticRegression solver='saga'",
                                  "x=sklearn.svm:LinearSVC dual=True"])
def test_parameters_that_use_the_seed_are_probed(spec):
    assert parse_plugin(spec).stochastic
