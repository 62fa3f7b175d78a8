"""`python -m reports` end to end on scikit-learn's 8x8 digits: evaluate, render, and bad input."""

import re

import pytest

import reports.__main__ as cli
from reports.runner.experiments import BY_NAME
from reports.runner.identity import run_path


@pytest.fixture
def cli_on_digits(digits_mnist, monkeypatch, tmp_path):
    """Run the command line in tmp_path with the digits standing in for MNIST."""
    monkeypatch.setattr("data.mnist.load_mnist", lambda **_: digits_mnist)
    monkeypatch.chdir(tmp_path)
    return lambda *argv: cli.main([*argv])


def run_files(tmp_path, name):
    return sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "results/runs" / name).glob("*.json"))


def test_evaluate_then_render_a_report(cli_on_digits, tmp_path, capsys):
    assert cli_on_digits("evaluate", "darkness", "--quiet") == 0
    assert cli_on_digits("evaluate", "random", "--seeds", "0", "1", "2", "--quiet") == 0
    assert cli_on_digits("evaluate", "knn=tests.plugins:nearest_neighbours n_neighbors=3", "--quiet") == 0
    runs = run_files(tmp_path, "random") + run_files(tmp_path, "darkness") + run_files(tmp_path, "knn")
    assert len(runs) == 5
    assert cli_on_digits("render", *runs) == 0
    report = (tmp_path / "results/report.md").read_text()
    for name in ("random", "darkness", "knn"):
        assert f"| {name} " in report
        assert (tmp_path / f"results/figures/confusion-{name}.png").read_bytes()[:4] == b"\x89PNG"
    assert "Holm" in report and re.search(r"\| knn +\| darkness +\|", report)  # a plug-in against a built-in
    assert "2,225" in report  # the book's figure for darkness
    assert "classifier" in capsys.readouterr().out  # the main table goes to the terminal too


def test_a_failing_plugin_is_recorded_said_and_the_exit_status_says_so(cli_on_digits, tmp_path, capsys):
    assert cli_on_digits("evaluate", "darkness", "--quiet") == 0
    assert cli_on_digits("evaluate", "bad=tests.plugins:FitRaises") == 1
    err = capsys.readouterr().err
    assert "error: bad: RuntimeError in fit: out of cheese" in err and "Traceback" not in err
    assert run_files(tmp_path, "darkness") and len(run_files(tmp_path, "bad")) == 1


def test_a_hand_edited_count_is_caught_and_nothing_is_rendered(cli_on_digits, tmp_path, capsys):
    assert cli_on_digits("evaluate", "darkness", "--quiet") == 0
    [path] = run_files(tmp_path, "darkness")
    text = (tmp_path / path).read_text()
    (tmp_path / path).write_text(re.sub(r'"correct": \d+', '"correct": 9999', text))
    assert cli_on_digits("render", path) == 1
    err = capsys.readouterr().err
    assert "corrupt run file (it says 9999 correct, its predictions give" in err
    assert not (tmp_path / "results/report.md").exists()


@pytest.mark.parametrize("argv, message", [
    (["run", "report", "--seeds", "abc"], "SEEDS='abc': must be a whole number >= 1"),
    (["run", "chapter", "--seeds", "0", "--seeds-variable", "CHAPTER_SEEDS"], "CHAPTER_SEEDS='0'"),
    (["run", "report", "--jobs", "x"], "JOBS='x'"),
    (["run", "report", "--jobs", "70000"], "JOBS='70000': must be a whole number from 1 to 256"),
    (["run", "report", "--extra", "../../x=tests.plugins:nearest_neighbours"], "a classifier name starts"),
    (["run", "report", "--extra", "darkness"], "'darkness' appears twice"),
    (["run", "report", "--results=-rf"], "RESULTS='-rf': a folder name that starts with '-'"),
    (["run", "report", "--only", "svm"], "ONLY names 'svm'"),
])
def test_bad_settings_are_one_line_and_nothing_is_written(cli_on_digits, tmp_path, capsys, argv, message):
    assert cli_on_digits(*argv) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_rendering_refuses_what_is_not_a_set_of_run_files(cli_on_digits, tmp_path, capsys):
    assert cli_on_digits("evaluate", "darkness", "--quiet") == 0
    [path] = run_files(tmp_path, "darkness")
    (tmp_path / "README.md").write_text("# not a run\n")
    for argv, message in [([path, path], "the same run is given twice: darkness"),
                          (["results/"], "a directory, not a run file"),
                          (["README.md"], "not a run file of this project"),
                          (["nothing.json"], "no such run file")]:
        assert cli_on_digits("render", *argv) == 1
        err = capsys.readouterr().err
        assert message in err and "delete" not in err.split(message)[0]
    assert (tmp_path / "README.md").read_text() == "# not a run\n"


