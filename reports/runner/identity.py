"""What a run depends on, and nothing else: its identity, and the run file's name derived from it.

A run (one experiment, one seed) is identified by
- the classifier's factory and parameters, its seed and the images it trains on;
- the data's SHA-256 (the verified source file, not the converted cache, so rebuilding a corrupt
  cache with the same content changes nothing);
- the content of the source files that compute it: the factory's module and every module of the
  project or of the user's own code that it imports, found by reading their code (modulefinder)
  without running it, with the C file a module compiles (NAME.c beside NAME.py); installed libraries
  count by their version instead;
- the numerical environment: the versions of the libraries that compute, the BLAS library and
  its kernel, and NumPy's SIMD features, since each can change a figure; or, where the factory's
  module defines `numerics()`, what that returns instead (network/classifier.py: the portable C
  arithmetic, the same on every machine, or NumPy's on this BLAS).

Not descriptions, statistics, rendering or logging settings. The identity's digest is part of the
run file's name (`results/runs/NAME/seed-K.DIGEST.json`), so a run whose identity changed is simply
a file that does not exist yet, whatever the files' timestamps say, and make computes it; going
back to an earlier version of the code finds its runs again.
"""

import hashlib
import importlib
import importlib.util
import json
import modulefinder
import sys
import sysconfig
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

from data.mnist import SHA256
from reports.runner.provenance import numerics

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RUN_SCHEMA = "mnist-chapter1/run/2"  # a new schema is a new identity: old run files are not reused
DIGEST_LENGTH = 12


def _installed_roots():
    """Where the standard library and installed packages live: code there counts by version."""
    paths = sysconfig.get_paths()
    return tuple({Path(paths[key]).resolve() for key in ("stdlib", "platstdlib", "purelib", "platlib")})


def _is_under(path, roots):
    return any(path == root or root in path.parents for root in roots)


@lru_cache(maxsize=None)
def source_files(module_name):
    """{path: SHA-256} of the module `module_name` and of every module of the project or of the
    user's own code that it imports, directly or not (packages' __init__ files included), read
    without being run. Modules of installed libraries are left out: their version stands for them."""
    installed = _installed_roots()
    search = [p for p in sys.path if p and not _is_under(Path(p).resolve(), installed)]
    search = search or [str(PROJECT_ROOT)]
    finder = modulefinder.ModuleFinder(path=[str(PROJECT_ROOT), *search])
    try:
        finder.import_hook(module_name)
        paths = [module.__file__ for module in finder.modules.values()]
    except (ImportError, SyntaxError):
        return {}  # an installed library, or a plug-in that fails to import (reported when it is built)
    except AttributeError:  # modulefinder cannot follow namespace packages: the module's own file, then
        paths = [_origin(module_name)]
    files = {}
    for name in paths:
        if name and name.endswith(".py") and not _is_under(Path(name).resolve(), installed):
            path = Path(name).resolve()
            # A module's C companion (NAME.c beside NAME.py, which the module compiles and runs) counts with it.
            for source in (path, path.with_suffix(".c")):
                if source.is_file():
                    files[_shown(source)] = hashlib.sha256(source.read_bytes()).hexdigest()
    return dict(sorted(files.items()))


def _origin(module_name):
    """The file of `module_name`, found by Python's import system (which imports its parents)."""
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec else None


def _shown(path):
    """A path as it is recorded: relative to the project where it is inside it."""
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


@lru_cache(maxsize=None)
def _distributions():
    return metadata.packages_distributions()  # slow (it reads every installed package's files): once


@lru_cache(maxsize=None)
def distribution_version(module_name):
    """'name version' of the installed distribution that provides `module_name`, or None."""
    top = module_name.split(".")[0]
    for distribution in _distributions().get(top, []):
        try:
            return f"{distribution} {metadata.version(distribution)}"
        except metadata.PackageNotFoundError:
            continue
    return None


def identity(experiment, seed):
    """Everything a run of `experiment` with `seed` depends on, as a JSON-ready dict."""
    module_name = experiment.factory.partition(":")[0]
    code = source_files(module_name)
    return {
        "schema": RUN_SCHEMA,
        "factory": experiment.factory,
        "params": json_ready(experiment.params),
        "seed": seed if experiment.stochastic else None,
        "training_set": experiment.training_set,
        "data_sha256": SHA256,
        "code": code,
        # A factory from an installed library counts by that library's version instead.
        "library": None if code else distribution_version(module_name),
        "numerics": _numerics(module_name),
    }


def _numerics(module_name):
    """The factory module's own `numerics()` where it defines one, else the environment's."""
    try:
        own = getattr(importlib.import_module(module_name), "numerics", None)
    except ImportError:
        own = None  # a plug-in that fails to import is reported when it is built
    return own() if callable(own) else numerics()


def digest(ident):
    """A short, stable digest of an identity (canonical JSON, SHA-256)."""
    text = json.dumps(ident, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]


def run_path(results_dir, experiment, seed):
    """Where the run of `experiment` with `seed` is stored, its identity's digest in the name."""
    stem = f"seed-{seed}" if experiment.stochastic else "run"
    return Path(results_dir) / "runs" / experiment.name / f"{stem}.{digest(identity(experiment, seed))}.json"


def json_ready(value):
    """`value` as it reads back from JSON (tuples and NumPy arrays become lists, NumPy numbers plain
    ones), so stored and fresh values compare."""
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_ready(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
