"""One run on scikit-learn's 8x8 digits: what it records, and every way a user's classifier can fail."""

import re

import numpy as np
import pytest

from reports.runner.evaluate import EvaluationError, evaluate, evaluate_seeds
from reports.runner.experiments import BY_NAME
from reports.runner.factory import FactoryError
from reports.runner import store
from reports.runner.identity import run_path
from reports.runner.record import Run
from reports.runner.registry import resolve
from tests.deadlines import scaled
from tests.experiments import with_params


def test_a_run_records_predictions_counts_history_and_provenance(digits_mnist):
    run = evaluate(with_params(BY_NAME["network"], epochs=5), 3, digits_mnist, quiet=True)
    n_test = len(digits_mnist.test.labels)
    assert run["seed"] == 3 and run["n_test"] == n_test
    assert run["correct"] == int(np.sum(np.array(run["predictions"]) == digits_mnist.test.labels)) > 0.8 * n_test
    assert len(run["history"]) == 5 and run["history"][-1] == run["correct"]  # test counts, scored by the runner
    assert len(run["validation_history"]) == 5 and all(0 <= h <= 200 for h in run["validation_history"])
    assert run["fit_cpu_seconds"] > 0 and run["predict_cpu_seconds"] >= 0
    assert run["identity"]["seed"] == 3 and "network/network.py" in run["identity"]["code"]
    assert "verbose" not in run["params"]  # what it prints is no part of what it is
    # What it ran with, its defaults included: what the reports describe it by.
    assert run["estimator_params"] == {"hidden_sizes": [30], "epochs": 5, "mini_batch_size": 10, "eta": 3.0,
                                       "random_state": 3, "verbose": False, "init": "chapter1"}
    provenance = run["provenance"]
    assert provenance["numerics"]["blas"] and provenance["numerics"]["numpy_simd"] and provenance["machine"]["cpu"]
    assert Run.from_json(run.to_json()) == run  # stored and read back whole, every check passed


def test_a_deterministic_classifier_ignores_the_seed(digits_mnist):
    run = evaluate(BY_NAME["darkness"], 7, digits_mnist, quiet=True)
    assert run["seed"] is None and run["history"] is None and run["identity"]["seed"] is None
    assert run["validation_history"] is None


def test_epoch_lines_are_printed_unless_quiet(digits_mnist, capsys):
    network = with_params(BY_NAME["network"], epochs=2)
    evaluate(network, 0, digits_mnist)
    err = capsys.readouterr().err
    assert re.search(r"^\[network seed 0\] Epoch 1: \d+ / 597$", err, re.M) and "fitting NetworkClassifier" in err
    assert "/ 200" not in err  # the validation counts are the network's own, not printed as the book's lines
    evaluate(network, 0, digits_mnist, quiet=True)
    assert capsys.readouterr().err == ""  # quiet: the runner's progress line speaks for the run


@pytest.mark.parametrize("attr, message", [
    ("FitRaises", "bad: RuntimeError in fit: out of cheese"),
    ("ExitsInFit", "bad: SystemExit in fit: 0"),
    ("PredictsFloats", "bad: predict returned values that are not labels of the training classes"),
    ("PredictsNaN", "bad: predict returned values that are not labels"),
    ("PredictsTooFew", "bad: predict returned shape (596,), expected (597,): one label per test image"),
])
def test_a_failing_plugin_is_one_error_naming_it(digits_mnist, attr, message):
    with pytest.raises(EvaluationError) as error:
        evaluate(resolve(f"bad=tests.plugins:{attr}"), 0, digits_mnist, quiet=True)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_factory_that_raises_or_makes_no_estimator_is_named(digits_mnist):
    with pytest.raises(FactoryError, match=r"x: tests.plugins:factory_raises\(\*\*\{\}\) failed: ValueError"):
        evaluate(resolve("x=tests.plugins:factory_raises"), 0, digits_mnist)
    with pytest.raises(FactoryError, match="x: tests.plugins:not_an_estimator returned a str"):
        evaluate(resolve("x=tests.plugins:not_an_estimator"), 0, digits_mnist)


def test_broken_hooks_are_reported_and_left_out(digits_mnist, capsys):
    run = evaluate(resolve("hooks=tests.plugins:BrokenHooks"), 0, digits_mnist, quiet=True)
    err = capsys.readouterr().err
    assert run["validation_history"] is None and run["diagnostics"] is None and run["backend"] is None
    assert "history_ is not a list of whole numbers" in err
    assert "diagnose() raised RuntimeError: cannot explain myself" in err
    assert "backend_ is a object, not a string" in err


