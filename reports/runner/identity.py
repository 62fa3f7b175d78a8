"""What a run depends on, and nothing else: its identity, and the run file's name derived from it.

A run (one experiment, one seed) is identified by
- the classifier's factory and parameters, its seed and the images it trains on;
- the data's SHA-256 (the verified source file, not the converted cache, so rebuilding a corrupt
  cache with the same content changes nothing);
- the code that computes it: the factory's module and every module of the project or of the user's
  own code that it imports, and every module the computation itself passes through: whatever the
  computing entry point (COMPUTING_ENTRY, the worker that builds, fits, scores and records every
  run) imports, directly or not (the factory, evaluate, the fit/predict protocol, the data's
  conversion, the run record...). Derived from the imports, not listed by hand, so a new helper
  cannot fall outside. Modules are found by reading their code (modulefinder) without running it
  and counted by their syntax tree, so that editing a comment, a docstring or the layout recomputes
  nothing; a module's C companion (NAME.c beside NAME.py, which it compiles) counts byte for byte,
  and so does a compiled extension of the user's own code (NAME.*.so);
- the installed distributions that code imports, by name and version (wherever they are installed);
- the numerical environment: what the factory's module says decides its numbers (a module-level
  `numerics()`, defined there or imported by name, as the network's is: its own C arithmetic, or
  NumPy on this BLAS where the C cannot be built), else the versions of the computing libraries, the BLAS and its kernel, and
  NumPy's SIMD features, any of which can change a figure.

It is computed where the run is planned, and where it is computed: before the fit, from the code
that process imported, and again after it; if anything changed meanwhile, nothing is stored
(reports/runner/worker.py). Which modules a module imports is read once per process; their content
is read every time (a digest of a file's syntax tree is cached by its bytes' SHA-256, so it is never
reused across an edit).

Not descriptions, statistics, rendering or logging settings. The identity's digest is part of the
run file's name (`results/runs/NAME/seed-K.DIGEST.json`), so a run whose identity changed is simply
a file that does not exist yet; going back to an earlier version of the code finds its runs again.

What cannot be seen: a module imported by a name computed at run time, and files or environment
variables a plug-in reads while it runs. A plug-in names such inputs in its spec (`inputs=[...]`,
reports/runner/registry.py) and they count too.
"""

import ast
import hashlib
import importlib
import importlib.util
import json
import math
import modulefinder
import sys
import sysconfig
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

from data.mnist import SHA256
from reports.runner.provenance import PROJECT_ROOT, numerics

RUN_SCHEMA = "mnist-chapter1/run/4"  # a new schema is a new identity: old run files are not reused
DIGEST_LENGTH = 12
# The module whose `compute_run` computes every run, wherever it runs. It and everything it imports
# (how a classifier is built, fitted, scored and recorded, on which images, the data's conversion) is
# hashed into every identity, so that no module a run passes through can change its numbers unseen.
COMPUTING_ENTRY = "reports.runner.worker"


def _installed_roots():
    """Where the standard library and installed packages live: code there counts by version."""
    paths = sysconfig.get_paths()
    return tuple({Path(paths[key]).resolve() for key in ("stdlib", "platstdlib", "purelib", "platlib")})


def _is_under(path, roots):
    return any(path == root or root in path.parents for root in roots)


def search_path():
    """The directories user code is imported from: the project first, then sys.path less installed code."""
    installed = _installed_roots()
    user = [p for p in sys.path if p and Path(p).is_dir() and not _is_under(Path(p).resolve(), installed)]
    return [str(PROJECT_ROOT), *user]


def code_digest(path):
    """SHA-256 of a source file as it computes: a Python module's syntax tree without docstrings (so
    comments, docstrings and layout do not count), any other file's bytes. The file is read every
    time; only the digest of a syntax tree is remembered, keyed by the bytes it was parsed from."""
    data = Path(path).read_bytes()
    raw = hashlib.sha256(data).hexdigest()
    if Path(path).suffix != ".py":
        return raw
    if raw not in _syntax_digests:
        _syntax_digests[raw] = _syntax_digest(data, raw)
    return _syntax_digests[raw]


_syntax_digests = {}  # a module's bytes' SHA-256 -> its syntax tree's digest (parsing is the slow part)


def _syntax_digest(data, raw_sha256):
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return raw_sha256  # hashed as bytes; importing it will say what is wrong
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree, annotate_fields=False).encode("utf-8")).hexdigest()


