"""Run files: one JSON per (classifier, seed), written atomically, read back with every check.

`results/runs/NAME/seed-K.DIGEST.json` (or `run.DIGEST.json` for a deterministic classifier) holds
one run: its identity, the test predictions and labels, the count of correct answers, timings (wall
and CPU), the per-epoch test counts (`history`, scored by the runner), the estimator's own per-epoch
counts on the validation images (`validation_history`) and provenance; a plug-in that failed leaves a run file that says why
(`failed`) in their place. Every figure a report shows is derived from the predictions and
labels; the stored count is only checked against them, so a file whose numbers disagree with its
predictions is reported as corrupt, never shown.
"""

import json
from pathlib import Path

import numpy as np

from data.files import write_text_atomic
from reports.runner.identity import RUN_SCHEMA

# A run that failed (a plug-in's error) keeps what was tried and why, in place of predictions.
FAILED = ("name", "factory", "params", "stochastic", "seed", "identity", "failed")
REQUIRED = ("name", "factory", "params", "stochastic", "seed", "identity", "n_train", "n_test", "correct",
            "classes", "predictions", "test_labels", "fit_seconds", "predict_seconds", "fit_cpu_seconds",
            "predict_cpu_seconds", "history", "validation_history")


class StoreError(Exception):
    """A run file that cannot be used; the message names it and says what to do."""


def write_run(path, run):
    write_text_atomic(path, json.dumps(run, indent=1) + "\n")


def _corrupt(path, why):
    return StoreError(f"{path}: corrupt run file ({why}); delete it and run the same command again")


def read_run(path):
    """The run stored at `path`, checked: schema, fields, and counts that agree with the predictions."""
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path}: a directory, not a run file")
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{path}: no such run file") from None
    except OSError as error:
        raise StoreError(f"{path}: cannot read it ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        if path.suffix != ".json" or "runs" not in path.parts:
            raise StoreError(f"{path}: not a run file of this project (not JSON)") from None
        raise _corrupt(path, f"not JSON: {error}") from None
    if not isinstance(run, dict) or run.get("schema") != RUN_SCHEMA:
        found = run.get("schema") if isinstance(run, dict) else type(run).__name__
        raise StoreError(f"{path}: not a {RUN_SCHEMA} run file (schema {found!r}); run the same command again "
                         "to compute it with this version")
    missing = [key for key in (FAILED if "failed" in run else REQUIRED) if key not in run]
    if missing:
        raise _corrupt(path, f"no {', '.join(missing)}")
    if "failed" not in run:
        check_counts(run, path)
    return run


def check_counts(run, path="run"):
    """Raise StoreError unless the run's predictions, labels and counts agree with each other."""
    predictions, labels = run["predictions"], run["test_labels"]
    if not (isinstance(predictions, list) and isinstance(labels, list) and len(predictions) == len(labels)
            == run["n_test"]):
        raise _corrupt(path, f"{_length(predictions)} predictions and {_length(labels)} labels for "
                             f"n_test {run['n_test']!r}")
    if not np.all(np.isin(predictions, run["classes"])):
        raise _corrupt(path, "some predictions are not among its classes")
    correct = int(np.sum(np.asarray(predictions) == np.asarray(labels)))
    if run["correct"] != correct:
        raise _corrupt(path, f"it says {run['correct']!r} correct, its predictions give {correct}")
    for key in ("history", "validation_history"):
        history = run[key]
        if history is not None and not (isinstance(history, list) and all(type(h) is int for h in history)):
            raise _corrupt(path, f"its {key.replace('_', ' ')} is not a list of whole numbers")


def _length(value):
    return len(value) if isinstance(value, list) else type(value).__name__
