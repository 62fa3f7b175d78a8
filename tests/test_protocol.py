"""The fit/predict protocol: no fit ever sees a test row, and scoring every epoch changes no bit of training."""

import hashlib

import numpy as np
import pytest

from reports.runner import protocol
from reports.runner.evaluate import evaluate
from reports.runner.experiments import BY_NAME
from reports.runner.factory import build
from reports.runner.registry import resolve
from tests.experiments import with_params


def row_digests(images):
    """The SHA-256 of each row's pixels, whatever the array's dtype: rows compared by content."""
    return {hashlib.sha256(np.asarray(row, dtype=np.float64).tobytes()).hexdigest() for row in images}


def spied(attr, dataset, training_set="train"):
    """A spy plug-in after the runner's fit and measure: what it was given, and the run's record."""
    experiment = resolve(f"spy=tests.plugins:{attr}")
    spy = build(experiment, 0)
    fitted = protocol.fit("spy", spy, dataset, training_set)
    measured = protocol.measure("spy", spy, dataset, fitted, warn=print)
    return spy, fitted, measured


@pytest.mark.parametrize("attr", ["Spy", "SpyWithEvalSet", "SpyWithPartialFit", "SpyWithEpochs"])
def test_no_test_row_ever_reaches_training(digits_mnist, attr):
    spy, _, _ = spied(attr, digits_mnist)
    test_rows = row_digests(digits_mnist.test.images)
    while_fitting = [(where, a) for where, fitting, a in spy.seen_ if fitting]
    assert while_fitting and all(len(a) != len(digits_mnist.test.labels) for _, a in while_fitting)
    assert not any(row_digests(a) & test_rows for _, a in while_fitting if a.ndim == 2)
    # Only after fit, to score: predict and diagnose see the test images (the check above can see them).
    after = {where for where, fitting, a in spy.seen_ if not fitting and a.ndim == 2 and row_digests(a) & test_rows}
    assert after == {"predict", "diagnose"}


def test_an_eval_set_is_the_validation_set_and_its_history_is_stored_as_such(digits_mnist):
    spy, fitted, measured = spied("SpyWithEvalSet", digits_mnist)
    given = [a for where, fitting, a in spy.seen_ if fitting and where == "fit"]
    X, y, X_eval, y_eval = given
    np.testing.assert_array_equal(X_eval, digits_mnist.validation.images)
    np.testing.assert_array_equal(y_eval, digits_mnist.validation.labels)
    assert fitted.validation_given and fitted.test_history is None
    assert measured.validation_history == [int(np.sum(digits_mnist.validation.labels == spy.label_))]


def test_with_the_validation_images_in_the_training_set_there_is_no_eval_set(digits_mnist):
    spy, fitted, measured = spied("SpyWithEvalSet", digits_mnist, "train+validation")
    assert [len(a) for where, fitting, a in spy.seen_ if fitting] == [1200, 1200]  # X and y, nothing else
    assert not fitted.validation_given and measured.validation_history is None


def test_partial_fit_is_never_driven_by_the_runner(digits_mnist):
    spy, fitted, _ = spied("SpyWithPartialFit", digits_mnist)
    assert [where for where, fitting, _ in spy.seen_ if fitting] == ["partial_fit"] * 6  # its own fit's 3 calls
    assert fitted.test_history is None  # no epoch_callback: no test history


def test_the_runner_scores_each_epoch_of_an_estimator_that_reports_them(digits_mnist):
    spy, fitted, _ = spied("SpyWithEpochs", digits_mnist)
    labels = [int(np.bincount(digits_mnist.train.labels[:100 * (k + 1)]).argmax()) for k in range(3)]
    assert fitted.test_history == [int(np.sum(digits_mnist.test.labels == label)) for label in labels]


def old_protocol(experiment, seed, dataset):
    """A run as the runner made it before the validation set (git a6040b9): fit given the test set as
    eval_set, its history_ the per-epoch test counts; then predict the test images."""
    estimator = build(experiment, seed)
    train, test = dataset.train, dataset.test
    estimator.fit(train.images.copy(), train.labels.copy(), eval_set=[(test.images.copy(), test.labels.copy())])
    return estimator.predict(test.images.copy()).tolist(), estimator.history_


