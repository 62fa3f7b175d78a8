"""From an experiment to a fresh estimator: import its factory ("module:attr") and call it.

Kept apart from the list of experiments on purpose: the code that computes a run never imports the
list, so adding or describing an experiment changes no run's code.
"""

import importlib


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
        raise FactoryError(f"{who}: cannot import module {module_name!r} ({error})") from error
    except SyntaxError as error:
        raise FactoryError(f"{who}: syntax error in {error.filename}, line {error.lineno}: {error.msg}") from error
    except (Exception, SystemExit) as error:  # a plug-in's module may raise anything while it loads
        raise FactoryError(f"{who}: importing {module_name!r} raised {type(error).__name__}: {error}") from error
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise FactoryError(f"{who}: module {module_name!r} has no attribute {attr!r}") from None
    if not callable(obj):
        raise FactoryError(f"{who}: {type(obj).__name__} object is not a factory (not callable)")
    return obj


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
