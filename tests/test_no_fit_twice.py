"""No fit is paid twice: a run is found by its identity whatever name it was filed under, two names for
one estimator in one request are one fit, and a second command computing in the same results folder
waits for the first and reuses its runs."""

import threading
import time

import pytest

from reports.runner.lock import LOCK_NAME, results_lock
from reports.runner.store import read_run
from tests.test_runner import run  # noqa: F401  (the fixture: `make report` on the digits, in this process)

KNN = "tests.plugins:nearest_neighbours"


def test_two_names_for_one_estimator_are_one_fit_and_a_third_reuses_it(run, tmp_path):
    status, computed, _ = run(only="darkness", extra=f"a={KNN}; b={KNN}")
    assert status == 0 and sorted(computed) == [("a", 0), ("darkness", 0)]
    runs = tmp_path / "results/runs"
    a, b = (next((runs / name).glob("*.json")) for name in "ab")
    assert a.name == b.name and read_run(b)["name"] == "b" and read_run(b)["predictions"] == read_run(a)["predictions"]
    status, computed, said = run(only="darkness", extra=f"c={KNN}")
    assert status == 0 and computed == [] and "c: reused the run of the same identity filed as a/" in said
    assert "| c " in (tmp_path / "results/report.md").read_text()


def test_a_dry_run_names_the_run_it_would_reuse(run, tmp_path):
    run(only="darkness", extra=f"a={KNN}")
    _, computed, said = run(only="darkness", extra=f"z={KNN}", dry_run=True)
    assert computed == [] and "z: would reuse the run of the same identity filed as a/" in said
    assert not (tmp_path / "results/runs/z").exists()


def test_a_second_command_waits_for_the_first_and_says_for_whom(tmp_path):
    said, order = [], []
    with results_lock(tmp_path, said.append):
        assert "pid" in (tmp_path / LOCK_NAME).read_text()

        def second():
            with results_lock(tmp_path, said.append):
                order.append("second")

        waiting = threading.Thread(target=second)
        waiting.start()
        deadline = time.monotonic() + 5
        while not said and time.monotonic() < deadline:
            time.sleep(0.01)
        order.append("first done")
    waiting.join(5)
    assert order == ["first done", "second"]
    assert len(said) == 1 and said[0].startswith("another command (pid ") and "waiting for it to finish" in said[0]


def test_a_lock_that_cannot_be_made_is_one_line(tmp_path):
    from common.files import WriteError

    (tmp_path / "file").write_text("")
    with pytest.raises(WriteError, match="a file is in the way of its directory"):
        with results_lock(tmp_path / "file" / "results", print):
            pass
