"""Results files: one JSON per (classifier, seed) run, and one per classifier collecting its runs.

`results/runs/NAME/seed-K.json` holds one run: counts, confusion matrix, the test predictions,
timings, the per-epoch history. `results/NAME.json` collects a classifier's runs with their summary
over seeds. Files are written atomically and read back with checks, so a corrupt file, or one made
from another data file, is reported by name and never mixed into a report.
"""

import json
import math
from pathlib import Path

from data.files import write_text_atomic
from reports.stats import spread, wilson_interval

RUN_SCHEMA = "mnist-chapter1/run/1"
CLASSIFIER_SCHEMA = "mnist-chapter1/classifier/1"
RESULTS_DIR = Path("results")


class ResultsError(Exception):
    """A results file that cannot be used; the message names it and says what to do."""


def run_path(name, seed, results_dir=RESULTS_DIR):
    return Path(results_dir) / "runs" / name / f"seed-{seed}.json"


def json_ready(value):
    """`value` as it reads back from JSON (tuples become lists), so stored and fresh parameters compare."""
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    return value


def write_json(path, obj):
    write_text_atomic(path, json.dumps(obj, indent=1) + "\n")


def read_json(path, schema, data_sha256=None):
    """The object in `path`, checked for its schema and (if given) the data file it was made from."""
    path = Path(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such results file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ResultsError(f"{path}: corrupt results file ({error}); delete it and run again") from error
    if not isinstance(obj, dict) or obj.get("schema") != schema:
        found = obj.get("schema") if isinstance(obj, dict) else type(obj).__name__
        raise ResultsError(f"{path}: not a {schema} results file (schema {found!r}); delete it and run again")
    if data_sha256 is not None and obj.get("data_sha256") != data_sha256:
        raise ResultsError(f"{path}: made from another data file (SHA-256 {obj.get('data_sha256')}, "
                           f"expected {data_sha256}); delete it and run again")
    return obj


def collect(runs):
    """One classifier's record from its runs: the runs themselves and their summary over seeds."""
    if not runs:
        raise ResultsError("no runs to collect")
    first = runs[0]
    for run in runs[1:]:
        for key in ("name", "factory", "params", "data_sha256", "n_test"):
            if run[key] != first[key]:
                raise ResultsError(f"{first['name']}: runs disagree on {key} ({first[key]!r} vs {run[key]!r}); "
                                   "delete the stale run files and run again")
    seeds = [run["seed"] for run in runs]
    if len(set(map(str, seeds))) != len(seeds):
        raise ResultsError(f"{first['name']}: the same seed appears twice in {seeds}")
    correct = spread([run["correct"] for run in runs])
    return {
        "schema": CLASSIFIER_SCHEMA,
        **{key: first[key] for key in ("name", "description", "factory", "params", "stochastic", "data_sha256",
                                       "n_train", "n_test")},
        "seeds": seeds,
        "summary": {
            "correct": correct,
            "accuracy_mean": correct["mean"] / first["n_test"],
            # Test-set uncertainty of one run at the mean accuracy (the seed spread is `correct`).
            "ci95": wilson_interval(round(correct["mean"]), first["n_test"]),
            "fit_seconds_mean": math.fsum(run["fit_seconds"] for run in runs) / len(runs),
            "predict_seconds_mean": math.fsum(run["predict_seconds"] for run in runs) / len(runs),
        },
        "runs": runs,
    }


def median_run(record):
    """The run whose correct count is the median (the lower one for an even number of runs): the
    representative used where one set of predictions must stand for a stochastic classifier."""
    runs = sorted(record["runs"], key=lambda run: run["correct"])
    return runs[(len(runs) - 1) // 2]
