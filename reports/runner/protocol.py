"""The fit/predict protocol: what one run of any classifier is, and so a part of every run's identity.

It imports only NumPy, the standard library and how a run stores a value (identity's `json_ready`),
never the list of experiments, the scheduler, the command line or the rendering: editing those
recomputes nothing.

What an estimator is given, always copies (an estimator that writes into its input cannot change the
next run), and never a test label:
- `fit(X, y)`: the experiment's training images, float32 of shape (n, 784), and labels, int64 of
  shape (n,): the book's 50,000 training images ("train"), or those and its 10,000 validation
  images ("train+validation").
- the validation images too, where the validation images are held out (training set "train"),
  through the argument its `fit` takes, found by its signature (VALIDATION_ARGUMENTS): `eval_X=(X,)`
  and `eval_y=(y,)` (LightGBM 4.7 and later, which deprecates eval_set), `X_val=X` and `y_val=y`
  (scikit-learn's HistGradientBoosting), or `eval_set=[(X, y)]` (this project's network, XGBoost,
  older LightGBM): the book's 10,000 validation images, to watch or to stop early on, so that an
  estimator that stops early does not hold back training images of its own. Never the test images:
  an estimator that chose anything on them would score itself on what it was tuned to.
- `epoch_callback=f` too, if `fit` takes `epoch_callback` (this project's network; a plug-in may take
  it as well): the estimator calls f(model, epoch) after every epoch, `model` being anything whose
  `predict(X)` answers as the model stands then (the estimator itself, as a rule). The runner
  predicts the test images with a copy of it (copy.deepcopy) and counts: the book's "Epoch j: n /
  10000" listing. So not even a test image reaches the model being trained, nothing goes back to it,
  and a network trained with f has the very bits of one trained without.
- `predict(X_test)`, once fit has returned: the test images, scored and never learned from.
- `diagnose(X_test)`, if it has one: the test images, to explain the trained model (after fit).

What is read back (all optional but predict; a hook that misbehaves is left out of the run with one
line saying why, never a traceback):
- `predict`: one label of the training classes per test image; anything else is an
  EvaluationError naming the classifier, raised before any statistics;
- `history_`, read only if fit was given the validation images: the correct count on them after
  each epoch, whole numbers (the run's `validation_history`);
- per-round predictions of a boosting estimator, after fit: `staged_predict(X)` (scikit-learn's
  boosting) or `predict(X, num_iteration=k)` (LightGBM). The runner counts them on the test images
  (the run's `history`: its learning curve) and, where it was given them, on the validation images
  (`validation_history`: the round chosen on validation). The model is fitted by then: counting its
  rounds teaches it nothing;
- how many images it really trained on: fewer than it was given when it held some back itself to
  stop early (`validation_fraction` of them, where early stopping is on and it was not given the
  validation images); the run's `n_train`;
- `diagnose(X_test)`: a JSON-ready dict that explains the trained model;
- `backend_`: a string naming the library that did the work (the SVC's "sklearnex");
- `get_params()`, as built, before the fit: every setting the estimator ran with, its defaults
  included (the run's `estimator_params`, from which the reports describe it). None, a bool, a whole
  or finite number and a string are kept as they are, a tuple or a NumPy array as a list; any other
  value (an estimator inside a pipeline, a dict, a NaN) is kept as its `repr`, and inside a list only
  that item is: [1, nan] is kept as [1, "nan"].

Estimators with `partial_fit` are trained by their `fit`, like every other: driving `partial_fit`
epoch by epoch instead would change what the plug-in's training is (scikit-learn's SGDClassifier.fit
and MLPClassifier.fit stop on their own criteria and schedule their learning rates over the whole
fit; a loop of partial_fit calls does neither), and the run would no longer be the plug-in's own.
Such an estimator has a test history where its fit takes `epoch_callback`, and none otherwise.

Timings: `fit_seconds` and `fit_cpu_seconds` leave out the runner's own scoring between epochs.
CPU seconds count every thread of the process (time.process_time: BLAS, OpenMP and
scikit-learn-intelex threads included) and child processes that ended and were waited for; workers
of a pool that outlives the fit (joblib's loky) are not counted.
"""

