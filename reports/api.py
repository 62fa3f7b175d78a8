"""The suite from Python (a notebook, a script, `python -c`, standard input): `reports.compare`, the
same runner as `make report`.

    import reports
    runs = reports.compare(["random", "darkness", "knn=sklearn.neighbors:KNeighborsClassifier n_neighbors=3"],
                           seeds=5)
    runs.groupby("classifier").accuracy.mean()        # a pandas DataFrame where pandas is installed

Classifiers are built-in names, plug-in specs as `make report EXTRA=...` takes them, estimator
objects, `(name, estimator)` pairs, or `(name, estimator, options)` with the spec's reserved keys
(`{"seeding": "deterministic"}`, `{"inputs": ["weights.npy"]}`). An object's class must be importable
by the worker processes: defined in a module, not in the notebook or script itself. The workers never
run the caller's own script (reports/runner/spawn.py), so no `if __name__ == "__main__":` is needed.

Every classifier that failed is said with its reason, quiet or not, and its runs are returned marked
as failed (the `failed` column); `strict=True` raises FailedRuns with the reasons instead. The runs,
their cache and their identities are those of `make report`: a run computed by either is reused by
the other.
"""

import importlib
import inspect
import json
import sys
from collections import namedtuple

from reports.render.tables import RUNS_COLUMNS
from reports.runner.experiments import BY_NAME
from reports.runner.registry import SEEDING, RegistryError, parse_plugin
from reports.runner.request import RESULTS, make_request

RESERVED = (SEEDING, "inputs")  # the keys of a spec that are not the factory's parameters


class FailedRuns(RuntimeError):
    """`compare(..., strict=True)` found classifiers that failed; the message gives each one's reason."""


def _spec_of(estimator, name=None, options=None):
    """A plug-in spec for an estimator object: its class, the parameters it was made with and the
    reserved `options` (seeding, inputs)."""
    cls = type(estimator)
    if cls.__module__ == "__main__" or "<locals>" in cls.__qualname__:
        raise RegistryError(f"{cls.__qualname__} is defined in the notebook or script itself; the worker processes "
                            "cannot import it: put it in a module (a .py file beside the notebook) and import it")
    params = _params_of(estimator)
    try:  # only what differs from the defaults, as a spec would say it (so both give one identity)
        defaults = _params_of(cls())
        params = {key: value for key, value in params.items() if key not in defaults or repr(defaults[key]) != repr(value)}
    except Exception:  # a class that needs arguments: every parameter, then
        pass
    for key, value in params.items():
        if not _literal(value):
            raise RegistryError(f"{cls.__qualname__}: parameter {key}={value!r} is not a plain Python value; "
                                "give the classifier as a spec instead")
    options = dict(options or {})
    unknown = sorted(set(options) - set(RESERVED))
    if unknown:
        raise RegistryError(f"{cls.__qualname__}: options {unknown} are not {' or '.join(RESERVED)}; the estimator's "
                            "own parameters belong in the estimator")
    name = name or cls.__name__.lower()
    settings = " ".join(f"{key}={value!r}" for key, value in {**params, **options}.items())
    return f"{name}={_public_module(cls)}:{cls.__qualname__} {settings}".strip()


