"""Evaluate one classifier with one seed: fit on the training images, predict the test images, measure.

Every classifier goes through the same steps, whatever it is. The one courtesy extended to some:
an estimator whose `fit` takes `eval_set` (this project's network, XGBoost, LightGBM) is given the
test set to score after every epoch, the book's "Epoch j: n / 10000" lines, kept as `history`.
"""

import contextlib
import datetime
import inspect
import io
import sys
import time

import numpy as np
from sklearn.metrics import confusion_matrix

from reports.provenance import git_commit, library_versions
from reports.registry import build
from reports.results import RUN_SCHEMA, json_ready
from reports.stats import wilson_interval

class EvaluationError(Exception):
    """The classifier itself failed; the message names it."""


class _PrefixedLines(io.TextIOBase):
    """A text stream that writes every line to `stream` with `prefix` in front, so that the progress
    of classifiers running side by side (make -j2) stays readable."""

    def __init__(self, stream, prefix):
        self.stream, self.prefix, self.pending = stream, prefix, ""

    def write(self, text):
        lines = (self.pending + text).split("\n")
        self.pending = lines.pop()
        for line in lines:
            self.stream.write(f"{self.prefix}{line}\n")
        self.stream.flush()
        return len(text)

    def flush(self):
        if self.pending:
            self.write("\n")


def _label(experiment, seed):
    return f"[{experiment.name} seed {seed}] " if experiment.stochastic else f"[{experiment.name}] "


def _log(experiment, seed, message):
    print(f"{_label(experiment, seed)}{message}", file=sys.stderr, flush=True)


def evaluate(experiment, seed, dataset, label_output=True):
    """Fit `experiment` (seeded with `seed` if stochastic) on dataset.train; score on dataset.test.

    Returns the run as a JSON-ready dict (see reports/results.py). With `label_output`, whatever the
    estimator prints on stderr while it works is prefixed with the run's name and seed.
    """
    estimator = build(experiment, seed)
    train, test = dataset.train, dataset.test
    fit_kwargs = {}
    if "eval_set" in inspect.signature(estimator.fit).parameters:
        fit_kwargs["eval_set"] = [(test.images, test.labels)]

    _log(experiment, seed, f"fitting {type(estimator).__name__} on {len(train.labels):,} images ...")
    start = time.perf_counter()
    try:
        labelled = _PrefixedLines(sys.stderr, _label(experiment, seed)) if label_output else sys.stderr
        with contextlib.redirect_stderr(labelled):
            estimator.fit(train.images, train.labels, **fit_kwargs)
            fit_seconds = time.perf_counter() - start
            start = time.perf_counter()
            predictions = np.asarray(estimator.predict(test.images))
            predict_seconds = time.perf_counter() - start
    except Exception as error:  # a plug-in may raise anything; name it and stop this run only
        raise EvaluationError(f"{experiment.name}: {type(error).__name__} in fit/predict: {error}") from error
    if predictions.shape != test.labels.shape:
        raise EvaluationError(f"{experiment.name}: predict returned shape {predictions.shape}, "
                              f"expected {test.labels.shape}")

    classes = np.union1d(train.labels, test.labels)
    matrix = confusion_matrix(test.labels, predictions, labels=classes)
    correct = int(np.sum(predictions == test.labels))
    n_test = len(test.labels)
    _log(experiment, seed, f"{correct:,} / {n_test:,} correct (fit {fit_seconds:.1f} s, predict {predict_seconds:.1f} s)")
    history = getattr(estimator, "history_", None)
    # An estimator may explain itself (the network names its saturated output neurons).
    diagnostics = estimator.diagnose(test.images) if callable(getattr(estimator, "diagnose", None)) else None
    return {
        "schema": RUN_SCHEMA,
        "name": experiment.name,
        "description": experiment.description,
        "factory": experiment.factory,
        "params": json_ready(experiment.params),
        "stochastic": experiment.stochastic,
        "seed": seed if experiment.stochastic else None,
        "data_sha256": dataset.sha256,
        "n_train": len(train.labels),
        "n_test": n_test,
        "correct": correct,
        "accuracy": correct / n_test,
        "ci95": wilson_interval(correct, n_test),
        "classes": classes.tolist(),
        "confusion": matrix.tolist(),
        "per_class_accuracy": (np.diag(matrix) / np.maximum(matrix.sum(axis=1), 1)).tolist(),
        "predictions": predictions.tolist(),
        "test_labels": test.labels.tolist(),  # so pairs of runs can be compared without the data
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "history": [int(h) for h in history] if history is not None else None,
        "backend": getattr(estimator, "backend_", None),
        "diagnostics": diagnostics,
        "versions": library_versions(),
        "commit": git_commit(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
