"""One run, computed where it runs: in a process of this machine's pool or on a Dask worker.

The worker computes the run's identity itself, from the code it imported and its own numerics, and
returns it with the run, so a run is always filed under the identity of what computed it: a worker
with other code or other arithmetic can never pass its numbers off as this machine's.

A classifier's own failure (its fit or predict raises, it predicts non-labels) is a result: a
failure record, kept until its code or spec changes. A failure of the environment (its module does
not import, the data is missing) is not: it is raised, reported, and tried again next time.
"""

import signal
import warnings
from dataclasses import dataclass

from reports.runner.evaluate import EvaluationError, evaluate
from reports.runner.factory import FactoryError, import_factory
from reports.runner.identity import identity
from reports.runner.record import Run

_loaded = {}  # this process's dataset, loaded once (a pool's worker computes many runs)


class EnvironmentFailure(Exception):
    """The run could not be attempted here (an import, the data); not a result, never cached."""


@dataclass
class Computed:
    """What a worker sends back: the run (or its failure record) and the warnings libraries gave."""

    run: dict
    warnings: list


def ignore_interrupts():
    """A pool worker's initializer: Ctrl-C is the runner's to handle (it keeps every finished run and
    stops the workers), not each worker's to print a traceback for."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def local_dataset():
    """The book's MNIST, loaded once per process (verified by `make data` before any worker starts)."""
    if "mnist" not in _loaded:
        from data import DataError, load_mnist

        try:
            _loaded["mnist"] = load_mnist(repair=False)
        except DataError as error:
            raise EnvironmentFailure(str(error)) from None
    return _loaded["mnist"]


def compute_run(experiment, seed, dataset=None, verbose=False):
    """The run of `experiment` with `seed` (its failure record if the classifier fails), computed and
    identified here. `dataset` is given by a cluster; a local worker loads its own."""
    try:
        import_factory(experiment.factory, experiment.name)
    except FactoryError as error:
        raise EnvironmentFailure(str(error)) from None
    dataset = dataset if dataset is not None else local_dataset()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        try:
            run = evaluate(experiment, seed, dataset, quiet=not verbose)
        except (EvaluationError, FactoryError) as error:
            run = Run.failure(experiment, seed, error)
    run = run.replace_identity(identity(experiment, seed))  # what this process ran, whatever was asked
    said = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    return Computed(run, said)
