"""Evaluate classifiers on the test set, keep the results as JSON, render the markdown report.

From Python: `reports.compare([...], seeds=5)` (reports/api.py), the runner of `make report`.
"""

import importlib

__all__ = ["compare"]


def __getattr__(name):
    # Loaded on first use, so that `python -m reports` can take charge of Ctrl-C before heavy imports;
    # and by name, so that a run's identity, which follows import statements (reports/runner/identity.py),
    # does not take the whole suite in with every module of this package (reports/runner/protocol.py).
    if name == "compare":
        return importlib.import_module("reports.api").compare
    raise AttributeError(f"module 'reports' has no attribute {name!r}")
