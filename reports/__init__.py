"""Evaluate classifiers on the test set, keep the results as JSON, render the markdown report.

From Python: `reports.compare([...], seeds=5)` (reports/api.py), the runner of `make report`.
"""

__all__ = ["compare"]


def __getattr__(name):
    # Loaded on first use, so that `python -m reports` can take charge of Ctrl-C before heavy imports.
    if name == "compare":
        from reports.api import compare
        return compare
    raise AttributeError(f"module 'reports' has no attribute {name!r}")