def _shown(path, roots):
    """A path as it is recorded: relative to the directory it is imported through, so that the same
    code gives the same identity in another checkout or on a Dask worker."""
    for root in sorted(roots, key=lambda r: -len(str(r))):
        if path == root or root in path.parents:
            return path.relative_to(root).as_posix()
    return path.as_posix()


@lru_cache(maxsize=None)
def _finder(module_name):
    """modulefinder's view of `module_name` and what it imports, or None if it cannot be read."""
    finder = modulefinder.ModuleFinder(path=search_path())
    try:
        finder.import_hook(module_name)
    except (ImportError, SyntaxError, AttributeError):
        # Not user code (an installed library), a plug-in that fails to import (reported when it is
        # built), or a namespace package modulefinder cannot follow.
        return None
    return finder


@lru_cache(maxsize=None)
def code_paths(module_name):
    """{shown path: file} of the module `module_name` and of every module of the project or of the
    user's own code that it imports, directly or not (packages' __init__ files included), read
    without being run; each shown relative to the directory it is imported through. Modules of
    installed libraries are left out: their distribution's version stands for them."""
    finder = _finder(module_name)
    if finder is None:
        origin = _origin(module_name)
        paths = [origin] if origin and not _is_under(Path(origin).resolve(), _installed_roots()) else []
    else:
        paths = [module.__file__ for module in finder.modules.values()]
    roots = [Path(p).resolve() for p in search_path()]
    installed = _installed_roots()
    files = {}
    for name in paths:
        if not name or _is_under(Path(name).resolve(), installed):
            continue
        path = Path(name).resolve()
        companions = [path.with_suffix(".c")] if path.suffix == ".py" else []
        for source in (path, *companions):
            if source.is_file():
                files[_shown(source, roots)] = source
    return dict(sorted(files.items()))


def source_files(module_name):
    """{shown path: digest} of the files of `code_paths(module_name)`, as they are now."""
    return {shown: code_digest(path) for shown, path in code_paths(module_name).items()}


def run_code_paths(experiment):
    """{shown path: file} of all the code a run of `experiment` passes through: its factory's module
    and the computing entry point, with what they import. The files a cluster is sent derive from it."""
    return dict(sorted({**code_paths(COMPUTING_ENTRY), **code_paths(_module_of(experiment))}.items()))


def _module_of(experiment):
    return experiment.factory.partition(":")[0]


@lru_cache(maxsize=None)
def imported_distributions(module_name):
    """{distribution: version} of the installed distributions that `module_name` and the user code it
    imports import directly (the rest of an installed library counts by that library's version)."""
    finder = _finder(module_name)
    names = set(finder.badmodules) if finder is not None else {module_name}
    tops = {name.split(".")[0] for name in names} - set(sys.stdlib_module_names)
    versions = {}
    for top in sorted(tops):
        for distribution in _distributions().get(top, []):
            try:
                versions[distribution] = metadata.version(distribution)
            except metadata.PackageNotFoundError:
                continue
    return versions


def _origin(module_name):
    """The file of `module_name`, found by Python's import system (which imports its parents)."""
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec else None


@lru_cache(maxsize=None)
def _distributions():
    return metadata.packages_distributions()  # slow (it reads every installed package's files): once


