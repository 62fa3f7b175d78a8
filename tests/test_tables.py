"""runs.csv and epochs.csv: plain CSV that agrees with the runs, whatever the classifiers are called."""

import copy
import csv
import dataclasses
import datetime
import json
import re
from pathlib import Path

import numpy as np
import pytest

from reports.render import tables
from reports.render.summaries import summary
from reports.render.write import write_report
from reports.runner.evaluate import evaluate
from reports.runner.experiments import BY_NAME
from reports.runner.identity import digest
from tests.records import runs_of
from reports.runner.registry import parse_plugin


@pytest.fixture(scope="module")
def digit_records(digits_mnist):
    """darkness (deterministic, no history), random over 3 seeds, and a short network with a history."""
    network = dataclasses.replace(BY_NAME["network"], params=dict(BY_NAME["network"].params, epochs=3))
    return [summary([evaluate(experiment, seed, digits_mnist, quiet=True) for seed in seeds])
            for experiment, seeds in [(BY_NAME["darkness"], [0]), (BY_NAME["random"], [0, 1, 2]), (network, [4, 1])]]


def read(path):
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_runs_csv_has_one_row_per_run_that_agrees_with_its_predictions(digit_records, tmp_path):
    runs_csv, _ = tables.write_tables(digit_records, tmp_path)
    rows = read(runs_csv)
    assert tuple(rows[0]) == tables.RUNS_COLUMNS
    runs = [(r, run) for r in digit_records for run in r["runs"]]
    assert [(row["classifier"], row["seed"]) for row in rows] == [
        ("darkness", ""), ("random", "0"), ("random", "1"), ("random", "2"), ("network", "1"), ("network", "4")]
    for row, (r, run) in zip(rows, runs):
        correct = int(np.sum(np.array(run["predictions"]) == np.array(run["test_labels"])))
        assert int(row["correct"]) == correct and int(row["n_test"]) == len(run["test_labels"])
        assert float(row["accuracy"]) == correct / len(run["test_labels"])
        assert int(row["n_train"]) == 1000 and row["digest"] == digest(run["identity"])
        assert float(row["fit_seconds"]) == pytest.approx(run["fit_seconds"], abs=5e-4)
        if run["history"]:
            best = int(row["best_epoch"])
            assert run["history"][best] == max(run["history"]) == int(row["best_epoch_correct"])
            assert best == run["history"].index(max(run["history"]))  # the first best epoch
            chosen = int(row["chosen_epoch"])
            assert chosen == run["validation_history"].index(max(run["validation_history"]))
            assert int(row["chosen_epoch_correct"]) == run["history"][chosen]
        else:
            assert row["best_epoch"] == row["best_epoch_correct"] == row["chosen_epoch"] == ""


def test_epochs_csv_lists_every_epoch_of_every_run_with_a_history(digit_records, tmp_path):
    _, epochs_csv = tables.write_tables(digit_records, tmp_path)
    rows = read(epochs_csv)
    assert tuple(rows[0]) == tables.EPOCHS_COLUMNS
    expected = [("network", str(run["seed"]), str(epoch), str(correct), str(validation))
                for run in digit_records[2]["runs"]
                for epoch, (correct, validation) in enumerate(zip(run["history"], run["validation_history"]))]
    assert [tuple(row.values()) for row in rows] == expected and len(expected) == 6


def test_a_name_with_a_comma_and_quotes_survives(digit_records, tmp_path):
    odd = copy.deepcopy(digit_records[2])
    odd["name"] = 'net, "wide"\nsecond line'
    runs_csv, epochs_csv = tables.write_tables([odd], tmp_path)
    assert {row["classifier"] for row in read(runs_csv)} == {odd["name"]}
    assert {row["classifier"] for row in read(epochs_csv)} == {odd["name"]}


def test_every_column_is_documented_in_the_docs():
    docs = (Path(__file__).parents[1] / "docs" / "results-files.md").read_text(encoding="utf-8")
    runs_part, epochs_part = docs.split("## runs.csv")[1].split("## epochs.csv")
    for columns, part in ((tables.RUNS_COLUMNS, runs_part), (tables.EPOCHS_COLUMNS, epochs_part)):
        documented = re.findall(r"^\| `(\w+)` \|", part, flags=re.MULTILINE)
        assert documented == list(columns)  # every column, in the file's order, and nothing else


def test_runs_csv_carries_the_spec_parameters_cpu_seconds_and_when(digits_mnist, digit_records, tmp_path):
    knn = summary([evaluate(parse_plugin("knn=tests.plugins:nearest_neighbours n_neighbors=3"), 0, digits_mnist,
                           quiet=True)])
    network = copy.deepcopy(digit_records[2])
    network["runs"][0].update(fit_cpu_seconds=12.34567, predict_cpu_seconds=0.5)
    del network["runs"][1]["fit_cpu_seconds"]  # as a run computed before CPU seconds were recorded
    rows = read(tables.write_tables([knn, network], tmp_path)[0])
    assert rows[0]["spec"] == "knn=tests.plugins:nearest_neighbours n_neighbors=3"
    again = parse_plugin(rows[0]["spec"])  # the spec names the same classifier again
    assert (again.factory, again.params) == ("tests.plugins:nearest_neighbours", json.loads(rows[0]["params"]))
    assert json.loads(rows[0]["params"]) == {"n_neighbors": 3}
    # What it really ran with: every setting, the defaults its spec does not name included.
    ran_with = json.loads(rows[0]["estimator_params"])
    assert ran_with == knn["runs"][0]["estimator_params"] and ran_with["n_neighbors"] == 3
    assert ran_with["weights"] == "uniform" and " " not in rows[0]["estimator_params"]  # compact
    assert json.loads(rows[1]["estimator_params"])["mini_batch_size"] == 10  # the network's default
    assert rows[1]["spec"] == "network" and json.loads(rows[1]["params"]) == network["runs"][0]["params"]
    assert json.loads(rows[1]["params"])["hidden_sizes"] == [30]
    assert (rows[1]["fit_cpu_seconds"], rows[1]["predict_cpu_seconds"]) == ("12.346", "0.500")
    assert rows[0]["fit_cpu_seconds"] == f"{knn['runs'][0]['fit_cpu_seconds']:.3f}"
    assert rows[2]["fit_cpu_seconds"] == ""  # not recorded: empty, not 0
    for row, run in zip(rows, [*knn["runs"], *network["runs"]]):
        assert row["created"] == run["created"]
        assert datetime.datetime.fromisoformat(row["created"]).tzinfo is not None


def test_the_report_writes_the_tables_beside_itself(digit_records, tmp_path):
    out = tmp_path / "plugin-example" / "report.md"
    write_report("report", runs_of(copy.deepcopy(digit_records)), out, tmp_path / "figures", "make report",
                 rendered_at="abc")
    assert len(read(out.parent / "runs.csv")) == 6 and len(read(out.parent / "epochs.csv")) == 6
    assert not (tmp_path / "runs.csv").exists()
