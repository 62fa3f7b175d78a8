"""A plug-in's failure is never silent and can be debugged: `compare` says every reason and returns
the failed runs marked (or raises, when strict), the run file keeps the last frames of the exception,
shown with --verbose and in the report, and --retry-failed fits a stored failure again."""

import pytest

import reports
from reports.publish import publish
from reports.runner import runner
from reports.runner.request import make_request
from reports.runner.store import read_run
from tests.test_runner import InProcess

EXPLODES = "bad=tests.plugins:Explodes when='fit'"


@pytest.fixture
def in_process(digits_mnist, monkeypatch):
    """compare and the runner compute on the digits, in this process; returns the executors made."""
    made = []

    def executor(_):
        made.append(InProcess(digits_mnist))
        return made[-1]

    monkeypatch.setattr(runner, "executor_for", executor)
    return made


def test_compare_says_the_reason_quietly_and_returns_the_failed_row_marked(in_process, tmp_path, capsys):
    runs = reports.compare(["darkness", EXPLODES], results=str(tmp_path))
    said = capsys.readouterr().err
    assert "error: bad: ValueError in fit: boom: my fit is broken" in said
    assert "report's list of failures" not in said  # no report was asked for
    rows = runs.to_dict("records") if hasattr(runs, "to_dict") else runs
    assert [(row["classifier"], row["failed"]) for row in rows] == [
        ("darkness", ""), ("bad", "bad: ValueError in fit: boom: my fit is broken")]
    assert rows[1]["correct"] == "" and rows[0]["correct"] > 0
    if not hasattr(runs, "to_dict"):  # without pandas: a table that reads as one, not a list of dicts
        assert runs.column("classifier") == ["darkness", "bad"] and len(runs.failed) == 1
        assert "boom" in repr(runs) and "darkness" in repr(runs)


def test_compare_raises_with_every_reason_when_strict(in_process, tmp_path, capsys):
    with pytest.raises(reports.api.FailedRuns, match="bad: ValueError in fit: boom") as caught:
        reports.compare(["darkness", EXPLODES, "worse=tests.plugins:Explodes when='predict'"], results=str(tmp_path),
                        strict=True)
    assert "worse: ValueError in predict: boom: my predict is broken" in str(caught.value)


def test_the_run_file_keeps_the_plugins_last_frames_shown_verbose_and_in_the_report(in_process, tmp_path, capsys):
    request = make_request("report", only="darkness", extra=EXPLODES, results=str(tmp_path))
    status = publish(request, verbose=True).status
    said = capsys.readouterr().err
    assert status == 1
    failure = read_run(next((tmp_path / "runs/bad").glob("*.json")))
    frames = failure["traceback"]
    assert "tests/plugins.py" in frames and "in _explode" in frames and "ValueError: boom: my fit is broken" in frames
    assert "reports/runner" not in frames  # the runner's own frames say nothing about the plug-in
    assert "in _explode" in said  # --verbose shows them
    report = (tmp_path / "report.md").read_text()
    assert "## Classifiers that failed" in report and "in _explode" in report


def test_a_stored_failure_is_kept_until_asked_to_retry(in_process, tmp_path, capsys):
    request = make_request("report", only="darkness", extra=EXPLODES, results=str(tmp_path))
    publish(request)
    publish(request)
    assert [sorted(executor.computed) for executor in in_process] == [[("bad", 0), ("darkness", 0)]]
    assert "RETRY=1" in capsys.readouterr().err
    publish(request, retry_failed=True)
    assert in_process[-1].computed == [("bad", 0)]  # the failure only, once


def test_an_object_without_get_params_is_a_plugin_by_its_stored_parameters(in_process, tmp_path, capsys):
    from tests.plugins import NoGetParams

    runs = reports.compare([("three", NoGetParams(label=3))], results=str(tmp_path))
    rows = runs.to_dict("records") if hasattr(runs, "to_dict") else runs
    assert rows[0]["spec"] == "three=tests.plugins:NoGetParams label=3" or rows[0]["params"] == "{}"
