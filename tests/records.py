"""Summaries made up for the rendering tests: runs on a test set with MNIST's digit counts, each with
a chosen number of correct answers, built through the same `summary` as real runs. A built-in's runs
record its settings as a real run does (`stored_settings`)."""

from functools import lru_cache

import numpy as np

from reports.render.summaries import summary
from reports.runner.experiments import BY_NAME

MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]  # the book's test set, per digit
TRUTH = np.repeat(np.arange(10), MNIST_TEST_COUNTS)


TINY = np.random.default_rng(0).random((20, 784)), np.arange(20) % 2  # for the SVC's fit: any images will do


@lru_cache(maxsize=None)
def _stored_settings(name, seed, settings):
    from reports.runner.factory import build
    from reports.runner.protocol import estimator_params

    experiment = BY_NAME[name]
    estimator = build(experiment, seed).set_params(**dict(settings))
    params = estimator_params(estimator, warn=print)
    fits_fast = experiment.factory.startswith("baselines.svm:")  # a network's fit is not needed for its words
    return params, estimator.fit(*TINY).diagnose(TINY[0]) if fits_fast else {}


def stored_settings(name, seed=0, **settings):
    """What a run of the built-in `name` (its estimator given `settings`) records of its settings: its
    estimator's get_params() as built (`estimator_params`), and what its diagnose() says once fitted
    where its description needs it (the SVC's C and gamma, fitted on a few random images); fresh copies."""
    params, diagnostics = _stored_settings(name, seed, tuple(sorted(settings.items())))
    return dict(params), dict(diagnostics)


def synthetic_record(name, corrects, histories=None, n_train=50_000, stochastic=True, answer=None):
    """A record of runs on a test set with MNIST's digit counts: run k gets corrects[k] right (or, with
    `answer`, answers that digit for every image)."""
    runs = []
    for k, correct in enumerate(corrects):
        predictions = TRUTH.copy() if answer is None else np.full(len(TRUTH), answer)
        if answer is None:  # the errors spread evenly over the digits, so that no digit goes unanswered
            wrong = np.linspace(0, len(TRUTH) - 1, len(TRUTH) - correct).astype(int)
            predictions[wrong] = (TRUTH[wrong] + 1) % 10
        runs.append({"name": name, "factory": "f", "params": {}, "stochastic": stochastic, "training_set": "train",
                     "data_sha256": "x", "n_train": n_train, "n_test": len(TRUTH), "classes": list(range(10)),
                     "test_labels": TRUTH.tolist(), "predictions": predictions.tolist(),
                     "seed": k if stochastic else None, "fit_seconds": 1.0, "predict_seconds": 1.0,
                     "history": None if histories is None else histories[k],
                     "diagnostics": {"saturated_outputs": []}, "provenance": {"commit": "abc"},
                     "digest": f"{k:012x}"})
        if name in BY_NAME:
            runs[-1]["estimator_params"], fitted = stored_settings(name, k)
            runs[-1]["diagnostics"].update(fitted)
    return summary(runs)


def runs_of(summaries):
    """The runs of `summaries`, as the renderer's entry point takes them."""
    return [run for summary in summaries for run in summary["runs"]]