import copy
import inspect
import os
import time
from dataclasses import dataclass

import numpy as np

from reports.runner.identity import json_ready


class EvaluationError(Exception):
    """The classifier itself failed; the message names it."""


# The parts of the book's split that each training set is made of.
TRAINING_SPLITS = {"train": ("train",), "train+validation": ("train", "validation")}


def _splits(dataset, training_set):
    if training_set not in TRAINING_SPLITS:
        raise ValueError(f"unknown training set {training_set!r}")
    return [getattr(dataset, name) for name in TRAINING_SPLITS[training_set]]


def training_size(dataset, training_set):
    """How many images an experiment trains on."""
    return sum(len(split.labels) for split in _splits(dataset, training_set))


def training_images(dataset, training_set):
    """The images and labels an experiment trains on: the book's training set, or with validation."""
    splits = _splits(dataset, training_set)
    if len(splits) == 1:
        return splits[0].images, splits[0].labels
    return np.concatenate([s.images for s in splits]), np.concatenate([s.labels for s in splits])


def validation_images(dataset, training_set):
    """The held-out images an estimator may watch (its eval_set): the book's validation set where the
    experiment does not train on it, else None (there is no held-out set but the test set)."""
    if "validation" in TRAINING_SPLITS[training_set] or len(dataset.validation.labels) == 0:
        return None
    return dataset.validation.images, dataset.validation.labels


# Where a fit takes the images to watch, by the names of its parameters, first match first (LightGBM
# 4.7 takes both eval_X and the deprecated eval_set): {parameter: what it is given, from (X, y)}.
VALIDATION_ARGUMENTS = (
    {"eval_X": lambda X, y: (X,), "eval_y": lambda X, y: (y,)},
    {"X_val": lambda X, y: X, "y_val": lambda X, y: y},
    {"eval_set": lambda X, y: [(X, y)]},
)


def validation_arguments(fit_method, validation):
    """The keyword arguments that give `validation` (images, labels) to `fit_method`, or {}."""
    if validation is None:
        return {}
    for arguments in VALIDATION_ARGUMENTS:
        if all(_takes(fit_method, name) for name in arguments):
            return {name: give(validation[0].copy(), validation[1].copy()) for name, give in arguments.items()}
    return {}


def held_back(estimator, n_given, validation_given):
    """How many of its `n_given` training images a fitted estimator held back to stop early on: its
    `validation_fraction` where early stopping was on (HistGradientBoosting's `do_early_stopping_`,
    MLP and SGD's `early_stopping`, GradientBoosting's `n_iter_no_change`) and it was not given the
    validation images; 0 otherwise. scikit-learn splits off ceil(fraction * n)."""
    fraction = getattr(estimator, "validation_fraction", None)
    if validation_given or isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or fraction <= 0:
        return 0
    size = int(np.ceil(fraction * n_given)) if fraction < 1 else int(fraction)  # an int is a count (HGB)
    stops_early = getattr(estimator, "do_early_stopping_", None)
    if stops_early is None:
        stops_early = getattr(estimator, "early_stopping", False) is True or (
            getattr(estimator, "n_iter_no_change", None) is not None and hasattr(estimator, "n_estimators_"))
    return size if stops_early else 0


def cpu_seconds():
    """CPU seconds used so far by every thread of this process and by the child processes that ended."""
    children = os.times()
    return time.process_time() + children.children_user + children.children_system


def _takes(method, parameter):
    try:
        return parameter in inspect.signature(method).parameters
    except (TypeError, ValueError):  # some callables have no signature
        return False