def numerics_home(module_name):
    """The module whose `numerics` is that of `module_name`, found by reading its code, not running it:
    `module_name` if it defines the name at its top level, the module it imports it from if it says
    `from X import numerics`, else None. So asking for a classifier's numerics imports only what
    computes them (the network's: NumPy and its C epoch, not scikit-learn)."""
    origin = _origin(module_name)
    if not origin or not origin.endswith(".py"):
        return None
    try:
        tree = ast.parse(Path(origin).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return module_name  # importing it will say what is wrong
    package = module_name if Path(origin).name == "__init__.py" else module_name.rpartition(".")[0]
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any((alias.asname or alias.name) == "numerics" for alias in node.names):
            alias = next(alias for alias in node.names if (alias.asname or alias.name) == "numerics")
            home = importlib.util.resolve_name("." * node.level + (node.module or ""), package) if node.level \
                else node.module
            return home if alias.name == "numerics" else module_name
        defined = [node.name] if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else [
            target.id for target in getattr(node, "targets", [getattr(node, "target", None)])
            if isinstance(target, ast.Name)]
        if "numerics" in defined:
            return module_name
    return None


@lru_cache(maxsize=None)
def module_numerics(module_name):
    """What decides the numbers of the classifiers of `module_name` besides code and data: the module's
    own `numerics()` if it has one (defined there or imported by name, `numerics_home`), else the
    environment's (provenance.numerics)."""
    own, home = None, numerics_home(module_name) if code_paths(module_name) else None
    if home is not None:  # user code: importing it is what the run will do anyway
        try:
            own = getattr(importlib.import_module(home), "numerics", None)
        except Exception:  # a plug-in that fails to import is named when it is built, not here
            own = None
    return json_ready(own()) if callable(own) else numerics()


def extra_inputs(paths):
    """{path: SHA-256} of the files a plug-in's spec names as inputs (a missing one counts as missing)."""
    return {str(path): (hashlib.sha256(Path(path).read_bytes()).hexdigest() if Path(path).is_file() else "missing")
            for path in paths}


def identity(experiment, seed):
    """Everything a run of `experiment` with `seed` depends on, as a JSON-ready dict."""
    module_name = _module_of(experiment)
    code = {shown: code_digest(path) for shown, path in run_code_paths(experiment).items()}
    libraries = {**imported_distributions(COMPUTING_ENTRY), **imported_distributions(module_name)}
    return {
        "schema": RUN_SCHEMA,
        "factory": experiment.factory,
        "params": json_ready(experiment.params),
        "seed": seed if experiment.stochastic else None,
        "training_set": experiment.training_set,
        "data_sha256": SHA256,
        "code": code,
        "libraries": dict(sorted(libraries.items())),
        "inputs": extra_inputs(getattr(experiment, "inputs", ())),
        "numerics": module_numerics(module_name),
    }


NAMED_PARTS = ("code", "inputs", "libraries")  # parts whose differing members are named (files, libraries)


def differences(first, second):
    """The parts of two identities that differ, in words ("code (network/network.py), numerics");
    empty if they are the same."""
    parts = []
    for key in sorted(set(first) | set(second)):
        a, b = first.get(key), second.get(key)
        if a == b:
            continue
        if key in NAMED_PARTS and isinstance(a, dict) and isinstance(b, dict):
            names = sorted(name for name in set(a) | set(b) if a.get(name) != b.get(name))
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            parts.append(f"{key} ({shown})")
        else:
            parts.append(key)
    return ", ".join(parts)


def digest(ident):
    """A short, stable digest of an identity (canonical JSON, SHA-256)."""
    text = json.dumps(ident, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]


def run_file(name, stochastic, seed, run_digest):
    """A run's file in its results folder: runs/NAME/seed-K.DIGEST.json, or runs/NAME/run.DIGEST.json
    for a classifier that takes no seed."""
    stem = f"seed-{seed}" if stochastic else "run"
    return Path("runs") / name / f"{stem}.{run_digest}.json"


def run_path(results_dir, experiment, seed, run_digest=None):
    """Where the run of `experiment` with `seed` is stored, its identity's digest in the name (this
    process's identity, unless the digest of one computed elsewhere is given)."""
    run_digest = run_digest or digest(identity(experiment, seed))
    return Path(results_dir) / run_file(experiment.name, experiment.stochastic, seed, run_digest)


def forget():
    """Forget every cached reading of the code (tests edit modules between two identities)."""
    for cached in (_finder, code_paths, imported_distributions, module_numerics):
        cached.cache_clear()


def json_ready(value, exactly=False):
    """`value` as it reads back from JSON (tuples and NumPy arrays become lists, NumPy numbers plain
    ones), so stored and fresh values compare. `exactly`: a value JSON would not give back as it was (a
    dict, whose keys JSON makes text; a NaN or an infinity; any other object) is kept as its repr
    instead, so that what is stored is never mistaken for what it stands for."""
    if isinstance(value, np.ndarray):
        value = value.tolist()  # a 0-d array gives its one number
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (list, tuple)):
        return [json_ready(item, exactly) for item in value]
    if exactly and not (value is None or isinstance(value, (bool, int, str))
                        or (isinstance(value, float) and math.isfinite(value))):
        return repr(value)
    if isinstance(value, dict):
        return {str(key): json_ready(item, exactly) for key, item in value.items()}
    return value
