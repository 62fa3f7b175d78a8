"""One run, computed where it runs: in a process of this machine's pool or on a Dask worker.

This module is the computing entry point: what it imports, directly or not, is part of every run's
identity (reports/runner/identity.py, COMPUTING_ENTRY). The worker computes the run's identity itself,
from the code it imported and its own numerics, before the fit; the run's record takes it again after
the fit. A run is stored only if the two agree, and it is filed under that identity, so a worker with
other arithmetic can never pass its numbers off as this machine's, and an edit made during a fit never
files the old code's result under the new code's name. The identity planned by the runner is checked
too: code or inputs that changed since then are refused before the fit.

A classifier's own failure (its fit or predict raises, it predicts non-labels) is a result: a
failure record, kept until its code or spec changes. A failure of the environment (its module does
not import, the data is missing, the code changed while it ran) is not: it is raised, reported, and
tried again next time.
"""

import warnings
from dataclasses import dataclass

from reports.runner.evaluate import EvaluationError, evaluate
from reports.runner.factory import FactoryError, import_factory
from reports.runner.identity import differences, identity
from reports.runner.record import Run

_loaded = {}  # this process's dataset, loaded once (a pool's worker computes many runs)


class EnvironmentFailure(Exception):
    """The run could not be attempted here (an import, the data); not a result, never cached."""


@dataclass
class Computed:
    """What a worker sends back: the run (or its failure record) and the warnings libraries gave."""

    run: dict
    warnings: list


def local_dataset():
    """The book's MNIST, loaded once per process (verified by `make data` before any worker starts)."""
    if "mnist" not in _loaded:
        from data import DataError, load_mnist

        try:
            _loaded["mnist"] = load_mnist(repair=False)
        except DataError as error:
            raise EnvironmentFailure(str(error)) from None
    return _loaded["mnist"]


def compute_run(experiment, seed, dataset=None, verbose=False, planned=None):
    """The run of `experiment` with `seed` (its failure record if the classifier fails), computed and
    identified here. `dataset` is given by a cluster; a local worker loads its own. `planned` is the
    identity the runner filed the run under; code or inputs that differ from it are refused."""
    try:
        import_factory(experiment.factory, experiment.name)
    except FactoryError as error:
        raise EnvironmentFailure(str(error)) from None
    before = identity(experiment, seed)  # the code this process imported, before the fit
    if planned is not None:
        changed = differences({k: planned.get(k) for k in CHANGES}, {k: before.get(k) for k in CHANGES})
        if changed:
            raise EnvironmentFailure(f"{changed} not what the command planned: edited since it started, or a Dask "
                                     "worker running another checkout's code")
    dataset = dataset if dataset is not None else local_dataset()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        try:
            run = evaluate(experiment, seed, dataset, quiet=not verbose)
        except (EvaluationError, FactoryError) as error:
            run = Run.failure(experiment, seed, error)
    changed = differences(before, run.identity)  # the record took the identity again, after the fit
    if changed:
        raise EnvironmentFailure(f"{changed} changed during the fit")
    said = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    return Computed(run, said)


# What can change on this machine between the plan and the fit: an edit of the code or of an input.
# (Other numerics or libraries are another machine's: its runs are filed under its own identity.)
CHANGES = ("code", "inputs")
