"""From an experiment to a fresh estimator: import its factory ("module:attr") and call it.

Kept apart from the list of experiments on purpose: the code that computes a run never imports the
list, so adding or describing an experiment changes no run's code.
"""

import difflib
import importlib
import pkgutil
import sys


class FactoryError(Exception):
    """A factory that cannot be imported or called, or that makes no estimator; the message names it."""


def import_factory(path, name=None):
    """The object named by "package.module:attr" (attr may be dotted), with a one-line error otherwise.

    Importing runs the module's code, so any exception it raises (a syntax error in a plug-in, an
    error at import time, even SystemExit) is turned into a FactoryError naming the plug-in.
    """
    who = f"{name}: {path}" if name else path
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise FactoryError(f"{who!r} is not of the form package.module:attr")
    try:
        obj = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        raise FactoryError(f"{who}: cannot import module {module_name!r} ({error}){_module_hint(error.name)}") from error
    except SyntaxError as error:
        raise FactoryError(f"{who}: syntax error in {error.filename}, line {error.lineno}: {error.msg}") from error
    except (Exception, SystemExit) as error:  # a plug-in's module may raise anything while it loads
        raise FactoryError(f"{who}: importing {module_name!r} raised {type(error).__name__}: {error}") from error
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            close = difflib.get_close_matches(part, [name for name in dir(obj) if not name.startswith("_")], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise FactoryError(f"{who}: module {module_name!r} has no attribute {attr!r}{hint}") from None
    if not callable(obj):
        raise FactoryError(f"{who}: {type(obj).__name__} object is not a factory (not callable)")
    return obj


def _module_hint(missing):
    """What to try for a module that is not found: the closest name beside it (`sklearn.neighbours` ->
    `sklearn.neighbors`), or, for a top-level name nothing resembles, the folder to put on PYTHONPATH."""
    if not missing:
        return ""
    parent, _, last = missing.rpartition(".")
    try:
        places = importlib.import_module(parent).__path__ if parent else None
    except (Exception, SystemExit):
        places = None
    if parent and places is None:
        return ""
    names = [module.name for module in pkgutil.iter_modules(places)] + ([] if parent else list(sys.builtin_module_names))
    close = difflib.get_close_matches(last, [name for name in names if not name.startswith("_")], n=1)
    if close:
        return f"; did you mean {'.'.join(filter(None, [parent, close[0]]))!r}?"
    if not parent:
        return (f"; if {missing!r} is your own module, put its folder on the path: "
                "PYTHONPATH=/path/to/its/folder make report ...")
    return ""


def build(experiment, seed):
    """A fresh estimator for `experiment`, seeded with `seed` if it is stochastic."""
    factory = import_factory(experiment.factory, experiment.name)
    params = dict(experiment.params)
    if experiment.stochastic:
        params["random_state"] = seed
    try:
        estimator = factory(**params)
    except (Exception, SystemExit) as error:  # a plug-in's factory may raise anything; name it in one line
        raise FactoryError(f"{experiment.name}: {experiment.factory}(**{params}) failed: "
                           f"{type(error).__name__}: {error}") from error
    if not (callable(getattr(estimator, "fit", None)) and callable(getattr(estimator, "predict", None))):
        raise FactoryError(f"{experiment.name}: {experiment.factory} returned a {type(estimator).__name__}, "
                           "which has no fit and predict methods; name a factory of estimators")
    return estimator