def checked_predictions(name, predictions, classes, n_test):
    """The predictions as an integer array, or an EvaluationError naming what is wrong with them."""
    try:
        predictions = np.asarray(predictions)
    except Exception as error:  # an object NumPy cannot make an array of
        raise EvaluationError(f"{name}: predict returned something that is not an array "
                              f"({type(error).__name__}: {error})") from error
    if predictions.shape != (n_test,):
        raise EvaluationError(f"{name}: predict returned shape {predictions.shape}, expected "
                              f"({n_test},): one label per test image")
    if predictions.dtype.kind not in "biuf" or not np.all(np.isin(predictions, classes)):
        strange = predictions[~np.isin(predictions, classes)] if predictions.dtype.kind in "biuf" else predictions
        raise EvaluationError(f"{name}: predict returned values that are not labels of the training "
                              f"classes {classes.tolist()} (e.g. {strange[:3].tolist()!r}, dtype {predictions.dtype}); "
                              "is it a regressor?")
    return predictions.astype(np.int64)


def _predict_test(name, model, dataset, classes):
    """The checked predictions of `model` on a copy of the test images."""
    try:
        predictions = model.predict(dataset.test.images.copy())
    except (Exception, SystemExit) as error:  # a plug-in may raise anything, even sys.exit()
        raise EvaluationError(f"{name}: {type(error).__name__} in predict: {error}") from error
    return checked_predictions(name, predictions, classes, len(dataset.test.labels))


@dataclass(frozen=True)
class Fitted:
    """What fitting measured: seconds (wall and CPU) of the estimator's own work; the test count after
    each epoch, scored by the runner (None for an estimator that does not report its epochs);
    whether fit was given the validation images; the classes it was trained on; and how many images
    it really trained on."""

    classes: np.ndarray
    seconds: float
    cpu_seconds: float
    test_history: list | None
    validation_given: bool
    n_trained: int


def fit(name, estimator, dataset, training_set, on_epoch=None):
    """Fit `estimator` as the protocol says (above) and return what was measured. `on_epoch(epoch,
    correct, n_test)` is told each test count as the runner scores it (for a progress line)."""
    images, labels = (a.copy() for a in training_images(dataset, training_set))
    classes = np.unique(labels)
    history, scoring = [], {"seconds": 0.0, "cpu_seconds": 0.0}
    kwargs = validation_arguments(estimator.fit, validation_images(dataset, training_set))
    validation_given = bool(kwargs)  # before epoch_callback joins them
    reports_epochs = _takes(estimator.fit, "epoch_callback")
    if reports_epochs:
        def epoch_callback(model, epoch):
            start, cpu_start = time.perf_counter(), cpu_seconds()
            try:
                snapshot = copy.deepcopy(model)  # what predict may keep of the test images, it keeps here
            except Exception as error:
                raise EvaluationError(f"{name}: epoch_callback was given a model that cannot be copied "
                                      f"({type(error).__name__}: {error}); give it one that can") from error
            correct = int(np.sum(_predict_test(name, snapshot, dataset, classes) == dataset.test.labels))
            history.append(correct)
            if on_epoch is not None:
                on_epoch(epoch, correct, len(dataset.test.labels))
            scoring["seconds"] += time.perf_counter() - start
            scoring["cpu_seconds"] += cpu_seconds() - cpu_start

        kwargs["epoch_callback"] = epoch_callback
    start, cpu_start = time.perf_counter(), cpu_seconds()
    try:
        estimator.fit(images, labels, **kwargs)
    except EvaluationError:  # the runner's own scoring between epochs found bad predictions
        raise
    except (Exception, SystemExit) as error:  # a plug-in may raise anything, even sys.exit(); this run only
        raise EvaluationError(f"{name}: {type(error).__name__} in fit: {error}") from error
    return Fitted(classes=classes, seconds=time.perf_counter() - start - scoring["seconds"],
                  cpu_seconds=cpu_seconds() - cpu_start - scoring["cpu_seconds"],
                  test_history=history if reports_epochs else None, validation_given=validation_given,
                  n_trained=len(labels) - held_back(estimator, len(labels), validation_given))


