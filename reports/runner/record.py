"""The run record: what one run file holds, its fields written once, built, checked and read here.

A run is one classifier with one seed. Its record has three parts:
- the header (HEADER), the same for a run that was computed and one that failed: what was run and
  its identity (reports/runner/identity.py), built by `Run.header` and nowhere else;
- the result (RESULT): the data, the test predictions and labels (every figure of a report is
  derived from them), the count of correct answers, timings (wall and CPU), the per-epoch test
  counts scored by the runner (`history`), the estimator's own per-epoch counts on the validation
  images (`validation_history`), what its hooks said, and every setting the estimator ran with, its
  `get_params()` defaults included (`estimator_params`: the reports describe a run from it; the
  header's `params`, part of the identity, holds only the keyword arguments its experiment gives); or, for a classifier that failed, `failed`:
  why, in one line, in their place;
- the stamp (STAMP): where and when it was computed, which changes no number.

A failure also keeps the last frames of the classifier's own exception (`traceback`: file, line and
code of each, the runner's frames left out), so that a plug-in's bug can be found from its run file.

A Run reads like the dict it is stored as (`run["correct"]`, `"failed" in run`), so the collectors,
the CSV tables and the figures take it as they take any mapping. `Run.from_json` checks everything a
run must satisfy before anything is shown: its schema, its fields, and counts that agree with its
predictions (a hand-edited count is caught).
"""

import datetime
import json
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np

from reports.runner.identity import RUN_SCHEMA, digest, identity, json_ready
# NUMERICS_VARIABLES: the environment variables whose values a stamp's machine records (those set).
from reports.runner.provenance import NUMERICS_VARIABLES, git_commit, machine, numerics  # noqa: F401

HEADER = ("schema", "name", "factory", "params", "stochastic", "seed", "training_set", "identity", "digest")
RESULT = ("data_sha256", "n_train", "n_test", "correct", "classes", "predictions", "test_labels", "fit_seconds",
          "predict_seconds", "fit_cpu_seconds", "predict_cpu_seconds", "history", "validation_history",
          "diagnostics", "backend", "estimator_params")
STAMP = ("provenance", "created")
HISTORIES = ("history", "validation_history")
FAILURE = ("failed", "traceback")  # a failure's record: why, and where (the traceback is optional)
TRACEBACK_FRAMES = 6  # the last frames of a classifier's exception kept in its failure record
RUNNER_CODE = "/reports/runner/"  # frames of the runner's own code, left out of a failure's traceback


class RunRecordError(ValueError):
    """A run record that does not hold together; the message says what is wrong with it."""


