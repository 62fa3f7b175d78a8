"""Validation images where each library takes them, found by the fit's signature, and boosting rounds
as a learning curve: HistGradientBoosting gets X_val/y_val (so it trains on every training image and
stops early on the validation images), LightGBM 4.7 eval_X/eval_y, others eval_set; per-round test and
validation counts fill `history` and `validation_history`; `n_train` is what it really trained on."""

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from reports.runner.evaluate import evaluate
from reports.runner.experiments import Experiment
from reports.runner.protocol import held_back, validation_arguments


@pytest.fixture(autouse=True)
def one_thread():
    """Boosting libraries' OpenMP threads, on a busy 2-core machine, spin: one thread is 40 times faster."""
    with threadpool_limits(1):
        yield


def test_the_validation_argument_is_found_by_the_fit_signature():
    X, y = np.zeros((2, 3)), np.array([0, 1])

    def new_lightgbm(X, y, eval_set=None, eval_X=None, eval_y=None): ...

    def histgradient(X, y, sample_weight=None, *, X_val=None, y_val=None): ...

    def xgboost(X, y, eval_set=None): ...

    def plain(X, y): ...

    assert sorted(validation_arguments(new_lightgbm, (X, y))) == ["eval_X", "eval_y"]  # not the deprecated one
    given = validation_arguments(histgradient, (X, y))
    assert sorted(given) == ["X_val", "y_val"] and given["X_val"] is not X  # a copy, as every array given
    assert [type(v) for v in validation_arguments(xgboost, (X, y)).values()] == [list]
    assert validation_arguments(plain, (X, y)) == {} and validation_arguments(xgboost, None) == {}


def test_histgradientboosting_trains_on_every_image_and_shows_its_rounds(digits_mnist):
    hgb = Experiment("hgb", "sklearn.ensemble:HistGradientBoostingClassifier",
                     {"max_iter": 8, "early_stopping": True, "n_iter_no_change": 3})
    run = evaluate(hgb, 0, digits_mnist, quiet=True)
    rounds = run["history"]
    assert run["n_train"] == len(digits_mnist.train.labels)  # nothing held back: it watched X_val
    assert 1 <= len(rounds) <= 8 and rounds[-1] == run["correct"]  # the last round is the model scored
    assert len(run["validation_history"]) == len(rounds)
    validation = digits_mnist.validation
    refit = HistGradientBoostingClassifier(max_iter=8, early_stopping=True, n_iter_no_change=3).fit(
        digits_mnist.train.images, digits_mnist.train.labels, X_val=validation.images, y_val=validation.labels)
    assert run["validation_history"] == [int(np.sum(p == validation.labels))
                                         for p in refit.staged_predict(validation.images)]


def test_what_an_estimator_holds_back_to_stop_early_is_not_counted_as_trained_on():
    mlp = MLPClassifier(early_stopping=True, validation_fraction=0.1)
    assert held_back(mlp, 50_000, validation_given=False) == 5_000
    assert held_back(mlp, 50_000, validation_given=True) == 0
    assert held_back(MLPClassifier(), 50_000, validation_given=False) == 0
    hgb = HistGradientBoostingClassifier()
    hgb.do_early_stopping_ = True  # as fit sets it: 'auto' turns early stopping on above 10,000 images
    assert held_back(hgb, 60_000, validation_given=False) == 6_000


def test_lightgbm_gets_eval_x_and_shows_its_rounds(digits_mnist):
    lightgbm = pytest.importorskip("lightgbm")  # not a requirement of the project: tested where installed
    lgbm = Experiment("lgbm", "lightgbm:LGBMClassifier",
                      {"n_estimators": 5, "verbose": -1, "min_child_samples": 5, "n_jobs": 1})
    run = evaluate(lgbm, 0, digits_mnist, quiet=True)
    assert len(run["history"]) == 5 and run["history"][-1] == run["correct"]
    assert len(run["validation_history"]) == 5 and run["n_train"] == len(digits_mnist.train.labels)
    major, minor = map(int, lightgbm.__version__.split(".")[:2])
    given = validation_arguments(lightgbm.LGBMClassifier().fit, (np.zeros((2, 3)), np.array([0, 1])))
    assert sorted(given) == (["eval_X", "eval_y"] if (major, minor) >= (4, 7) else ["eval_set"])
