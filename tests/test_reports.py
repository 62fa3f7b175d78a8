"""The runner end to end on scikit-learn's 8x8 digits: evaluate, collect, render, and every bad input."""

import json
import re

import numpy as np
import pytest

import reports.__main__ as cli
from reports import results
from reports.chapter1 import BY_NAME
from reports.evaluate import evaluate
from reports.registry import RegistryError, parse_plugin, resolve

@pytest.fixture(scope="module")
def digits(digits_mnist):
    return digits_mnist


@pytest.fixture
def cli_on_digits(digits, monkeypatch, tmp_path):
    """Run the command line in tmp_path with the digits standing in for MNIST."""
    monkeypatch.setattr(cli, "load_mnist", lambda: digits)
    monkeypatch.chdir(tmp_path)

    def run(*argv):
        return cli.main([*argv])

    return run


def test_evaluate_records_counts_predictions_and_history(digits):
    run = evaluate(BY_NAME["network"], 3, digits)
    n_test = len(digits.test.labels)
    assert run["seed"] == 3 and run["n_test"] == n_test
    assert run["correct"] == int(np.sum(np.array(run["predictions"]) == digits.test.labels))
    assert run["correct"] > 0.9 * n_test
    assert np.trace(run["confusion"]) == run["correct"] and np.sum(run["confusion"]) == n_test
    assert len(run["history"]) == 30 and run["history"][-1] == run["correct"]
    assert run["ci95"][0] < run["accuracy"] < run["ci95"][1]
    assert run["data_sha256"] == digits.sha256 and run["versions"]["scikit-learn"]


def test_deterministic_classifier_ignores_the_seed(digits):
    run = evaluate(BY_NAME["darkness"], 7, digits)
    assert run["seed"] is None and run["history"] is None


def test_run_and_record_round_trip_through_json(digits, tmp_path):
    runs = [evaluate(BY_NAME["random"], seed, digits) for seed in range(3)]
    for seed, run in enumerate(runs):
        results.write_json(results.run_path("random", seed, tmp_path), run)
    back = [results.read_json(results.run_path("random", s, tmp_path), results.RUN_SCHEMA, digits.sha256) for s in range(3)]
    assert back == json.loads(json.dumps(runs))
    record = results.collect(back)
    counts = [run["correct"] for run in runs]
    assert record["summary"]["correct"]["min"] == min(counts) and record["summary"]["correct"]["max"] == max(counts)
    assert record["seeds"] == [0, 1, 2]


def test_collect_refuses_runs_of_different_settings(digits):
    a = evaluate(BY_NAME["network"], 0, digits)
    b = dict(a, params=dict(a["params"], eta=1.0), seed=1)
    with pytest.raises(results.ResultsError, match="disagree on params"):
        results.collect([a, b])


def test_make_report_pipeline_from_the_command_line(cli_on_digits, tmp_path, capsys, digits):
    plugin = "knn=tests.plugins:nearest_neighbours"
    assert cli_on_digits("evaluate", "darkness", "--seed", "0") == 0
    assert cli_on_digits("collect", "darkness", "results/runs/darkness/seed-0.json", "--out", "results/darkness.json",
                         "--data-sha256", digits.sha256) == 0
    assert cli_on_digits("evaluate", "random", "--seeds", "3", "--collect", "results/random.json") == 0
    assert cli_on_digits("evaluate", plugin, "--seeds", "3", "--collect", "results/knn.json") == 0
    records = ["results/random.json", "results/darkness.json", "results/knn.json"]
    assert cli_on_digits("render", *records, "--data-sha256", digits.sha256) == 0

    # A deterministic plug-in runs once, whatever --seeds says.
    assert len(json.loads((tmp_path / "results/knn.json").read_text())["runs"]) == 1
    report = (tmp_path / "results/report.md").read_text()
    for name in ("random", "darkness", "knn"):
        assert f"| {name} " in report
        assert (tmp_path / f"results/figures/confusion-{name}.png").read_bytes()[:4] == b"\x89PNG"
    assert "McNemar" in report and re.search(r"\| darkness +\| knn +\|", report)
    assert (tmp_path / "results/figures/accuracy.png").stat().st_size > 10_000
    assert "2,225" in report  # the book's figure for darkness
    assert "classifier" in capsys.readouterr().out  # the main table goes to the terminal too


