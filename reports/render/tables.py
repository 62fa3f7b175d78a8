"""The runs as two CSV tables beside the report, for pandas, a spreadsheet or Python's csv module.

runs.csv has one row per classifier and seed, epochs.csv one row per classifier, seed and epoch;
every column is described in docs/results-files.md (a test holds the two together). Columns are only
ever added at the end.
"""

import csv
import io
import json

from common.files import write_text_atomic
from reports.render.book import BOOK
from reports.render.epochs import epochs

RUNS_COLUMNS = ("classifier", "seed", "correct", "n_test", "accuracy", "best_epoch", "best_epoch_correct",
                "fit_seconds", "predict_seconds", "backend", "digest", "n_train",
                "spec", "params", "fit_cpu_seconds", "predict_cpu_seconds", "created", "chosen_epoch",
                "chosen_epoch_correct", "saturated_outputs", "estimator_params")
EPOCHS_COLUMNS = ("classifier", "seed", "epoch", "correct", "validation_correct")


def _blank(value):
    return "" if value is None else value


def _seconds(value):
    return "" if value is None else f"{value:.3f}"  # milliseconds: the digits beyond are one timer's noise


def spec_of(name, factory, params):
    """The spec that names this classifier again: a built-in's name, or a plug-in's
    `NAME=package.module:attr key=value ...` with each value written as a Python literal (its repr),
    which reports/runner/registry.py reads back to the same factory and parameters."""
    if name in BOOK:
        return name
    return " ".join([f"{name}={factory}", *(f"{key}={value!r}" for key, value in params.items())])


def _settings(run):
    """Every setting the run's estimator ran with (its stored `estimator_params`), as compact JSON; empty
    where its estimator has no get_params()."""
    stored = run.get("estimator_params")
    return "" if stored is None else json.dumps(stored, separators=(",", ":"))


def _saturated(run):
    """The run's saturated output neurons, space-separated; empty for a run without that diagnosis."""
    found = (run.get("diagnostics") or {}).get("saturated_outputs")
    return "" if found is None else " ".join(map(str, found))


def runs_rows(records):
    """One dict per run, keyed by RUNS_COLUMNS."""
    rows = []
    for record in records:
        for run in record["runs"]:
            found = epochs(run)
            rows.append({
                "classifier": record["name"], "seed": _blank(run["seed"]), "correct": run["correct"],
                "n_test": run["n_test"], "accuracy": run["correct"] / run["n_test"],
                "best_epoch": "" if found is None else found.best_on_test_epoch,
                "best_epoch_correct": "" if found is None else found.best_on_test,
                "fit_seconds": _seconds(run["fit_seconds"]), "predict_seconds": _seconds(run["predict_seconds"]),
                "backend": _blank(run.get("backend")), "digest": run["digest"], "n_train": run["n_train"],
                "spec": spec_of(record["name"], run["factory"], run["params"]), "params": json.dumps(run["params"]),
                "fit_cpu_seconds": _seconds(run.get("fit_cpu_seconds")),
                "predict_cpu_seconds": _seconds(run.get("predict_cpu_seconds")), "created": _blank(run.get("created")),
                "chosen_epoch": "" if found is None else _blank(found.chosen_epoch),
                "chosen_epoch_correct": "" if found is None else _blank(found.chosen),
                "saturated_outputs": _saturated(run), "estimator_params": _settings(run),
            })
    return rows


def epochs_rows(records):
    """One dict per run and epoch, keyed by EPOCHS_COLUMNS."""
    return [{"classifier": record["name"], "seed": _blank(run["seed"]), "epoch": epoch, "correct": correct,
             "validation_correct": validation[epoch] if epoch < len(validation) else ""}
            for record in records for run in record["runs"]
            for validation in [run.get("validation_history") or []]
            for epoch, correct in enumerate(run.get("history") or [])]


def csv_text(columns, rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_tables(records, directory, prefix=""):
    """Write runs.csv and epochs.csv (each name after `prefix`: the chapter's are chapter-runs.csv and
    chapter-epochs.csv) into `directory`, each atomically; return their paths."""
    runs_csv, epochs_csv = directory / f"{prefix}runs.csv", directory / f"{prefix}epochs.csv"
    write_text_atomic(runs_csv, csv_text(RUNS_COLUMNS, runs_rows(records)))
    write_text_atomic(epochs_csv, csv_text(EPOCHS_COLUMNS, epochs_rows(records)))
    return runs_csv, epochs_csv
