"""The run record: built in one place, stored as JSON and read back whole, and refused in one line
when it does not hold together."""

import json

import pytest

from reports.runner.experiments import BY_NAME
from reports.runner.record import HEADER, RESULT, STAMP, Run, RunRecordError, SchemaError

RESULT_OF_THREE = dict(data_sha256="x", n_train=5, n_test=3, correct=2, classes=[0, 1], predictions=[0, 1, 1],
                       test_labels=[0, 1, 0], fit_seconds=0.1, predict_seconds=0.1, fit_cpu_seconds=0.1,
                       predict_cpu_seconds=0.1, history=[1, 2], validation_history=None, diagnostics=None,
                       backend=None, estimator_params={"random_state": 0})


def test_a_computed_run_reads_like_the_dict_it_is_stored_as():
    run = Run.computed(BY_NAME["random"], 4, **RESULT_OF_THREE)
    assert list(run) == [*HEADER, *RESULT, *STAMP] and "failed" not in run
    assert run["seed"] == 4 and run["digest"] == run.digest and dict(run)["correct"] == 2
    assert Run.from_json(run.to_json()) == run


def test_a_failure_holds_the_header_and_why():
    run = Run.failure(BY_NAME["darkness"], 0, RuntimeError("out of cheese"))
    assert "failed" in run and "predictions" not in run and run["seed"] is None
    assert Run.from_json(run.to_json())["failed"] == "out of cheese"


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(correct=3), "it says 3 correct, its predictions give 2"),
    (lambda d: d.pop("predictions"), "no predictions"),
    (lambda d: d.update(history=[1.5]), "its history is not a list of whole numbers"),
    (lambda d: d.update(predictions=[0, 1]), "2 predictions and 3 labels"),
    (lambda d: d.update(surprise=1), "fields this version does not know: surprise"),
    (lambda d: d.pop("estimator_params"), "no estimator_params"),
    (lambda d: d.update(estimator_params=[1]), "its estimator_params are not a JSON object"),
    (lambda d: d.update(diagnostics=["C", 2.8]), "its diagnostics are not a JSON object"),
    (lambda d: d.update(diagnostics="C = 2.8"), "its diagnostics are not a JSON object"),
])
def test_a_record_that_does_not_hold_together_is_refused(edit, message):
    stored = json.loads(Run.computed(BY_NAME["random"], 0, **RESULT_OF_THREE).to_json())
    edit(stored)
    with pytest.raises(RunRecordError, match=message):
        Run.from_json(json.dumps(stored))


def test_another_schema_is_not_this_version():
    stored = json.loads(Run.failure(BY_NAME["darkness"], 0, "x").to_json())
    with pytest.raises(SchemaError):
        Run.from_json(json.dumps({**stored, "schema": "mnist-chapter1/run/2"}))
    with pytest.raises(RunRecordError, match="a computed run needs"):
        Run.computed(BY_NAME["random"], 0, correct=1)
