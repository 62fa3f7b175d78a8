"""The suite from Python (a notebook, a script): `reports.compare`, the same runner as `make report`.

    import reports
    runs = reports.compare(["random", "darkness", "knn=sklearn.neighbors:KNeighborsClassifier n_neighbors=3"],
                           seeds=5)
    runs.groupby("classifier").accuracy.mean()        # a pandas DataFrame where pandas is installed

Classifiers are built-in names, plug-in specs as `make report EXTRA=...` takes them, or estimator
objects (their class must be importable by the worker processes: defined in a module, not in the
notebook itself). The runs, their cache and their identities are those of `make report`: a run
computed by either is reused by the other. The runs are computed in fresh worker processes, which
import the calling script again: in a script (not a notebook), call `compare` under
`if __name__ == "__main__":`, as Python's multiprocessing asks.
"""

import importlib
import inspect

from reports.runner.experiments import BY_NAME
from reports.runner.registry import RegistryError, parse_plugin
from reports.runner.request import RESULTS, make_request


def _spec_of(estimator, name=None):
    """A plug-in spec for an estimator object: its class and the parameters it was made with."""
    cls = type(estimator)
    if cls.__module__ == "__main__" or "<locals>" in cls.__qualname__:
        raise RegistryError(f"{cls.__qualname__} is defined in the notebook or script itself; the worker processes "
                            "cannot import it: put it in a module (a .py file beside the notebook) and import it")
    if not callable(getattr(estimator, "get_params", None)):
        raise RegistryError(f"{cls.__qualname__} has no get_params(); give it as a spec 'NAME=module:attr key=value'")
    params = estimator.get_params(deep=False)
    try:  # only what differs from the defaults, as a spec would say it (so both give one identity)
        defaults = cls().get_params(deep=False)
        params = {key: value for key, value in params.items() if key not in defaults or repr(defaults[key]) != repr(value)}
    except Exception:  # a class that needs arguments: every parameter, then
        pass
    for key, value in params.items():
        if not _literal(value):
            raise RegistryError(f"{cls.__qualname__}: parameter {key}={value!r} is not a plain Python value; "
                                "give the classifier as a spec instead")
    name = name or cls.__name__.lower()
    settings = " ".join(f"{key}={value!r}" for key, value in params.items())
    return f"{name}={_public_module(cls)}:{cls.__qualname__} {settings}".strip()


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


def _entries(classifiers):
    """(built-in names, plug-in specs) from a list of names, specs, estimators or (name, estimator) pairs."""
    if isinstance(classifiers, str) or not hasattr(classifiers, "__iter__"):
        raise RegistryError("compare takes a list of classifiers: names, specs or estimators")
    builtins, specs = [], []
    for item in classifiers:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) and not isinstance(item[1], str):
            specs.append(_spec_of(item[1], item[0]))
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


def compare(classifiers, *, seeds=None, results=RESULTS, report=None, jobs=None, scheduler=None, quiet=True):
    """Evaluate `classifiers` on the test set (computing only the runs that are missing; `seeds` of each
    stochastic one, the report's default when None) and return
    the runs: a pandas DataFrame where pandas is installed, else a list of dicts, one per run, with
    the columns of runs.csv (docs/results-files.md). With `report` (a markdown file's path) the
    report is rendered there too, its figures beside it, as `make report` renders its own.
    """
    from reports.publish import publish
    from reports.render.summaries import summaries_of
    from reports.render.tables import runs_rows

    builtins, specs = _entries(classifiers)
    request = make_request("report", seeds=seeds, extra="; ".join(specs), jobs=jobs, results=results, out=report,
                           scheduler=scheduler, builtins=builtins)
    published = publish(request, quiet=quiet, render=report is not None)
    if not published.runs:
        raise RuntimeError("no run could be computed (the errors above say why)")
    summaries, _ = summaries_of(published.runs.values())
    rows = runs_rows(summaries)
    try:
        import pandas
    except ImportError:
        return rows
    return pandas.DataFrame(rows)
