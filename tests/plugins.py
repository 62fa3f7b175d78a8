"""Plug-in factories for the runner's tests, imported by name as `tests.plugins:ATTR`."""

import os
import signal
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.neighbors import KNeighborsClassifier

from baselines.darkness import AverageDarknessClassifier

NOT_A_FACTORY = 42


def nearest_neighbours(n_neighbors=1):
    """A good plug-in: a deterministic scikit-learn estimator."""
    return KNeighborsClassifier(n_neighbors=n_neighbors)


def not_an_estimator():
    """Callable, but what it returns has no fit/predict."""
    return "hello"


def factory_raises():
    """A factory that fails before there is an estimator at all."""
    raise ValueError("no such setting")


class FitRaises:
    """An estimator whose fit fails, as a buggy plug-in would."""

    def fit(self, X, y):
        raise RuntimeError("out of cheese")

    def predict(self, X):
        return X[:, 0]


class PredictsFloats:
    """A regressor mistaken for a classifier: its predictions are not labels."""

    def fit(self, X, y):
        return self

    def predict(self, X):
        return X[:, 0] + 0.5


class PredictsNaN(PredictsFloats):
    def predict(self, X):
        return np.full(len(X), np.nan)


class PredictsTooFew(PredictsFloats):
    def predict(self, X):
        return np.zeros(len(X) - 1, dtype=int)


class ExitsInFit(PredictsFloats):
    """Calls sys.exit(0) in fit, which must not end the runner with status 0 and nothing written."""

    def fit(self, X, y):
        sys.exit(0)


class BrokenHooks:
    """Predicts well enough, but every optional hook the runner reads is broken."""

    backend_ = object()  # not a string
    history_ = [1.5, "two"]  # not whole numbers (read because fit takes eval_set)

    def fit(self, X, y, eval_set=None):
        self.label_ = int(np.bincount(y).argmax())
        return self

    def predict(self, X):
        return np.full(len(X), self.label_)

    def diagnose(self, X):
        raise RuntimeError("cannot explain myself")


class IgnoresItsSeed:
    """Takes random_state and ignores it, like scikit-learn's SVC: deterministic. Counts its fits."""

    fits = 0

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        type(self).fits += 1
        self.label_ = int(np.bincount(y).argmax())
        return self

    def predict(self, X):
        return np.full(len(X), self.label_)


class ScribblesOnItsInput:
    """Stochastic, and modifies the arrays it is given in place: each fit must get its own copy."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        rng = np.random.default_rng(self.random_state)
        self.prior_ = np.bincount(y, minlength=10) / len(y)
        self.choice_ = rng.choice(10, size=4)
        X[:] = 0  # vandalism
        y[:] = 0
        return self

    def predict(self, X):
        answers = np.where(X.sum(axis=1) > X.sum(axis=1).mean(), self.choice_[0], self.choice_[1])
        X[:] = 1
        return answers


class Gate:
    """Darkness behind a gate: `fit` leaves a file `started-PID-SEED` in the directory `gate` (naming
    the process it runs in), then waits until a file `open` or `open-SEED` appears there. A test can
    so catch a process in the middle of a run, kill or interrupt it, and open the gate."""

    def __init__(self, gate, random_state=None):
        self.gate, self.random_state = gate, random_state

    def fit(self, X, y):
        gate = Path(self.gate)
        (gate / f"started-{os.getpid()}-{self.random_state}").touch()
        while not ((gate / "open").exists() or (gate / f"open-{self.random_state}").exists()):
            time.sleep(0.05)
        self.model_ = AverageDarknessClassifier().fit(X, y)
        return self

    def predict(self, X):
        return self.model_.predict(X)


class NumpyHooks(BrokenHooks):
    """Hooks that answer in NumPy types, as many estimators do: kept, as plain JSON."""

    backend_ = "numpy-hooks"
    history_ = np.array([3, 4, 5])

    def diagnose(self, X):
        return {"mean_pixel": np.float32(X.mean()), "counts": np.bincount(np.zeros(3, dtype=int))}


class Spy:
    """Records every array it is given, and whether it was given while fitting, so a test can check by
    content that no test row ever reaches training. Predicts the majority label."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def _saw(self, where, *arrays):
        self.__dict__.setdefault("seen_", []).extend(
            (where, getattr(self, "fitting_", False), np.array(a, copy=True)) for a in arrays)

    def fit(self, X, y):
        self.fitting_ = True
        self._saw("fit", X, y)
        self.label_ = int(np.bincount(y).argmax())
        self.fitting_ = False
        return self

    def predict(self, X):
        self._saw("predict", X)
        return np.full(len(X), self.label_)

    def diagnose(self, X):
        self._saw("diagnose", X)
        return None


