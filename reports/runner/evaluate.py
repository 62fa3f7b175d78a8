"""Evaluate one classifier with one seed: fit on the training images, predict the test images, record.

Every classifier goes through the same steps, whatever it is, and every fit gets its own copy of
the arrays, so a classifier that modifies its input cannot change the next run.

What the runner reads from an estimator, besides `fit(X, y)` and `predict(X)` (all optional; a
hook that misbehaves is reported in one line and left out of the run, never a traceback):
- `fit(X, y, eval_set=[(X_test, y_test)])`: if `fit` takes `eval_set` (this project's network,
  XGBoost, LightGBM), it is given the test set to score after every epoch, as the book does;
- `history_`: then the correct count on it after each epoch, a list of whole numbers (the book's
  "Epoch j: n / 10000" lines);
- `diagnose(X_test)`: a JSON-ready dict that explains the trained model (the network names its
  saturated output neurons);
- `backend_`: a string naming the library that did the work (the SVC's "sklearnex").

`predict` must return one label of the training classes per test image; anything else is an error
naming the classifier, raised before any statistics.
"""

import contextlib
import datetime
import inspect
import io
import json
import sys
import threading
import time

import numpy as np

from reports.runner.factory import FactoryError, build
from reports.runner.identity import RUN_SCHEMA, digest, identity, json_ready, run_path
from reports.runner.provenance import git_commit, machine, numerics
from reports.runner.store import write_run

HEARTBEAT_SECONDS = 30  # how often a long fit says that it is still working


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


def label(experiment, seed):
    return f"[{experiment.name} seed {seed}] " if experiment.stochastic else f"[{experiment.name}] "


def say(prefix, message, stream=None):
    print(f"{prefix}{message}", file=stream or sys.stderr, flush=True)


@contextlib.contextmanager
def heartbeat(prefix, what, every=HEARTBEAT_SECONDS):
    """While the block runs, say every `every` seconds that `what` is still going, with elapsed time."""
    done, start = threading.Event(), time.perf_counter()
    stream = sys.stderr  # as it is now, not as the block may redirect it (that would prefix it twice)

    def beat():
        while not done.wait(every):
            minutes, seconds = divmod(int(time.perf_counter() - start), 60)
            say(prefix, f"still {what} ({minutes}:{seconds:02d} elapsed)", stream)

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def training_images(dataset, training_set):
    """The images and labels an experiment trains on: the book's training set, or with validation."""
    if training_set == "train":
        return dataset.train.images, dataset.train.labels
    if training_set == "train+validation":
        return (np.concatenate([dataset.train.images, dataset.validation.images]),
                np.concatenate([dataset.train.labels, dataset.validation.labels]))
    raise ValueError(f"unknown training set {training_set!r}")


def _checked_predictions(experiment, predictions, classes, n_test):
    """The predictions as an integer array, or an EvaluationError naming what is wrong with them."""
    try:
        predictions = np.asarray(predictions)
    except Exception as error:  # an object NumPy cannot make an array of
        raise EvaluationError(f"{experiment.name}: predict returned something that is not an array "
                              f"({type(error).__name__}: {error})") from error
    if predictions.shape != (n_test,):
        raise EvaluationError(f"{experiment.name}: predict returned shape {predictions.shape}, expected "
                              f"({n_test},): one label per test image")
    if predictions.dtype.kind not in "biuf" or not np.all(np.isin(predictions, classes)):
        strange = predictions[~np.isin(predictions, classes)] if predictions.dtype.kind in "biuf" else predictions
        raise EvaluationError(f"{experiment.name}: predict returned values that are not labels of the training "
                              f"classes {classes.tolist()} (e.g. {strange[:3].tolist()!r}, dtype {predictions.dtype}); "
                              "is it a regressor?")
    return predictions.astype(np.int64)


def _hook(experiment, prefix, name, read, check):
    """The value of an estimator hook, or None with one line saying why it was left out."""
    try:
        value = read()
    except Exception as error:  # a user's hook may raise anything; the run's predictions stay valid
        say(prefix, f"warning: {name} raised {type(error).__name__}: {error}; left out of the run")
        return None
    if value is None:
        return None
    problem = check(value)
    if problem:
        say(prefix, f"warning: {name} {problem}; left out of the run")
        return None
    return json_ready(value)


def _history_problem(value):
    if not isinstance(value, (list, tuple, np.ndarray)) or not all(
            isinstance(h, (int, np.integer)) and not isinstance(h, bool) for h in value):
        return "is not a list of whole numbers"
    return None


def _json_problem(value):
    try:
        json.dumps(json_ready(value))
    except (TypeError, ValueError):
        return f"is not JSON-ready ({type(value).__name__})"
    return None