def test_a_run_file_of_older_code_is_refused_by_the_path_it_was_read_from_and_kept(cli_on_digits, tmp_path, capsys):
    import json

    assert cli_on_digits("evaluate", "svc-book", "--quiet") == 0
    [path] = run_files(tmp_path, "svc-book")
    stored = json.loads((tmp_path / path).read_text())
    del stored["diagnostics"]["gamma_given"]  # as code that did not record it wrote the run
    kept = tmp_path / "archive" / "my svc.json"
    kept.parent.mkdir()
    kept.write_text(json.dumps(stored))
    assert cli_on_digits("render", "archive/my svc.json") == 1
    err = capsys.readouterr().err
    assert re.search(r"archive/my svc\.json: it does not say which gamma_given it ran with, which its description "
                     r"names; render it with the code that computed it \(commit .+\), or delete it and "
                     r"compute it again", err), err
    assert kept.read_text() == json.dumps(stored)


def test_a_failing_plugin_is_recorded_once_and_the_report_made_without_it(cli_on_digits, tmp_path, capsys):
    assert cli_on_digits("evaluate", "darkness", "--quiet") == 0
    assert cli_on_digits("evaluate", "ridge=sklearn.linear_model:Ridge", "--seeds", "0", "1", "--quiet") == 1
    err = capsys.readouterr().err
    assert err.count("error: ridge: predict returned values that are not labels") == 1
    ridge = run_files(tmp_path, "ridge")
    assert len(ridge) == 2
    assert cli_on_digits("render", *run_files(tmp_path, "darkness"), *ridge) == 0
    report = (tmp_path / "results/report.md").read_text()
    assert "| darkness " in report and "| ridge " not in report
    assert report.count("- ridge: predict returned values that are not labels") == 1
    assert "failed, not in the report: ridge" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["render"], "no run files given"),
    (["render", "RUN", "--out", "results"], "--out results is a directory; name the report's file"),
    (["render", "RUN", "--out", "RUN"], "is one of the run files given"),
    (["render", "RUN", "--figures", "RUN"], "is a file; name a directory for the figures"),
])
def test_render_refuses_unusable_arguments_in_one_line(cli_on_digits, tmp_path, capsys, argv, message):
    assert cli_on_digits("evaluate", "darkness", "--quiet") == 0
    [run] = run_files(tmp_path, "darkness")
    before, _ = sorted(tmp_path.rglob("*")), capsys.readouterr()
    assert cli_on_digits(*[run if arg == "RUN" else arg for arg in argv]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert sorted(tmp_path.rglob("*")) == before


def test_the_seed_column_says_how_a_classifier_was_run():
    from reports.render.report import seed_spread
    summary = {"correct": {"n": 2, "min": 5, "max": 5, "std": 0.0}}
    alike = {"stochastic": True, "params": {}, "seeds": [0, 1], "summary": summary,
             "runs": [{"predictions": [1, 2]}, {"predictions": [1, 2]}]}
    assert seed_spread(alike) == "deterministic: seeds 0 and 1 predict alike"
    unlike = dict(alike, runs=[{"predictions": [1, 2]}, {"predictions": [2, 2]}])
    assert seed_spread(unlike) == "2 seeds: 5-5, sd 0.0"
    assert seed_spread(dict(alike, stochastic=False, params={"random_state": 0})) == "one run, random_state=0 as given"
    assert seed_spread(dict(alike, stochastic=False)) == "deterministic"
