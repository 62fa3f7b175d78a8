"""A run is identified by what it computes with and nothing else: the code (by its syntax, not its
comments), the libraries it imports, its parameters, seed, data and numerics."""

import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from reports.runner import identity
from reports.runner.experiments import BY_NAME, EXPERIMENTS, experiments_of
from reports.runner.registry import resolve
from reports.runner.request import make_request
from reports.runner.runner import schedule, wanted_runs

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """A plug-in in the user's own module, importable as `mymodule`, and a way to rewrite it."""
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "mymodule.py"

    def write(source):
        path.write_text(textwrap.dedent(source))
        identity.forget()  # each command is a new process; here, forget

    write("""
        import numpy as np

        class Constant:
            def fit(self, X, y):
                return self

            def predict(self, X):
                return np.full(len(X), 3)
    """)
    yield write
    identity.forget()


def test_a_code_edit_is_a_new_run_and_a_comment_or_docstring_edit_is_not(user_module, tmp_path):
    plugin = resolve("v=mymodule:Constant")
    before = identity.run_path(tmp_path, plugin, 0)
    user_module('''
        """A constant classifier, documented at last."""
        import numpy as np

        class Constant:  # answers three, always
            def fit(self, X, y):
                """Learn nothing."""
                return self

            def predict(self, X):
                return np.full(len(X),
                               3)
    ''')
    assert identity.run_path(tmp_path, plugin, 0) == before
    user_module("""
        import numpy as np

        class Constant:
            def fit(self, X, y):
                return self

            def predict(self, X):
                return np.full(len(X), 7)
    """)
    assert identity.run_path(tmp_path, plugin, 0) != before
    assert "mymodule.py" in identity.identity(plugin, 0)["code"]  # relative to its sys.path entry


def test_the_installed_libraries_a_plugin_imports_count_by_version(user_module):
    plugin = resolve("v=mymodule:Constant")
    libraries = identity.identity(plugin, 0)["libraries"]
    assert re.fullmatch(r"\d+\.\d+.*", libraries["numpy"])
    library = identity.identity(resolve("k=sklearn.neighbors:KNeighborsClassifier"), 0)
    assert "scikit-learn" in library["libraries"]


def test_files_a_spec_names_as_inputs_count(user_module, tmp_path):
    weights = tmp_path / "weights.txt"
    weights.write_text("1")
    plugin = resolve(f"v=mymodule:Constant inputs=[{str(weights)!r}]")
    before = identity.run_path(tmp_path, plugin, 0)
    weights.write_text("2")
    assert identity.run_path(tmp_path, plugin, 0) != before


def test_a_builtin_depends_on_its_own_modules_and_the_run_protocol_not_on_other_classifiers_or_rendering():
    network = identity.identity(BY_NAME["network"], 0)["code"]
    assert {"network/network.py", "network/classifier.py", "data/mnist.py"} <= set(network)
    svc = identity.identity(BY_NAME["svc-book"], None)["code"]
    assert "baselines/svm.py" in svc and "baselines/darkness.py" not in svc  # __init__ imports nothing
    for code in (network, svc):
        assert not any(path.startswith("reports/render/") for path in code)
        assert not any(path.startswith(("reports/runner/runner", "reports/runner/request")) for path in code)


def test_parameters_seed_and_training_set_are_part_of_the_identity():
    network = BY_NAME["network"]
    digest = identity.digest(identity.identity(network, 0))
    for other in (replace(network, params=dict(network.params, eta=1.0)),
                  replace(network, training_set="train+validation")):
        assert identity.digest(identity.identity(other, 0)) != digest
    assert identity.digest(identity.identity(network, 1)) != digest


def test_seeds_up_and_down_give_exactly_that_many_runs(tmp_path):
    for n in (3, 1, 5):
        request = make_request("report", only="random darkness", seeds=str(n), results=str(tmp_path))
        wanted, _ = wanted_runs(request)
        assert [(w.experiment.name, w.seed) for w in wanted] == [("random", s) for s in range(n)] + [("darkness", 0)]