@pytest.mark.parametrize("hidden", [(30,), ()])
def test_the_network_computes_what_it_did_when_fit_saw_the_test_set(digits_mnist, hidden):
    network = with_params(BY_NAME["network"], hidden_sizes=hidden, epochs=4)
    run = evaluate(network, 1, digits_mnist, quiet=True)
    predictions, history = old_protocol(network, 1, digits_mnist)
    assert run["predictions"] == predictions and run["history"] == history and len(history) == 4
    assert run["history"][-1] == run["correct"]
    assert len(run["validation_history"]) == 4 and max(run["validation_history"]) <= len(digits_mnist.validation.labels)


@pytest.mark.mnist
def test_on_mnist_the_network_computes_what_it_did_when_fit_saw_the_test_set(real_mnist):
    network = with_params(BY_NAME["network"], epochs=2)
    run = evaluate(network, 0, real_mnist, quiet=True)
    predictions, history = old_protocol(network, 0, real_mnist)
    assert run["predictions"] == predictions and run["history"] == history
    assert run["history"][-1] == run["correct"] > 9000
    assert len(run["validation_history"]) == 2 and all(8000 < h < 10_000 for h in run["validation_history"])


def test_xgboost_with_early_stopping_stops_on_the_validation_set(digits_mnist):
    xgboost = pytest.importorskip("xgboost")
    params = {"n_estimators": 60, "max_depth": 1, "early_stopping_rounds": 1, "random_state": 0}
    run = evaluate(resolve("xgb=xgboost:XGBClassifier " + " ".join(f"{k}={v}" for k, v in params.items())), 0,
                   digits_mnist, quiet=True)
    train, test = digits_mnist.train, digits_mnist.test

    def stopped_on(split):
        model = xgboost.XGBClassifier(**params).fit(train.images, train.labels, eval_set=[(split.images, split.labels)],
                                                     verbose=False)
        return model.predict(test.images).tolist()

    # On these digits it stops after 50 rounds on the validation set, after 57 on the test set.
    assert run["predictions"] == stopped_on(digits_mnist.validation) != stopped_on(test)
    assert run["history"] is None and run["validation_history"] is None  # no history_ of whole numbers


def test_every_setting_an_estimator_ran_with_is_kept_as_json_holds_it_exactly():
    from sklearn.base import BaseEstimator
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    class Settings(BaseEstimator):
        def __init__(self, sizes=(30, 10), rate=np.float64(0.5), count=np.int64(3), missing=float("nan"),
                     table=None, flag=True, name="a", weights=None, one=np.array(2.5)):
            self.sizes, self.rate, self.count, self.missing = sizes, rate, count, missing
            self.table, self.flag, self.name, self.weights, self.one = table, flag, name, weights, one

    said = []
    kept = protocol.estimator_params(Settings(table={"a": 1}, weights=np.array([[1, 2], [np.inf, 4]])),
                                     warn=said.append)
    # A NumPy array is a list of its values, as a tuple is and as JSON stores both; an infinity its repr.
    assert kept == {"sizes": [30, 10], "rate": 0.5, "count": 3, "missing": "nan", "table": "{'a': 1}",
                    "flag": True, "name": "a", "weights": [[1.0, 2.0], ["inf", 4.0]], "one": 2.5} and said == []
    assert type(kept["rate"]) is float and type(kept["count"]) is int
    nested = protocol.estimator_params(make_pipeline(StandardScaler(), Settings()), warn=said.append)
    assert nested["settings__rate"] == 0.5 and nested["standardscaler"] == "StandardScaler()"
    assert nested["steps"][0] == ["standardscaler", "StandardScaler()"]  # a pair, as a list of plain values


def test_an_estimator_without_get_params_or_with_a_broken_one_keeps_none():
    said = []
    assert protocol.estimator_params(object(), warn=said.append) is None and said == []

    class Broken:
        def get_params(self):
            raise RuntimeError("no")

    assert protocol.estimator_params(Broken(), warn=said.append) is None
    assert said == ["warning: get_params() raised RuntimeError: no; left out of the run"]