class SpyWithEvalSet(Spy):
    """A spy that takes an eval_set, like XGBoost and LightGBM: it reports a history_ on it."""

    def fit(self, X, y, eval_set=None):
        self.fitting_ = True
        self._saw("fit", X, y, *(a for pair in eval_set or [] for a in pair))
        self.label_ = int(np.bincount(y).argmax())
        self.history_ = [int(np.sum(pair[1] == self.label_)) for pair in eval_set or []]
        self.fitting_ = False
        return self


class SpyWithPartialFit(Spy):
    """A spy that trains epoch by epoch with partial_fit, as SGDClassifier can: fit calls it thrice."""

    def partial_fit(self, X, y, classes=None):
        self._saw("partial_fit", X, y)
        self.label_ = int(np.bincount(y).argmax())
        return self

    def fit(self, X, y):
        self.fitting_ = True
        for _ in range(3):
            self.partial_fit(X, y)
        self.fitting_ = False
        return self


class SpyWithEpochs(SpyWithEvalSet):
    """A spy that reports its epochs through the runner's epoch_callback, and takes an eval_set."""

    def fit(self, X, y, eval_set=None, epoch_callback=None):
        self.fitting_ = True
        self._saw("fit", X, y, *(a for pair in eval_set or [] for a in pair))
        self.history_ = []
        for epoch in range(3):
            self.label_ = int(np.bincount(y[:100 * (epoch + 1)]).argmax())
            self.history_.append(int(np.sum(eval_set[0][1] == self.label_)) if eval_set else 0)
            if epoch_callback is not None:
                epoch_callback(self, epoch)
        self.fitting_ = False
        return self


class PassesOptionsThrough(BaseEstimator):
    """Like LightGBM's estimators: named parameters, and **kwargs passed on to a library, which
    `get_params` lists beside the named ones."""

    def __init__(self, n_estimators=100, learning_rate=0.1, **options):
        self.n_estimators, self.learning_rate, self.options = n_estimators, learning_rate, options

    def get_params(self, deep=True):
        return {"n_estimators": self.n_estimators, "learning_rate": self.learning_rate, **self.options}

    def fit(self, X, y):
        raise AssertionError("a parameter check must not fit")


def options_function(**options):
    """A function factory with **kwargs: its names cannot be known before it runs."""
    return nearest_neighbours()


class Warns:
    """Warns on every fit and predict, as libraries do (a convergence warning, say): seeded, so run
    over seeds, each of which warns the same."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        warnings.warn("this estimator is noisy", UserWarning)
        self.label_ = int(np.bincount(y).argmax())
        return self

    def predict(self, X):
        warnings.warn("this estimator is noisy", UserWarning)
        return np.full(len(X), self.label_)


def _explode(when):
    raise ValueError(f"boom: my {when} is broken")


class Explodes(BaseEstimator):
    """A plug-in whose fit (or predict) fails inside a helper of its own: its frames must be kept."""

    def __init__(self, when="fit"):
        self.when = when

    def fit(self, X, y):
        if self.when == "fit":
            _explode(self.when)
        self.label_ = int(np.bincount(y).argmax())
        return self

    def predict(self, X):
        if self.when == "predict":
            _explode(self.when)
        return np.full(len(X), self.label_)


class NoGetParams:
    """Fit and predict, no get_params(): its one parameter is kept as an attribute of the same name."""

    def __init__(self, label=3):
        self.label = label

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.full(len(X), self.label)


class KillsItsProcessOnce(PredictsFloats):
    """Its first fit kills the process computing it from outside (SIGKILL: a worker lost, as a user's
    `kill -9` or the OOM killer would); `marker`, a file, says it already did. The next fit answers."""

    def __init__(self, marker):
        self.marker = marker

    def fit(self, X, y):
        if not os.path.exists(self.marker):
            Path(self.marker).touch()
            os.kill(os.getpid(), signal.SIGKILL)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


class Segfaults(PredictsFloats):
    """A plug-in whose fit crashes its process, as a bug in compiled code does."""

    def fit(self, X, y):
        os.abort()
