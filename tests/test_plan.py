"""A run is identified by what it depends on and nothing else; the plan asks for exactly the runs
that are missing, and make's rules are derived from the one list of experiments."""

import re
import textwrap
from pathlib import Path

import pytest

from reports.runner import identity
from reports.runner.evaluate import evaluate_seeds
from reports.runner.experiments import BY_NAME, EXPERIMENTS, experiments_of
from reports.runner.plan import PlanError, jobs_for, plan, render_code, runs_wanted, safe_path, whole_number
from reports.runner.registry import resolve

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """A plug-in in the user's own module, importable as `mymodule`, and a way to edit it."""
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "mymodule.py"

    def write(answer):
        path.write_text(textwrap.dedent(f"""
            import numpy as np

            class Constant:
                def fit(self, X, y):
                    return self

                def predict(self, X):
                    return np.full(len(X), {answer})
        """))
        identity.source_files.cache_clear()  # each make run is a new process; here, forget

    write(3)
    yield write
    identity.source_files.cache_clear()


def test_a_plugin_edited_between_two_evaluations_is_a_new_run(user_module, tmp_path):
    plugin = resolve("v=mymodule:Constant")
    before = identity.run_path(tmp_path, plugin, 0)
    assert identity.run_path(tmp_path, plugin, 0) == before  # untouched: the same run, reused
    user_module(7)
    assert identity.run_path(tmp_path, plugin, 0) != before
    assert "mymodule.py" in " ".join(identity.identity(plugin, 0)["code"])


def test_a_library_factory_counts_by_the_library_version():
    ident = identity.identity(resolve("k=sklearn.neighbors:KNeighborsClassifier"), 0)
    assert ident["code"] == {} and ident["library"].startswith("scikit-learn ")


def test_a_builtin_depends_on_its_own_modules_and_not_on_descriptions_statistics_or_rendering():
    network = identity.identity(BY_NAME["network"], 0)["code"]
    assert {"network/network.py", "network/classifier.py"} <= set(network)
    svc = identity.identity(BY_NAME["svc-book"], None)["code"]
    for code in (network, svc):
        assert not any(path.startswith("reports/") for path in code)
    assert "reports/render/stats.py" in map(str, render_code("report"))
    assert "reports/render/book.py" in map(str, render_code("chapter"))


def test_parameters_seed_and_training_set_are_part_of_the_identity():
    network = BY_NAME["network"]
    digest = identity.digest(identity.identity(network, 0))
    from dataclasses import replace
    for other in (replace(network, params=dict(network.params, eta=1.0)),
                  replace(network, training_set="train+validation")):
        assert identity.digest(identity.identity(other, 0)) != digest
    assert identity.digest(identity.identity(network, 1)) != digest
    verbose = replace(network, progress_params={"verbose": True})
    assert identity.digest(identity.identity(verbose, 0)) == digest  # what it prints is no part of it


def test_seeds_up_and_down_give_exactly_that_many_runs(tmp_path):
    for n in (3, 1, 5):
        wanted = runs_wanted([BY_NAME["random"], BY_NAME["darkness"]], n, tmp_path)
        assert [(r.experiment.name, r.seed) for r in wanted] == [("random", s) for s in range(n)] + [("darkness", 0)]


@pytest.mark.parametrize("text", ["abc", "0", "-1", "2.5", "", " ", "1e3", "３"])
def test_a_setting_that_is_not_a_whole_number_is_refused_naming_the_variable(text):
    with pytest.raises(PlanError, match=rf"^CHAPTER_SEEDS={re.escape(repr(text.strip()))}: must be a whole number >= 1$"):
        whole_number(text, "CHAPTER_SEEDS")
    assert whole_number(" 12 ", "SEEDS") == 12


@pytest.mark.parametrize("text", ["../my results", "a:b", "$(HOME)", "x;y", ""])
def test_paths_make_cannot_carry_are_refused(text):
    with pytest.raises(PlanError, match="RESULTS"):
        safe_path(text, "RESULTS")


def test_a_deterministic_factory_that_takes_random_state_is_fitted_at_most_twice(digits_mnist, tmp_path):
    from tests.plugins import IgnoresItsSeed
    plugin = resolve("same=tests.plugins:IgnoresItsSeed")
    assert plugin.stochastic
    probe = runs_wanted([plugin], 5, tmp_path, probe=True)
    assert [r.seed for r in probe] == [0, 1]
    IgnoresItsSeed.fits = 0
    list(evaluate_seeds(plugin, [r.seed for r in probe], digits_mnist, tmp_path, quiet=True))
    assert runs_wanted([plugin], 5, tmp_path, probe=True) == []
    assert [r.seed for r in runs_wanted([plugin], 5, tmp_path)] == [0, 1]  # alike: no more seeds
    assert IgnoresItsSeed.fits == 2


def test_a_stochastic_plugin_gets_every_seed_once_the_probe_tells(digits_mnist, tmp_path):
    plugin = resolve("t=sklearn.tree:DecisionTreeClassifier max_depth=4 splitter='random'")
    list(evaluate_seeds(plugin, [0, 1], digits_mnist, tmp_path, quiet=True))
    assert [r.seed for r in runs_wanted([plugin], 4, tmp_path)] == [0, 1, 2, 3]


