"""The runs as two CSV tables beside the report, for pandas, a spreadsheet or Python's csv module.

runs.csv, one row per classifier and seed (classifiers in the report's order, seeds ascending):
  classifier          the classifier's name
  seed                its seed; empty for a deterministic classifier
  correct             test images classified correctly after training (counted from the predictions)
  n_test              test images
  accuracy            correct / n_test
  best_epoch          the epoch (0 first, as the book counts) with the most correct test images, the
                      first such epoch on a tie: chosen on the test set, as the book does; empty for a
                      classifier without per-epoch history
  best_epoch_correct  the correct count at best_epoch; empty likewise
  fit_seconds         seconds to fit, on the machine that computed the run
  predict_seconds     seconds to predict the test images
  backend             the library that did the work, where the classifier names one; else empty
  digest              the digest of the run's identity, as in its file name (seed-K.DIGEST.json)
  n_train             training images
  chosen_epoch        the epoch with the most correct validation images (the first on a tie): chosen on
                      the validation set; empty for a classifier without both per-epoch histories
  chosen_epoch_correct  the correct count of test images at chosen_epoch; empty likewise

epochs.csv, one row per classifier, seed and epoch, for the runs with a per-epoch history:
  classifier, seed    as in runs.csv
  epoch               0 first
  correct             test images classified correctly after that epoch (scored by the runner)
  validation_correct  validation images classified correctly after that epoch (the classifier's own
                      count on its eval_set); empty for a run without a validation history

Plain CSV: a header row, comma-separated, fields quoted only where needed (a name with a comma or
a quote survives), "\\n" line ends, UTF-8. Columns are only ever added at the end.
"""

import csv
import io

from data.files import write_text_atomic
from reports.render.epochs import epochs
from reports.runner.identity import digest

RUNS_COLUMNS = ("classifier", "seed", "correct", "n_test", "accuracy", "best_epoch", "best_epoch_correct",
                "fit_seconds", "predict_seconds", "backend", "digest", "n_train", "chosen_epoch",
                "chosen_epoch_correct")
EPOCHS_COLUMNS = ("classifier", "seed", "epoch", "correct", "validation_correct")


def _blank(value):
    return "" if value is None else value


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
                # Milliseconds: the digits beyond are noise from one machine's timer.
                "fit_seconds": f"{run['fit_seconds']:.3f}", "predict_seconds": f"{run['predict_seconds']:.3f}",
                "backend": _blank(run.get("backend")), "digest": digest(run["identity"]), "n_train": run["n_train"],
                "chosen_epoch": "" if found is None else _blank(found.chosen_epoch),
                "chosen_epoch_correct": "" if found is None else _blank(found.chosen),
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


def write_tables(records, directory):
    """Write runs.csv and epochs.csv into `directory`, each atomically; return their paths."""
    runs_csv, epochs_csv = directory / "runs.csv", directory / "epochs.csv"
    write_text_atomic(runs_csv, csv_text(RUNS_COLUMNS, runs_rows(records)))
    write_text_atomic(epochs_csv, csv_text(EPOCHS_COLUMNS, epochs_rows(records)))
    return runs_csv, epochs_csv