@dataclass(frozen=True, eq=False)
class Run(Mapping):
    """One run's record (see the module's docstring); build it with `Run.computed` or `Run.failure`."""

    schema: str
    name: str
    factory: str
    params: dict
    stochastic: bool
    seed: int | None
    training_set: str
    identity: dict
    digest: str
    provenance: dict
    created: str
    failed: str | None = None
    traceback: str | None = None
    data_sha256: str | None = None
    n_train: int | None = None
    n_test: int | None = None
    correct: int | None = None
    classes: list | None = None
    predictions: list | None = None
    test_labels: list | None = None
    fit_seconds: float | None = None
    predict_seconds: float | None = None
    fit_cpu_seconds: float | None = None
    predict_cpu_seconds: float | None = None
    history: list | None = None
    validation_history: list | None = None
    diagnostics: dict | None = None
    backend: str | None = None
    estimator_params: dict | None = None

    @staticmethod
    def header(experiment, seed, ident=None):
        """The header of a run of `experiment` with `seed`: what was run, and its identity (computed here
        unless given)."""
        ident = ident if ident is not None else identity(experiment, seed)
        return {"schema": RUN_SCHEMA, "name": experiment.name, "factory": experiment.factory,
                "params": json_ready(experiment.params), "stochastic": experiment.stochastic,
                "seed": seed if experiment.stochastic else None, "training_set": experiment.training_set,
                "identity": ident, "digest": digest(ident)}

    @staticmethod
    def stamp():
        return {"provenance": {"commit": git_commit(), "machine": machine(), "numerics": numerics()},
                "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}

    @classmethod
    def computed(cls, experiment, seed, **result):
        """The record of a computed run: the header, `result` (every RESULT field), the stamp."""
        missing = [name for name in RESULT if name not in result]
        if missing:
            raise RunRecordError(f"a computed run needs {', '.join(missing)}")
        return cls(**cls.header(experiment, seed), **cls.stamp(), **json_ready(result)).validate()

    @classmethod
    def failure(cls, experiment, seed, error, ident=None):
        """The record of a run that failed: what was tried and why, in place of a result. It is the
        result of these inputs, as a run is: the same command does not try again, a change does
        (or `--retry-failed`). The last frames of the exception that caused it are kept with it."""
        return cls(**cls.header(experiment, seed, ident), **cls.stamp(), failed=str(error), traceback=frames_of(error))

    def renamed(self, name):
        """This record under another classifier's name (a name is not part of a run's identity)."""
        return Run(**{**self._fields(), "name": name})

    # ---- as a mapping: the keys of the stored dict
    def keys(self):
        failure = ("failed", *(("traceback",) if self.traceback is not None else ()))
        return (*HEADER, *(failure if self.failed is not None else RESULT), *STAMP)

    def __getitem__(self, key):
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())

    def __eq__(self, other):
        return isinstance(other, Mapping) and dict(self) == dict(other)

    def _fields(self):
        return {field.name: getattr(self, field.name) for field in fields(self)}

    # ---- stored as JSON
    def to_json(self):
        return json.dumps(dict(self), indent=1) + "\n"

    @classmethod
    def from_json(cls, text):
        """The run stored as `text`, checked (RunRecordError, or a ValueError from JSON, otherwise)."""
        stored = json.loads(text)
        if not isinstance(stored, dict) or stored.get("schema") != RUN_SCHEMA:
            found = stored.get("schema") if isinstance(stored, dict) else type(stored).__name__
            raise SchemaError(f"not a {RUN_SCHEMA} run file (schema {found!r})")
        expected = (*HEADER, *(FAILURE if "failed" in stored else RESULT), *STAMP)
        missing = [key for key in expected if key not in stored and key != "traceback"]
        if missing:
            raise RunRecordError(f"no {', '.join(missing)}")
        unknown = sorted(set(stored) - set(expected))
        if unknown:
            raise RunRecordError(f"fields this version does not know: {', '.join(unknown)}")
        return cls(**stored).validate()

    def validate(self):
        """This record, if its predictions, labels and counts agree with each other; else RunRecordError."""
        if self.failed is not None:
            if not isinstance(self.failed, str):
                raise RunRecordError("its failure is not a message")
            if self.traceback is not None and not isinstance(self.traceback, str):
                raise RunRecordError("its traceback is not text")
            return self
        predictions, labels = self.predictions, self.test_labels
        if not (isinstance(predictions, list) and isinstance(labels, list) and len(predictions) == len(labels)
                == self.n_test):
            raise RunRecordError(f"{_length(predictions)} predictions and {_length(labels)} labels for n_test "
                              f"{self.n_test!r}")
        if not np.all(np.isin(predictions, self.classes)):
            raise RunRecordError("some predictions are not among its classes")
        correct = int(np.sum(np.asarray(predictions) == np.asarray(labels)))
        if self.correct != correct:
            raise RunRecordError(f"it says {self.correct!r} correct, its predictions give {correct}")
        if self.estimator_params is not None and not isinstance(self.estimator_params, dict):
            raise RunRecordError("its estimator_params are not a JSON object")
        if self.diagnostics is not None and not isinstance(self.diagnostics, dict):
            raise RunRecordError("its diagnostics are not a JSON object")
        for key in HISTORIES:
            history = getattr(self, key)
            if history is not None and not (isinstance(history, list) and all(type(h) is int for h in history)):
                raise RunRecordError(f"its {key.replace('_', ' ')} is not a list of whole numbers")
        return self


def frames_of(error):
    """The last frames of what raised `error` (its cause, for an error that names a classifier's own
    exception), as Python prints them, without the runner's frames; None when there are none."""
    cause = error.__cause__ if isinstance(error, BaseException) and error.__cause__ is not None else error
    if not isinstance(cause, BaseException) or cause.__traceback__ is None:
        return None
    frames = [frame for frame in traceback.extract_tb(cause.__traceback__)
              if RUNNER_CODE not in frame.filename.replace("\\", "/")][-TRACEBACK_FRAMES:]
    if not frames:
        return None
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(cause), cause)
    return "".join(lines).rstrip("\n")


class SchemaError(RunRecordError):
    """A file that is not a run of this version (another schema, or no run at all)."""


def _length(value):
    return len(value) if isinstance(value, list) else type(value).__name__