@dataclass(frozen=True)
class Measured:
    """The fitted estimator on the test images: its checked predictions, the seconds they took (wall and
    CPU), and the hooks it answered, raw (None where it has none or one was left out)."""

    predictions: np.ndarray
    seconds: float
    cpu_seconds: float
    test_rounds: list | None
    validation_history: list | None
    diagnostics: object
    backend: str | None


def _hook(name, read, check, warn):
    """The value of an estimator hook, or None with one line (through `warn`) saying why it was left out."""
    try:
        value = read()
    except Exception as error:  # a user's hook may raise anything; the run's predictions stay valid
        warn(f"warning: {name} raised {type(error).__name__}: {error}; left out of the run")
        return None
    if value is None:
        return None
    problem = check(value)
    if problem:
        warn(f"warning: {name} {problem}; left out of the run")
        return None
    return value


def _history_problem(value):
    if not isinstance(value, (list, tuple, np.ndarray)) or not all(
            isinstance(h, (int, np.integer)) and not isinstance(h, bool) for h in value):
        return "is not a list of whole numbers"
    return None


def rounds(estimator):
    """A function giving the predictions of a fitted boosting estimator after each of its rounds, one
    array per round (scikit-learn's staged_predict, LightGBM's predict(X, num_iteration=k)), or None."""
    staged = getattr(estimator, "staged_predict", None)
    if callable(staged):
        return lambda X: list(staged(X))
    booster = getattr(estimator, "booster_", None)
    if booster is not None and callable(getattr(booster, "current_iteration", None)) and _takes(
            estimator.predict, "num_iteration"):
        return lambda X: [estimator.predict(X, num_iteration=k) for k in range(1, booster.current_iteration() + 1)]
    return None


def _round_counts(estimator, images, labels):
    """The correct count on `images` after each round of a boosting estimator, or None."""
    predict_rounds = rounds(estimator)
    if predict_rounds is None:
        return None
    return [int(np.sum(np.asarray(predictions) == labels)) for predictions in predict_rounds(images.copy())]


def estimator_params(estimator, warn):
    """Every setting of `estimator` from its `get_params()`, each value as JSON holds it exactly (see
    the module's docstring); None for an estimator without get_params, or whose get_params misbehaves
    (said in one line through `warn`)."""
    get_params = getattr(estimator, "get_params", None)
    if not callable(get_params):
        return None
    params = _hook("get_params()", get_params,
                   lambda v: None if isinstance(v, dict) else f"returned a {type(v).__name__}, not a dict", warn)
    return None if params is None else {str(key): json_ready(value, exactly=True) for key, value in params.items()}


def measure(name, estimator, dataset, fitted, warn):
    """Predict the test images with the fitted `estimator` and read its hooks back (see above)."""
    start, cpu_start = time.perf_counter(), cpu_seconds()
    predictions = _predict_test(name, estimator, dataset, fitted.classes)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
    diagnose = getattr(estimator, "diagnose", None)
    validation_history = (_hook("history_", lambda: getattr(estimator, "history_", None), _history_problem, warn)
                          if fitted.validation_given else None)
    test_rounds = None
    if fitted.test_history is None:  # an estimator that reports no epochs may have boosting rounds
        test_rounds = _hook("per-round predictions", lambda: _round_counts(estimator, dataset.test.images,
                                                                           dataset.test.labels), lambda v: None, warn)
        if test_rounds and fitted.validation_given and validation_history is None:
            validation = dataset.validation
            validation_history = _hook("per-round predictions", lambda: _round_counts(
                estimator, validation.images, validation.labels), lambda v: None, warn)
    return Measured(
        predictions=predictions, seconds=seconds, cpu_seconds=cpu, test_rounds=test_rounds or None,
        validation_history=validation_history,
        diagnostics=_hook("diagnose()", lambda: diagnose(dataset.test.images.copy()) if callable(diagnose) else None,
                          lambda value: None, warn),
        backend=_hook("backend_", lambda: getattr(estimator, "backend_", None),
                      lambda v: None if isinstance(v, str) else f"is a {type(v).__name__}, not a string", warn))