def test_seeds_already_on_disk_are_reused(cli_on_digits, tmp_path):
    assert cli_on_digits("evaluate", "random", "--seeds", "2") == 0
    first = (tmp_path / "results/runs/random/seed-0.json").read_text()
    assert cli_on_digits("evaluate", "random", "--seeds", "3") == 0
    assert (tmp_path / "results/runs/random/seed-0.json").read_text() == first
    assert (tmp_path / "results/runs/random/seed-2.json").is_file()


@pytest.mark.parametrize("spec, message", [
    ("nosuch", "unknown classifier 'nosuch'"),
    ("x=nosuch.module:Thing", "cannot import module 'nosuch.module'"),
    ("x=tests.plugins:Missing", "has no attribute 'Missing'"),
    ("x=tests.plugins:NOT_A_FACTORY", "not a factory"),
    ("x=tests.plugins", "not of the form package.module:attr"),
    ("network=tests.plugins:nearest_neighbours", "built-in classifier"),
    ("x=tests.plugins:nearest_neighbours oops", "not of the form key=value"),
    ("x=tests.plugins:factory_raises", "x: tests.plugins:factory_raises(**{}) failed: ValueError: no such setting"),
])
def test_bad_classifier_names_get_one_line_errors(cli_on_digits, capsys, spec, message):
    assert cli_on_digits("evaluate", spec) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_an_unreadable_spec_file_is_named(cli_on_digits, capsys, tmp_path):
    assert cli_on_digits("evaluate", "--spec-file", str(tmp_path / "missing.spec")) == 1
    assert f"--spec-file {tmp_path / 'missing.spec'}: cannot read it" in capsys.readouterr().err


def test_a_factory_that_returns_no_estimator_is_named(cli_on_digits, capsys):
    assert cli_on_digits("evaluate", "x=tests.plugins:not_an_estimator") == 1
    assert "x: tests.plugins:not_an_estimator returned a str" in capsys.readouterr().err


def test_a_plugin_whose_fit_raises_is_named_and_other_results_are_kept(cli_on_digits, tmp_path, capsys):
    assert cli_on_digits("evaluate", "darkness", "--seed", "0") == 0
    assert cli_on_digits("evaluate", "bad=tests.plugins:FitRaises") == 1
    assert "bad: RuntimeError in fit/predict: out of cheese" in capsys.readouterr().err
    assert (tmp_path / "results/runs/darkness/seed-0.json").is_file()
    assert not (tmp_path / "results/runs/bad").exists()


def test_plugin_parameters_are_python_literals():
    experiment = parse_plugin("c=tests.plugins:nearest_neighbours n_neighbors=3")
    assert experiment.params == {"n_neighbors": 3} and not experiment.stochastic
    assert parse_plugin("k=sklearn.neighbors:KNeighborsClassifier weights=distance").params == {"weights": "distance"}
    assert parse_plugin("t=sklearn.tree:DecisionTreeClassifier max_depth=3").stochastic  # takes random_state


def test_builtin_names_resolve_to_the_chapter():
    assert resolve("svc-book").params == {"preset": "book"}
    with pytest.raises(RegistryError):
        resolve("")


@pytest.fixture
def two_records(cli_on_digits):
    assert cli_on_digits("evaluate", "darkness", "--seeds", "1", "--collect", "results/darkness.json") == 0
    assert cli_on_digits("evaluate", "random", "--seeds", "2", "--collect", "results/random.json") == 0
    return ["results/darkness.json", "results/random.json"]


def test_a_corrupt_results_file_is_named_and_no_report_is_written(cli_on_digits, two_records, tmp_path, capsys, digits):
    (tmp_path / "results/random.json").write_text('{"schema": "mnist-chap')
    assert cli_on_digits("render", *two_records, "--data-sha256", digits.sha256) == 1
    assert "results/random.json: corrupt results file" in capsys.readouterr().err
    assert not (tmp_path / "results/report.md").exists()


def test_results_from_another_data_file_are_never_mixed_in(cli_on_digits, two_records, tmp_path, capsys):
    assert cli_on_digits("render", *two_records) == 1  # checked against the book's SHA-256
    err = capsys.readouterr().err
    assert "results/darkness.json: made from another data file" in err and "results/random.json" in err
    assert not (tmp_path / "results/report.md").exists()


def test_seeds_must_be_positive(cli_on_digits, capsys):
    with pytest.raises(SystemExit) as exit_status:
        cli_on_digits("evaluate", "random", "--seeds", "0")
    assert exit_status.value.code == 2
    assert "--seeds: must be at least 1, got 0" in capsys.readouterr().err
