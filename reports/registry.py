"""Classifiers by name: the chapter's experiments, and plug-ins named as `NAME=package.module:attr k=v ...`.

A plug-in is any importable factory (a class or a function) that returns an object with `fit` and
`predict`; the words after it are keyword arguments, read as Python literals where they parse
(`n_neighbors=3`, `weights='distance'`) and as plain strings otherwise. A plug-in whose factory takes
`random_state` is run over seeds like the chapter's stochastic classifiers.
"""

import ast
import importlib
import inspect
import re

from reports.chapter1 import BY_NAME, Experiment

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class RegistryError(Exception):
    """A classifier name or plug-in that cannot be used; the message names it."""


def _literal(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def import_factory(path):
    """The object named by "package.module:attr" (attr may be dotted), with a clear error otherwise."""
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise RegistryError(f"{path!r} is not of the form package.module:attr")
    try:
        obj = importlib.import_module(module_name)
    except ImportError as error:
        raise RegistryError(f"{path}: cannot import module {module_name!r} ({error})") from error
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise RegistryError(f"{path}: module {module_name!r} has no attribute {attr!r}") from None
    if not callable(obj):
        raise RegistryError(f"{path}: {type(obj).__name__} object is not a factory (not callable)")
    return obj


def _takes_random_state(factory):
    try:
        return "random_state" in inspect.signature(factory).parameters
    except (TypeError, ValueError):  # some builtins have no signature
        return False


def parse_plugin(spec):
    """An Experiment from "NAME=package.module:attr key=value ..."."""
    words = spec.split()
    if not words or "=" not in words[0]:
        raise RegistryError(f"{spec!r}: a plug-in is written NAME=package.module:attr [key=value ...]")
    name, _, path = words[0].partition("=")
    if not NAME_PATTERN.fullmatch(name):
        raise RegistryError(f"{name!r}: a classifier name uses letters, digits, '_', '.' and '-' only")
    if name in BY_NAME:
        raise RegistryError(f"{name!r} is a built-in classifier; give the plug-in another name")
    params = {}
    for word in words[1:]:
        key, equals, value = word.partition("=")
        if not equals or not key.isidentifier():
            raise RegistryError(f"{spec!r}: parameter {word!r} is not of the form key=value")
        params[key] = _literal(value)
    factory = import_factory(path)
    return Experiment(name, path, params, stochastic=_takes_random_state(factory),
                      description=f"plug-in {path}")


def resolve(name_or_spec):
    """The Experiment for a built-in name or a plug-in spec."""
    words = name_or_spec.split()
    if words and "=" in words[0]:
        return parse_plugin(name_or_spec)
    if name_or_spec in BY_NAME:
        return BY_NAME[name_or_spec]
    raise RegistryError(f"unknown classifier {name_or_spec!r}; built-in: {', '.join(BY_NAME)}; "
                        "or a plug-in NAME=package.module:attr")


def build(experiment, seed):
    """A fresh estimator for `experiment`, seeded with `seed` if it is stochastic."""
    factory = import_factory(experiment.factory)
    params = dict(experiment.params)
    if experiment.stochastic:
        params["random_state"] = seed
    try:
        estimator = factory(**params)
    except Exception as error:  # a plug-in's factory may raise anything; name it in one line
        raise RegistryError(f"{experiment.name}: {experiment.factory}(**{params}) failed: "
                            f"{type(error).__name__}: {error}") from error
    if not (callable(getattr(estimator, "fit", None)) and callable(getattr(estimator, "predict", None))):
        raise RegistryError(f"{experiment.name}: {experiment.factory} returned a {type(estimator).__name__}, "
                            "which has no fit and predict methods; name a factory of estimators")
    return estimator
