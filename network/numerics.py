"""What, besides the code and the data, decides the network's numbers on this machine.

A module of its own, importing NumPy and the compiled epoch only, so that a run's identity can ask
it without loading scikit-learn (reports/runner/identity.py reads `numerics` where the classifier's
module imports it from): a `make report` with nothing to do answers at once.
"""

import numpy as np

from network import compiled_epoch


def numerics():
    """What, besides the code and the data, decides the network's numbers here, as a JSON-ready dict
    (a run's identity holds it).

    Where the compiled epoch is usable (built, and its self-test passed), the arithmetic is the
    portable C file's, the same on every machine: nothing about this machine counts, only NumPy's
    version, whose random generator draws the initial weights and the shuffles. Elsewhere NumPy
    trains, and its numbers depend on the BLAS library and kernel and on NumPy's own SIMD loops."""
    versions = {"numpy": np.__version__}
    if compiled_epoch.why_not() is None:
        return {"arithmetic": f"portable C: network/{compiled_epoch.SOURCE.name}", "libraries": versions}
    from threadpoolctl import threadpool_info
    from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__
    import scipy

    np.ones((2, 2)) @ np.ones((2, 2))  # NumPy's BLAS is loaded by now
    blas = sorted({f"{info['internal_api']} {info['version']} ({info.get('architecture') or 'unknown kernel'})"
                   for info in threadpool_info() if info["user_api"] == "blas"})
    return {"arithmetic": "NumPy", "libraries": {**versions, "scipy": scipy.__version__}, "blas": blas,
            "numpy_simd": [*__cpu_baseline__, *(f for f in __cpu_dispatch__ if __cpu_features__.get(f))]}