def _params_of(estimator):
    """The parameters that make `estimator` again: get_params() where it has one, else (any object
    with fit and predict) the attributes named like its __init__'s parameters, as scikit-learn's
    convention stores them."""
    if callable(getattr(estimator, "get_params", None)):
        return estimator.get_params(deep=False)
    cls = type(estimator)
    try:
        parameters = list(inspect.signature(cls).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    unstored = [name for name in names if not hasattr(estimator, name)]
    if unstored or any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
        raise RegistryError(f"{cls.__qualname__} has no get_params() and does not keep its parameters "
                            f"{unstored or names} as attributes; give it as a spec 'NAME=module:attr key=value'")
    return {name: getattr(estimator, name) for name in names}


def _public_module(cls):
    """The shortest module path that exports `cls` (sklearn.neighbors, not sklearn.neighbors._classification),
    so that an object and the spec a user would write name one factory, and so one identity."""
    parts = cls.__module__.split(".")
    for length in range(1, len(parts)):
        candidate = ".".join(parts[:length])
        try:
            if getattr(importlib.import_module(candidate), cls.__qualname__, None) is cls:
                return candidate
        except Exception:  # a package that fails to import on its own: keep looking
            continue
    return cls.__module__


def _literal(value):
    """Whether `value` is made of Python literals only (what a spec can carry)."""
    if isinstance(value, (str, bytes, int, float, complex, bool, type(None))):
        return True
    if isinstance(value, (list, tuple, set)):
        return all(map(_literal, value))
    if isinstance(value, dict):
        return all(_literal(k) and _literal(v) for k, v in value.items())
    return False


def _named_object(item):
    """(name, estimator, options) if `item` is a (name, estimator[, options]) tuple, else None."""
    if not (isinstance(item, tuple) and len(item) in (2, 3) and isinstance(item[0], str)
            and not isinstance(item[1], str)):
        return None
    options = item[2] if len(item) == 3 else {}
    if not isinstance(options, dict):
        raise RegistryError(f"{item[0]}: the third item is a dict of options, e.g. {{'seeding': 'deterministic'}}")
    return item[0], item[1], options


def _entries(classifiers):
    """(built-in names, plug-in specs) from a list of names, specs, estimators or (name, estimator) pairs."""
    if isinstance(classifiers, str) or not hasattr(classifiers, "__iter__"):
        raise RegistryError("compare takes a list of classifiers: names, specs or estimators")
    builtins, specs = [], []
    for item in classifiers:
        named = _named_object(item)
        if named:
            specs.append(_spec_of(named[1], named[0], named[2]))
        elif isinstance(item, str) and item.strip() in BY_NAME:
            builtins.append(item.strip())
        elif isinstance(item, str):
            parse_plugin(item.strip())  # checked now, with its one-line error
            specs.append(item.strip())
        elif inspect.isclass(item):
            raise RegistryError(f"{item.__qualname__} is a class; give an instance, e.g. {item.__qualname__}()")
        else:
            specs.append(_spec_of(item))
    return builtins, specs


COLUMNS = (*RUNS_COLUMNS, "failed")


class Run(namedtuple("Run", COLUMNS)):
    """One run's row: `row.accuracy` or `row["accuracy"]`."""

    __slots__ = ()

    def __getitem__(self, key):
        return getattr(self, key) if isinstance(key, str) else super().__getitem__(key)


class Runs(tuple):
    """What `compare` returns where pandas is not installed: one Run per run (the columns of runs.csv,
    then `failed`: the reason, or "" for a run that worked), shown as a table."""

    def __new__(cls, rows):
        return super().__new__(cls, (Run(**{key: values.get(key, "") for key in COLUMNS}) for values in rows))

    columns = COLUMNS

    @property
    def failed(self):
        """The runs that failed."""
        return Runs(run._asdict() for run in self if run.failed)

    def column(self, name):
        """One column's values, in the order of the runs."""
        return [getattr(run, name) for run in self]

    def __repr__(self):
        from tabulate import tabulate

        shown = ("classifier", "seed", "correct", "accuracy", "failed")
        return tabulate([[getattr(run, key) for key in shown] for run in self], shown, tablefmt="simple",
                        floatfmt=".4f")


def _failed_row(run):
    """The row of a failed run: what was run and why it failed, the results blank."""
    from reports.render.tables import spec_of

    return {"classifier": run["name"], "seed": "" if run["seed"] is None else run["seed"], "n_test": "",
            "digest": run["digest"], "spec": spec_of(run["name"], run["factory"], run["params"]),
            "params": json.dumps(run["params"]), "created": run["created"], "failed": run["failed"]}


def compare(classifiers, *, seeds=None, results=RESULTS, report=None, jobs=None, scheduler=None, quiet=True,
            strict=False, retry_failed=False):
    """Evaluate `classifiers` on the test set (computing only the runs that are missing; `seeds` of each
    stochastic one, the report's default when None) and return the runs, one row per run with the
    columns of runs.csv (docs/results-files.md) and `failed`: a pandas DataFrame where pandas is
    installed, else a Runs table. With `report` (a markdown file's path) the report is rendered there
    too, its figures beside it, as `make report` renders its own.

    Each classifier that failed is said on stderr with its reason; its runs are rows whose `failed`
    column holds it. With `strict`, FailedRuns is raised instead, naming every reason. With
    `retry_failed`, runs stored as failures are computed again.
    """
    from reports.publish import publish
    from reports.render.summaries import summaries_of
    from reports.render.tables import runs_rows

    builtins, specs = _entries(classifiers)
    request = make_request("report", seeds=seeds, extra="; ".join(specs), jobs=jobs, results=results, out=report,
                           scheduler=scheduler, builtins=builtins)
    published = publish(request, quiet=quiet, render=report is not None, retry_failed=retry_failed)
    if not published.runs:
        raise RuntimeError("no run could be computed (the errors above say why)")
    failed = [run for run in published.runs.values() if "failed" in run]
    reasons = list(dict.fromkeys(run["failed"] for run in failed))
    for reason in reasons:  # quiet or not: a failure is never silent
        print(f"error: {reason}", file=sys.stderr, flush=True)
    if strict and reasons:
        raise FailedRuns("; ".join(reasons))
    worked = [run for run in published.runs.values() if "failed" not in run]
    rows = [*runs_rows(summaries_of(worked)[0] if worked else []), *map(_failed_row, failed)]
    rows = [{**{key: "" for key in COLUMNS}, **row} for row in rows]
    try:
        import pandas
    except ImportError:
        return Runs(rows)
    return pandas.DataFrame(rows, columns=list(COLUMNS))