def test_missing_runs_start_longest_first_every_core_runs_beside_one_core_runs(tmp_path):
    wanted, _ = wanted_runs(make_request("report", seeds="2", results=str(tmp_path)))
    order = [w.experiment.name for w in schedule(wanted)]
    assert order[:4] == ["svc-book", "network", "svc-modern", "network"]
    assert sorted(order) == sorted(w.experiment.name for w in wanted)


def test_the_experiments_are_listed_once_and_the_makefile_names_none():
    assert {e.name for e in EXPERIMENTS} == {e.name for k in ("report", "chapter") for e in experiments_of(k)}
    makefile = "\n".join(line for line in (ROOT / "Makefile").read_text().splitlines()
                         if not line.lstrip().startswith(("#", "@echo")))
    named = [e.name for e in EXPERIMENTS if re.search(rf"(?<![\w./-]){re.escape(e.name)}(?![\w./-])", makefile)]
    assert named == [], f"the Makefile names {named}: derive them from reports/runner/experiments.py"


def test_every_module_the_computing_entry_point_imports_is_in_the_identity():
    """Derived from imports, not a hand list: whatever the worker imports when it runs is counted."""
    code = identity.identity(BY_NAME["network"], 0)["code"]
    for module in ("reports/runner/worker.py", "reports/runner/factory.py", "reports/runner/evaluate.py",
                   "reports/runner/protocol.py", "data/mnist.py", "network/compiled_epoch.c"):
        assert module in code
    script = ("import sys, reports.runner.worker; "
              "print('\\n'.join(m.__file__ for m in list(sys.modules.values()) if getattr(m, '__file__', None)))")
    imported = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.split("\n")
    # The project's own files; installed code counts by version, even in a venv inside the project.
    installed = identity._installed_roots()
    shown = {Path(path).resolve().relative_to(ROOT).as_posix() for path in imported
             if path and Path(path).resolve().is_relative_to(ROOT)
             and not identity._is_under(Path(path).resolve(), installed)}
    assert shown and shown <= set(code), f"imported when a run is computed, but outside its identity: {shown - set(code)}"


def test_an_edit_of_any_module_a_run_passes_through_changes_its_digest(tmp_path, monkeypatch):
    """In a copy of the project: each module of the run's code is changed in turn, and the digest follows,
    without forgetting anything this process read (only which modules import which is remembered)."""
    network = BY_NAME["network"]
    for package in {shown.split("/")[0] for shown in identity.run_code_paths(network)}:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    monkeypatch.setattr(identity, "PROJECT_ROOT", tmp_path)
    identity.forget()
    try:
        paths = identity.run_code_paths(network)
        assert all(tmp_path in path.parents for path in paths.values())
        before = identity.digest(identity.identity(network, 0))
        for shown, path in paths.items():
            original = path.read_bytes()
            path.write_bytes(original + (b"\nint probe;\n" if path.suffix == ".c" else b"\nPROBE = 1\n"))
            assert identity.digest(identity.identity(network, 0)) != before, f"an edit of {shown} went unseen"
            path.write_bytes(original)
        assert identity.digest(identity.identity(network, 0)) == before
    finally:
        identity.forget()


@pytest.mark.parametrize("source, home", [
    ("def numerics():\n    return {}\n", "mymodule"),
    ("from json import numerics\n", "json"),
    ("from json import dumps as numerics\n", "mymodule"),
    ("numerics = dict\n", "mymodule"),
    ("import json\n\ndef fit():\n    numerics = 1\n", None),  # not at the top level: not the module's
])
def test_a_modules_numerics_is_found_by_reading_it_not_running_it(user_module, source, home, monkeypatch):
    import sys

    monkeypatch.delitem(sys.modules, "mymodule", raising=False)  # an earlier test's, imported from its own folder
    user_module(source)
    assert identity.numerics_home("mymodule") == home


def test_the_networks_numerics_are_asked_without_loading_scikit_learn():
    import subprocess
    import sys

    check = ("import sys; from reports.runner.identity import module_numerics; "
             "arithmetic = module_numerics('network.classifier'); "
             "print('sklearn' in sys.modules, 'arithmetic' in arithmetic)")
    said = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert said.split() == ["False", "True"]  # a warm `make report` does not pay scikit-learn's import
