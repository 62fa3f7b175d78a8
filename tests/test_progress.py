"""Progress you can trust: a long run is never silence (the heartbeat names the runs in flight and for
how long), and the estimate starts from what the same classifier took here the last time."""

import io
import time

from reports.runner.progress import Progress
from reports.runner.runner import Wanted, expected_seconds
from reports.runner.experiments import BY_NAME


def wait_for(condition, seconds=5):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_the_heartbeat_names_the_runs_in_flight_once_one_works_long():
    stream = io.StringIO()
    progress = Progress([("a", 10.0), ("b", 10.0), ("c", 10.0)], jobs=2, stream=stream, heartbeat=0.05)
    try:
        assert wait_for(lambda: "still working" in stream.getvalue())
        beat = next(line for line in stream.getvalue().splitlines() if line.startswith("still working"))
        assert "a (0:00)" in beat and "b (0:00)" in beat and "c (" not in beat  # two workers: a and b
        assert "0 of 3 runs done" in beat
        progress.finished("a", "a: 9 / 10 correct")
        assert [label for label, _ in progress.in_flight()] == ["b", "c"]  # a free worker took c
    finally:
        progress.close()


def test_no_heartbeat_when_quiet_or_before_a_run_works_long():
    quiet, early = io.StringIO(), io.StringIO()
    for stream, settings in ((quiet, {"quiet": True, "heartbeat": 0.01}), (early, {"heartbeat": 60})):
        progress = Progress([("a", 1.0)], jobs=1, stream=stream, **settings)
        time.sleep(0.1)
        progress.close()
    assert quiet.getvalue() == "" and early.getvalue() == ""


def test_the_estimate_starts_from_the_last_run_of_the_same_classifier_here(tmp_path):
    from reports.runner.identity import run_path
    from reports.runner.record import Run
    from reports.runner.store import write_run

    darkness = BY_NAME["darkness"]
    wanted = Wanted(darkness, 0, run_path(tmp_path, darkness, 0))
    assert expected_seconds(wanted) == darkness.seconds  # nothing made here yet: the listed cost
    made = Run.computed(darkness, 0, data_sha256="x", n_train=5, n_test=3, correct=2, classes=[0, 1],
                        predictions=[0, 1, 1], test_labels=[0, 1, 0], fit_seconds=40.0, predict_seconds=2.0,
                        fit_cpu_seconds=1.0, predict_cpu_seconds=1.0, history=None, validation_history=None,
                        diagnostics=None, backend=None, estimator_params={})
    write_run(wanted.path.with_name(f"run.{made['digest']}.json"), made)  # a run made here (a file's name is its digest)
    assert expected_seconds(wanted) == 42.0
