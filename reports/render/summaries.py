"""From runs to what the reports show of each classifier: its runs, each with what is derived from
its predictions, and their summary over seeds (a "summary" below; the runs are Run records,
reports/runner/record.py, read once by the caller).

Every figure here is derived from the runs' stored predictions and test labels (each run file's
own count is checked against them when it is read), so no table can disagree with another.
"""

import math
from collections import Counter

import numpy as np

from reports.render.book import BOOK, description, settings
from reports.render.errors import RecordError
from reports.render.stats import seeds_and_images_interval, spread, wilson_interval

# What every run of one classifier must share; the seed (and so the identity's digest) may differ.
SHARED = ("factory", "params", "training_set", "data_sha256", "n_train", "n_test", "test_labels")


def derived(run):
    """The run with what the reports show, computed from its predictions and labels."""
    truth, predictions = np.asarray(run["test_labels"]), np.asarray(run["predictions"])
    classes = np.union1d(run["classes"], truth)
    # Rows: the true class, columns: the prediction (both are labels of `classes`, checked on reading).
    matrix = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(matrix, (np.searchsorted(classes, truth), np.searchsorted(classes, predictions)), 1)
    correct = int(np.trace(matrix))
    return {**run, "classes": classes.tolist(), "confusion": matrix.tolist(), "correct": correct,
            "accuracy": correct / len(truth), "ci95": wilson_interval(correct, len(truth)),
            "per_class_accuracy": (np.diag(matrix) / np.maximum(matrix.sum(axis=1), 1)).tolist()}


def settings_but_the_seed(run):
    """The settings a built-in's description is filled from (book.settings) but its seed, which the
    runner gives as `random_state` (reports/runner/factory.py) and which differs from run to run."""
    return {key: value for key, value in settings(run).items() if key != "random_state"}


def summary(runs, read_from=None):
    """One classifier's summary from its runs (already read and checked): runs sorted by seed, and
    their statistics over seeds. `read_from`: {(name, seed): the path a run was read from}, which a
    refusal of its file names (reports/render/book.py)."""
    runs = sorted((derived(run) for run in runs), key=lambda run: -1 if run["seed"] is None else run["seed"])
    first = runs[0]
    for run in runs[1:]:
        for key in SHARED:
            if run[key] != first[key]:
                raise RecordError(f"{first['name']}: its runs disagree on {key}; give the run files of one "
                                  "setting only")
        if first["name"] not in BOOK:  # a plug-in is described by its factory, not by its settings
            continue
        these, first_ones = settings_but_the_seed(run), settings_but_the_seed(first)
        differ = sorted(key for key in {**these, **first_ones} if these.get(key) != first_ones.get(key))
        if differ:  # the description, taken from one run, would not say what the others ran with
            raise RecordError(f"{first['name']}: its runs ran with different settings ({', '.join(differ)}); give "
                              "the run files of one setting only")
    correct = spread([run["correct"] for run in runs])
    return {
        "name": first["name"], "description": description(first, (read_from or {}).get((first["name"], first["seed"]))),
        **{key: first[key] for key in ("factory", "params", "stochastic", "training_set", "data_sha256",
                                       "n_train", "n_test")},
        "seeds": [run["seed"] for run in runs],
        "summary": {
            "correct": correct,
            "accuracy_mean": correct["mean"] / first["n_test"],
            "fit_seconds_mean": math.fsum(run["fit_seconds"] for run in runs) / len(runs),
            "predict_seconds_mean": math.fsum(run["predict_seconds"] for run in runs) / len(runs),
        },
        "runs": runs,
    }


def with_interval(record):
    """The record with its summary's two-sided 95% accuracy interval, "ci95", and what it covers,
    "ci95_covers" (`accuracy_interval`): computed where a report shows it, as over many seeds it costs
    seconds."""
    interval, covers = accuracy_interval(record["runs"])
    return {**record, "summary": {**record["summary"], "ci95": interval, "ci95_covers": covers}}


def accuracy_interval(runs):
    """The two-sided 95% interval of a classifier's accuracy from its (derived) runs, and what it covers:
    for runs over several seeds that differ, of the mean over seeds, from seeds and test images together
    (the two-level bootstrap); for one run, or seeds that predict alike, that run's, from the test images
    alone (Wilson)."""
    if len(runs) > 1 and any(run["predictions"] != runs[0]["predictions"] for run in runs[1:]):
        right = [np.asarray(run["predictions"]) == np.asarray(run["test_labels"]) for run in runs]
        return seeds_and_images_interval(right), "seeds and images"
    return wilson_interval(runs[0]["correct"], runs[0]["n_test"]), "one run's, images"


def summaries_of(runs, read_from=None):
    """(summaries, failures): the summaries of `runs`, classifiers in order of first appearance, and
    the runs of plug-ins that failed. `read_from`: {(name, seed): the path a run was read from}."""
    runs = list(runs)
    repeated = [key for key, n in Counter((run["name"], run["seed"]) for run in runs).items() if n > 1]
    if repeated:
        raise RecordError("the same run is given twice: " + ", ".join(
            f"{name}" + (f" seed {seed}" if seed is not None else "") for name, seed in repeated))
    failures = [run for run in runs if "failed" in run]
    by_name = {}
    for run in runs:
        if "failed" not in run:
            by_name.setdefault(run["name"], []).append(run)
    if not by_name:
        raise RecordError("every run given failed: " + "; ".join(run["failed"] for run in failures))
    records = [summary(group, read_from) for group in by_name.values()]
    test_sets = {tuple(r["runs"][0]["test_labels"]) for r in records}
    if len(test_sets) > 1 or len({r["data_sha256"] for r in records}) > 1:
        raise RecordError("the runs were tested on different data; render runs of one data file together")
    return records, failures


def deterministic(record):
    """True for a classifier whose runs do not depend on the seed: one that takes none, or one that
    takes a seed and ignores it (every seed predicted alike, as the probe found out). Its run is then
    shown without a seed: "seed 0" would say that another seed could differ."""
    runs = record["runs"]
    return not record["stochastic"] or (len(runs) > 1 and all(run["predictions"] == runs[0]["predictions"]
                                                              for run in runs[1:]))


def median_run(record):
    """The run whose correct count is the median (the lower one for an even number of runs): the
    representative used where one set of predictions must stand for a stochastic classifier."""
    runs = sorted(record["runs"], key=lambda run: run["correct"])
    return runs[(len(runs) - 1) // 2]