def test_every_fit_gets_its_own_copy_of_the_arrays(digits_mnist, tmp_path):
    plugin = resolve("scribbler=tests.plugins:ScribblesOnItsInput")
    images = digits_mnist.train.images.copy()
    together = [run for _, run in _runs(plugin, [0, 1, 2], digits_mnist, tmp_path)]
    alone = evaluate(plugin, 2, digits_mnist, quiet=True)
    assert together[2]["predictions"] == alone["predictions"]
    np.testing.assert_array_equal(digits_mnist.train.images, images)


def _runs(experiment, seeds, dataset, results_dir):
    for _, path, run in evaluate_seeds(experiment, seeds, dataset, results_dir, quiet=True):
        assert store.read_run(path) == run  # the file holds what was computed
        yield path, run


def test_runs_are_written_where_their_identity_says(digits_mnist, tmp_path):
    written = list(_runs(BY_NAME["random"], [0, 1], digits_mnist, tmp_path))
    assert [path for path, _ in written] == [run_path(tmp_path, BY_NAME["random"], s) for s in (0, 1)]


def test_train_and_validation_together_for_an_experiment_that_asks_for_them(digits_mnist):
    from dataclasses import replace

    from data.mnist import MNIST, Split
    half = len(digits_mnist.train.labels) // 2
    train = digits_mnist.train
    split = MNIST(Split(train.images[:half], train.labels[:half]), Split(train.images[half:], train.labels[half:]),
                  digits_mnist.test, digits_mnist.sha256)
    both = evaluate(replace(BY_NAME["darkness"], training_set="train+validation"), 0, split, quiet=True)
    assert both["n_train"] == len(train.labels)
    assert both["predictions"] == evaluate(BY_NAME["darkness"], 0, digits_mnist, quiet=True)["predictions"]


def comparable(run):
    """A run without what legitimately differs between two evaluations: timings, timestamps, provenance."""
    return {k: v for k, v in run.items() if k not in ("fit_seconds", "predict_seconds", "fit_cpu_seconds",
                                                      "predict_cpu_seconds", "created", "provenance")}


def test_seeds_evaluated_in_one_group_write_the_runs_each_alone_writes(digits_mnist, tmp_path):
    network = with_params(BY_NAME["network"], epochs=3)
    together = dict(_runs(network, [0, 1, 2], digits_mnist, tmp_path / "together"))
    for seed in (0, 1, 2):
        alone = dict(_runs(network, [seed], digits_mnist, tmp_path / "alone"))
        [(path, run)] = alone.items()
        twin = together[tmp_path / "together" / path.relative_to(tmp_path / "alone")]
        assert comparable(twin) == comparable(run)  # predictions, history, diagnostics, identity: all equal


def test_a_long_fit_says_it_is_still_fitting_once_per_beat_with_one_prefix():
    import contextlib
    import io
    import sys
    import time

    from reports.runner.evaluate import _PrefixedLines, heartbeat
    said, every = io.StringIO(), 0.05
    with contextlib.redirect_stderr(said):
        start = time.monotonic()
        # The fit lasts until two beats were said, however long a busy machine takes to say them.
        with heartbeat("[slow] ", "fitting", every=every), contextlib.redirect_stderr(_PrefixedLines(sys.stderr,
                                                                                                    "[slow] ")):
            while said.getvalue().count("\n") < 2 and time.monotonic() - start < scaled(10):
                time.sleep(0.01)
        elapsed = time.monotonic() - start
    lines = said.getvalue().splitlines()
    assert 2 <= len(lines) <= elapsed / every + 1  # never more than one line per beat
    assert all(re.fullmatch(r"\[slow\] still fitting \(\d+:\d\d elapsed\)", line) for line in lines)


def test_hooks_that_answer_in_numpy_types_are_kept_as_plain_json(digits_mnist, tmp_path):
    [(path, run)] = _runs(resolve("np=tests.plugins:NumpyHooks"), [0], digits_mnist, tmp_path)
    assert run["validation_history"] == [3, 4, 5] and run["history"] is None
    assert run["diagnostics"]["counts"] == [3] and run["backend"] == "numpy-hooks"
    assert isinstance(run["diagnostics"]["mean_pixel"], float)