def test_missing_runs_keep_both_cores_busy_the_svcs_first_each_beside_a_long_single_core_job(tmp_path):
    wanted = runs_wanted(experiments_of("report"), 5, tmp_path)
    jobs = jobs_for(wanted, 2)
    assert [(job.experiment.name, len(job.runs)) for job in jobs] == [
        ("svc-book", 1), ("network", 5), ("svc-modern", 1), ("random", 5), ("darkness", 1)]
    assert sum(len(job.runs) for job in jobs) == len(wanted)


def test_the_network_alone_is_shared_out_over_the_cores(tmp_path):
    jobs = jobs_for(runs_wanted([BY_NAME["network"]], 5, tmp_path), 2)
    assert sorted(len(job.runs) for job in jobs) == [2, 3]
    chapter = jobs_for(runs_wanted(experiments_of("chapter"), 10, tmp_path), 2)
    assert max(len(job.runs) for job in chapter if job.experiment.name.startswith("network")) <= 5


def test_every_experiment_has_a_rule_and_every_rule_an_experiment(tmp_path):
    """The make rules come from the list; the Makefile itself names no classifier."""
    for kind in ("report", "chapter"):
        experiments = experiments_of(kind)
        rules = plan(experiments, {}, kind=kind, n_seeds=2, results_dir=tmp_path, out=tmp_path / "r.md",
                     figures=tmp_path / "f", command="make", python="py")
        evaluated = set(re.findall(r"-m reports evaluate (\S+) ", rules))
        assert evaluated == {e.name for e in experiments}
    assert {e.name for e in EXPERIMENTS} == {e.name for k in ("report", "chapter") for e in experiments_of(k)}
    # What make runs (comments and help text aside) names no classifier.
    makefile = "\n".join(line for line in (ROOT / "Makefile").read_text().splitlines()
                         if not line.lstrip().startswith(("#", "@echo")))
    named = [e.name for e in EXPERIMENTS if re.search(rf"(?<![\w-]){re.escape(e.name)}(?![\w-])", makefile)]
    assert named == [], f"the Makefile names {named}: derive them from reports/runner/experiments.py"


def test_a_run_file_that_exists_and_reads_back_is_not_computed_again(digits_mnist, tmp_path):
    darkness = BY_NAME["darkness"]
    list(evaluate_seeds(darkness, [0], digits_mnist, tmp_path, quiet=True))
    rules = plan([darkness], {}, kind="report", n_seeds=1, results_dir=tmp_path, out=tmp_path / "r.md",
                 figures=tmp_path / "f", command="make", python="py")
    assert "reports evaluate" not in rules
    path = identity.run_path(tmp_path, darkness, 0)
    path.write_text(path.read_text().replace('"correct": ', '"correct": 1'))  # hand-edited: corrupt
    rules = plan([darkness], {}, kind="report", n_seeds=1, results_dir=tmp_path, out=tmp_path / "r.md",
                 figures=tmp_path / "f", command="make", python="py")
    assert "reports evaluate darkness" in rules


def test_finished_run_files_survive_an_interrupted_or_failing_job(tmp_path):
    """make deletes a target whose recipe is interrupted or fails; run files are whole when they exist."""
    rules = plan(experiments_of("report"), {}, kind="report", n_seeds=2, results_dir=tmp_path, out=tmp_path / "r.md",
                 figures=tmp_path / "f", command="make", python="py")
    [precious] = re.findall(r"^\.PRECIOUS: (.*)$", rules, re.MULTILINE)
    targets = re.findall(r"^(.*) &:$", rules, re.MULTILINE)
    assert sorted(precious.split()) == sorted(" ".join(targets).split())


def test_a_report_made_with_other_settings_is_made_again_whatever_its_timestamp(digits_mnist, tmp_path):
    darkness = BY_NAME["darkness"]
    list(evaluate_seeds(darkness, [0], digits_mnist, tmp_path, quiet=True))
    out = tmp_path / "report.md"

    def rules(command):
        return plan([darkness], {}, kind="report", n_seeds=1, results_dir=tmp_path, out=out, figures=tmp_path / "f",
                    command=command, python="py")

    fingerprint = re.search(r"--fingerprint (\w+)", rules("make report")).group(1)
    out.write_text(f"# a report\n\n<!-- settings: {fingerprint} -->\n")
    assert f"{out}: " in rules("make report") and "FORCE" not in rules("make report").split(f"{out}: ")[1].split("\n")[0]
    # The same file, overwritten by a run with other settings (a concurrent make, say): made again.
    assert "FORCE" in rules("make report EXTRA=x").split(f"{out}: ")[1].split("\n")[0]
    out.write_text("# a report written by hand, or cut short\n")
    assert "FORCE" in rules("make report").split(f"{out}: ")[1].split("\n")[0]


def test_quiet_rules_echo_no_commands(tmp_path):
    rules = plan([BY_NAME["darkness"]], {}, kind="report", n_seeds=1, results_dir=tmp_path, out=tmp_path / "r.md",
                 figures=tmp_path / "f", command="make", python="py", quiet=True)
    recipes = [line for line in rules.splitlines() if line.startswith("\t") and "reports" in line]
    assert recipes and all(line.startswith("\t@") for line in recipes)