def fit(estimator, experiment, seed, train, test, quiet=False, label_output=True):
    """Fit `estimator` on copies of `train` (images, labels), giving it the test set as `eval_set` if
    it takes one; return the seconds it took. Whatever it prints on stderr is prefixed with its name."""
    prefix = label(experiment, seed)
    kwargs = {}
    try:
        takes_eval_set = "eval_set" in inspect.signature(estimator.fit).parameters
    except (TypeError, ValueError):
        takes_eval_set = False
    if takes_eval_set:
        kwargs["eval_set"] = [(test[0].copy(), test[1].copy())]
    images, labels = train[0].copy(), train[1].copy()
    if not quiet:
        say(prefix, f"fitting {type(estimator).__name__} on {len(labels):,} images ...")
    start = time.perf_counter()
    labelled = _PrefixedLines(sys.stderr, prefix) if label_output else sys.stderr
    with (contextlib.nullcontext() if quiet else heartbeat(prefix, "fitting")), contextlib.redirect_stderr(labelled):
        try:
            estimator.fit(images, labels, **kwargs)
        except (Exception, SystemExit) as error:  # a plug-in may raise anything, even sys.exit(); this run only
            raise EvaluationError(f"{experiment.name}: {type(error).__name__} in fit: {error}") from error
    return time.perf_counter() - start


def measure(estimator, experiment, seed, dataset, fit_seconds, quiet=False):
    """Predict the test images with a fitted `estimator` and return the run as a JSON-ready dict."""
    prefix = label(experiment, seed)
    train_labels = training_images(dataset, experiment.training_set)[1]
    test = dataset.test
    start = time.perf_counter()
    try:
        predictions = estimator.predict(test.images.copy())
    except (Exception, SystemExit) as error:
        raise EvaluationError(f"{experiment.name}: {type(error).__name__} in predict: {error}") from error
    predict_seconds = time.perf_counter() - start
    predictions = _checked_predictions(experiment, predictions, np.unique(train_labels), len(test.labels))
    correct = int(np.sum(predictions == test.labels))
    say(prefix, f"{correct:,} / {len(test.labels):,} correct "
                f"(fit {fit_seconds:.1f} s, predict {predict_seconds:.1f} s)")
    diagnose = getattr(estimator, "diagnose", None)
    ident = identity(experiment, seed)
    return {
        "schema": RUN_SCHEMA,
        "name": experiment.name,
        "factory": experiment.factory,
        "params": json_ready(experiment.params),
        "stochastic": experiment.stochastic,
        "seed": seed if experiment.stochastic else None,
        "training_set": experiment.training_set,
        "identity": ident,
        "digest": digest(ident),
        "data_sha256": dataset.sha256,
        "n_train": len(train_labels),
        "n_test": len(test.labels),
        "correct": correct,
        "classes": np.unique(train_labels).tolist(),
        "predictions": predictions.tolist(),
        "test_labels": test.labels.tolist(),  # so pairs of runs can be compared without the data
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "history": _hook(experiment, prefix, "history_", lambda: getattr(estimator, "history_", None),
                         _history_problem),
        "diagnostics": _hook(experiment, prefix, "diagnose()",
                             lambda: diagnose(test.images.copy()) if callable(diagnose) else None, _json_problem),
        "backend": _hook(experiment, prefix, "backend_", lambda: getattr(estimator, "backend_", None),
                         lambda v: None if isinstance(v, str) else f"is a {type(v).__name__}, not a string"),
        "provenance": {"commit": git_commit(), "machine": machine(), "numerics": numerics()},
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def evaluate(experiment, seed, dataset, quiet=False, label_output=True):
    """Fit `experiment` (seeded with `seed` if stochastic) on its training images and score it on
    dataset.test. Returns the run as a JSON-ready dict (see reports/runner/store.py)."""
    estimator = build(experiment, seed, quiet=quiet)
    train = training_images(dataset, experiment.training_set)
    fit_seconds = fit(estimator, experiment, seed, train, (dataset.test.images, dataset.test.labels), quiet,
                      label_output)
    return measure(estimator, experiment, seed, dataset, fit_seconds, quiet)


def failure(experiment, seed, error):
    """The record of a run that failed: what was tried and why it failed, in place of predictions. It
    is the result of these inputs, as a run is: the same command does not try again, a change does."""
    ident = identity(experiment, seed)
    return {"schema": RUN_SCHEMA, "name": experiment.name, "factory": experiment.factory,
            "params": json_ready(experiment.params), "stochastic": experiment.stochastic,
            "seed": seed if experiment.stochastic else None, "training_set": experiment.training_set,
            "identity": ident, "digest": digest(ident), "failed": str(error),
            "provenance": {"commit": git_commit(), "machine": machine(), "numerics": numerics()},
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def evaluate_group(experiment, seeds, dataset, quiet=False, label_output=True):
    """(seed, run) for every seed, each as soon as it is computed."""
    for seed in seeds:
        yield seed, evaluate(experiment, seed, dataset, quiet=quiet, label_output=label_output)


def evaluate_seeds(experiment, seeds, dataset, results_dir, quiet=False, label_output=True, keep_failures=False):
    """Evaluate `experiment` for each of `seeds`, writing each run file as soon as it is computed, so
    that an interrupted command keeps the seeds it finished. Yields (seed, path written).

    With `keep_failures` (make's runs of plug-ins), a classifier that fails is recorded as failed, in
    its run file, and said in one line, so that the report is still made from the others."""
    runs = evaluate_group(experiment, seeds, dataset, quiet, label_output)
    failed = None
    for seed in seeds:
        try:
            if failed:  # the same classifier with another seed: no second try, no second message
                raise failed
            _, run = next(runs)
        except (EvaluationError, FactoryError) as error:
            if not keep_failures:
                raise
            if not failed:
                say("", f"error: {error}")
            failed, run = error, failure(experiment, seed, error)
        path = run_path(results_dir, experiment, seed)
        write_run(path, run)
        yield seed, path
