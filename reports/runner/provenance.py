"""Where a result came from: the code's git commit, the libraries, the BLAS kernel, the CPU.

`numerics()` is what can change a computed figure on the same code and data: the versions of the
libraries that compute, the BLAS library with the kernel it chose for this CPU, and the SIMD
features NumPy dispatches to. It is part of every run's identity. `machine()` adds what describes
the machine without changing results (the CPU model, the number of cores, BLAS threads) and is
recorded beside it.
"""

import os
import platform
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path

LIBRARIES = ("numpy", "scipy", "scikit-learn", "scikit-learn-intelex", "joblib", "threadpoolctl")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Sent with the code to a Dask worker, whose copy is no git checkout: the commit that code is at.
COMMIT_FILE = "COMMIT"
# Environment variables that choose the BLAS kernel or NumPy's SIMD loops: recorded where they are set.
NUMERICS_VARIABLES = ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")


def library_versions(names=LIBRARIES):
    """Python's version and those of the installed `names` (the ones not installed are left out)."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


def _blas_libraries():
    """threadpoolctl's view of the BLAS libraries of NumPy and SciPy, both loaded first so that the
    answer does not depend on what the caller happened to import."""
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_info

    return [info for info in threadpool_info() if info["user_api"] == "blas"]


def _simd_features():
    """The CPU features NumPy's own loops dispatch to here (its baseline, then those enabled at run
    time: NPY_DISABLE_CPU_FEATURES turns some off)."""
    from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__

    return [*__cpu_baseline__, *(f for f in __cpu_dispatch__ if __cpu_features__.get(f))]


@lru_cache(maxsize=None)
def numerics():
    """What, beside code and data, decides a computed figure: libraries, BLAS kernels, SIMD features."""
    blas = sorted({f"{info['internal_api']} {info['version']} ({info.get('architecture') or 'unknown kernel'})"
                   for info in _blas_libraries()})
    return {"libraries": library_versions(), "blas": blas, "numpy_simd": _simd_features()}


def cpu_model():
    """The CPU's model name as the kernel reports it (Linux), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine():
    """The machine a run was computed on: CPU, cores, BLAS threads, and the numerics variables set."""
    threads = sorted({f"{info['internal_api']} {info['num_threads']} threads" for info in _blas_libraries()})
    return {"cpu": cpu_model(), "architecture": platform.machine(), "cpus": os.cpu_count(),
            "blas_threads": threads,
            "variables": {name: os.environ[name] for name in NUMERICS_VARIABLES if name in os.environ}}


def history():
    """The full hashes of the checkout's commits, oldest first (empty outside a git checkout)."""
    try:
        listed = subprocess.run(["git", "rev-list", "--reverse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                                text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return listed.split()


def git_commit():
    """The short commit of the project's checkout, marked when tracked files have uncommitted changes;
    on a Dask worker, the commit of the checkout its code was sent from (COMMIT_FILE)."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        try:
            return (PROJECT_ROOT / COMMIT_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return "unknown (not a git checkout)"
    return commit + (" (with uncommitted changes)" if dirty else "")
