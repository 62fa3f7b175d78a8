"""Evaluate one classifier with one seed: build it, run the fit/predict protocol, record the run.

What a run is (what an estimator is given, and what is read back from it) is the protocol's, in
reports/runner/protocol.py, which is part of every run's identity. Here is only what surrounds it:
building the estimator from its experiment, the progress lines (labelled with the classifier and
seed, a heartbeat while a long fit works), the run's record, and the record of a run that failed.
"""

import contextlib
import io
import json
import sys
import threading
import time

import numpy as np

from reports.runner.factory import FactoryError, build
from reports.runner.identity import json_ready, run_path
from reports.runner.protocol import EvaluationError, estimator_params, fit, measure, training_size
from reports.runner.record import Run
from reports.runner.store import write_run

HEARTBEAT_SECONDS = 30  # how often a long fit says that it is still working

__all__ = ["EvaluationError", "evaluate", "evaluate_seeds"]


class _PrefixedLines(io.TextIOBase):
    """A text stream that writes every line to `stream` with `prefix` in front, so that the progress
    of classifiers running side by side (a pool of processes) stays readable."""

    def __init__(self, stream, prefix):
        self.stream, self.prefix, self.pending = stream, prefix, ""

    def write(self, text):
        lines = (self.pending + text).split("\n")
        self.pending = lines.pop()
        for line in lines:
            self.stream.write(f"{self.prefix}{line}\n")
        self.stream.flush()
        return len(text)

    def flush(self):
        if self.pending:
            self.write("\n")


def label(experiment, seed):
    return f"[{experiment.name} seed {seed}] " if experiment.stochastic else f"[{experiment.name}] "


def say(prefix, message, stream=None):
    print(f"{prefix}{message}", file=stream or sys.stderr, flush=True)


@contextlib.contextmanager
def heartbeat(prefix, what, every=HEARTBEAT_SECONDS):
    """While the block runs, say every `every` seconds that `what` is still going, with elapsed time."""
    done, start = threading.Event(), time.perf_counter()
    stream = sys.stderr  # as it is now, not as the block may redirect it (that would prefix it twice)

    def beat():
        while not done.wait(every):
            minutes, seconds = divmod(int(time.perf_counter() - start), 60)
            say(prefix, f"still {what} ({minutes}:{seconds:02d} elapsed)", stream)

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _json_problem(value):
    try:
        json.dumps(json_ready(value))
    except (TypeError, ValueError):
        return f"is not JSON-ready ({type(value).__name__})"
    return None


def evaluate(experiment, seed, dataset, quiet=False):
    """Fit `experiment` (seeded with `seed` if stochastic) on its training images and score it on
    dataset.test. Returns the run's record (reports/runner/record.py)."""
    prefix = label(experiment, seed)
    estimator = build(experiment, seed)
    params = estimator_params(estimator, warn=lambda message: say(prefix, message))  # as built, before the fit
    n_train = training_size(dataset, experiment.training_set)
    if not quiet:
        say(prefix, f"fitting {type(estimator).__name__} on {n_train:,} images ...")

    def epoch_line(epoch, correct, n_test):  # the book's line, for the test images the runner scored
        if not quiet:
            print(f"Epoch {epoch}: {correct} / {n_test}", file=sys.stderr, flush=True)

    with (contextlib.nullcontext() if quiet else heartbeat(prefix, "fitting")), \
            contextlib.redirect_stderr(_PrefixedLines(sys.stderr, prefix)):
        fitted = fit(experiment.name, estimator, dataset, experiment.training_set, on_epoch=epoch_line)
    measured = measure(experiment.name, estimator, dataset, fitted, warn=lambda message: say(prefix, message))
    test = dataset.test
    correct = int(np.sum(measured.predictions == test.labels))
    if not quiet:  # quiet, the runner's progress line says it
        say(prefix, f"{correct:,} / {len(test.labels):,} correct (fit {fitted.seconds:.1f} s, predict "
                    f"{measured.seconds:.1f} s)")
    diagnostics = measured.diagnostics
    if diagnostics is not None and _json_problem(diagnostics):
        say(prefix, f"warning: diagnose() {_json_problem(diagnostics)}; left out of the run")
        diagnostics = None
    return Run.computed(
        experiment, seed,
        data_sha256=dataset.sha256,
        n_train=fitted.n_trained,  # fewer than n_train where it held some back to stop early on
        n_test=len(test.labels),
        correct=correct,
        classes=fitted.classes.tolist(),
        predictions=measured.predictions.tolist(),
        test_labels=test.labels.tolist(),  # so pairs of runs can be compared without the data
        fit_seconds=fitted.seconds,
        predict_seconds=measured.seconds,
        fit_cpu_seconds=fitted.cpu_seconds,
        predict_cpu_seconds=measured.cpu_seconds,
        # test counts after each epoch (or boosting round), scored by the runner: the book's listing
        history=fitted.test_history if fitted.test_history is not None else measured.test_rounds,
        validation_history=measured.validation_history,  # the estimator's own history_, on the validation images
        diagnostics=diagnostics,
        backend=measured.backend,
        estimator_params=params,  # every setting it ran with, defaults included: what the reports describe
    )


def evaluate_seeds(experiment, seeds, dataset, results_dir, quiet=False, keep_failures=False):
    """Evaluate `experiment` for each of `seeds`, writing each run file as soon as it is computed, so
    that an interrupted command keeps the seeds it finished. Yields (seed, path written, its Run).

    With `keep_failures` (plug-ins), a seed whose classifier fails is recorded as failed, in its run
    file, and said in one line (once for seeds that fail alike); every seed is tried."""
    said = set()
    for seed in seeds:
        try:
            run = evaluate(experiment, seed, dataset, quiet=quiet)
        except (EvaluationError, FactoryError) as error:
            if not keep_failures:
                raise
            if str(error) not in said:
                said.add(str(error))
                say("", f"error: {error}")
            run = Run.failure(experiment, seed, error)
        path = run_path(results_dir, experiment, seed)
        write_run(path, run)
        yield seed, path, run
