"""The runner computes exactly the missing runs, files each under the identity it was computed with,
and keeps what is finished when interrupted; the publish step renders only when something changed.
On the 8x8 digits, with an executor that runs each task in this process (the local pool and Dask are
tested apart)."""

import concurrent.futures
import errno
import json
import sys
from pathlib import Path

import pytest

import tests.plugins
from reports.publish import publish
from reports.runner import identity, runner, worker
from reports.runner.local_pool import WorkerDied
from reports.runner.request import RequestError, make_request
from reports.runner.store import read_run

ROOT = Path(__file__).resolve().parents[1]


class InProcess:
    """An executor that computes each task when it is submitted, here: what a pool does, minus the
    processes. It records what it was asked to compute."""

    name, jobs = "this test", 1

    def __init__(self, dataset, interrupt_after=None):
        self.data, self.interrupt_after, self.computed, self.closed = dataset, interrupt_after, [], None

    def dataset(self):
        return self.data

    def submit(self, function, *args):
        future = concurrent.futures.Future()
        if self.interrupt_after is not None and len(self.computed) == self.interrupt_after:
            future.set_exception(KeyboardInterrupt())
            return future
        self.computed.append((args[0].name, args[1]))
        try:
            future.set_result(function(*args))
        except Exception as error:
            future.set_exception(error)
        return future

    def as_completed(self, futures):
        return iter(futures)

    def lost(self, error):
        return isinstance(error, WorkerDied) and not error.by_itself

    def crashed(self, error):
        return isinstance(error, WorkerDied) and error.by_itself

    def close(self, interrupted=False):
        self.closed = "interrupted" if interrupted else "closed"


@pytest.fixture
def run(digits_mnist, tmp_path, capsys):
    """run(**settings) -> (exit status, what was computed, what was said): `make report` on the digits."""
    executors = []

    def go(kind="report", dry_run=False, interrupt_after=None, **settings):
        settings = {"only": "random darkness", "seeds": "2", "results": str(tmp_path / "results"), **settings}
        request = make_request(kind, **settings)
        executor = InProcess(digits_mnist, interrupt_after)
        executors.append(executor)
        status = publish(request, executor, dry_run=dry_run, quiet=False).status
        return status, executor.computed, capsys.readouterr().err

    return go


def run_files(results):
    return sorted(path.relative_to(results).as_posix() for path in (results / "runs").rglob("*.json"))


def test_the_runner_computes_the_missing_runs_and_then_nothing(run, tmp_path):
    status, computed, _ = run()
    assert status == 0 and sorted(computed) == [("darkness", 0), ("random", 0), ("random", 1)]
    assert (tmp_path / "results/report.md").is_file()
    status, computed, said = run()
    assert status == 0 and computed == [] and "is up to date (3 runs)" in said
    status, computed, _ = run(seeds="3")  # one more seed: one more run, and a new report
    assert computed == [("random", 2)] and "random" in (tmp_path / "results/report.md").read_text()


def test_a_run_file_edited_by_hand_makes_its_report_stale(run, tmp_path):
    run()
    path = next((tmp_path / "results/runs/darkness").glob("*.json"))
    stored = json.loads(path.read_text())
    stored["fit_seconds"] = 12345.0  # still a valid run, but not the one the report was made from
    path.write_text(json.dumps(stored))
    status, computed, said = run()
    assert status == 0 and computed == [] and "is up to date" not in said and "wrote" in said


def test_a_dry_run_lists_what_would_be_computed_and_writes_nothing(run, tmp_path):
    status, computed, said = run(dry_run=True)
    assert status == 0 and computed == [] and not (tmp_path / "results").exists()
    assert "would compute random seed 1 ->" in said and "3 of 3 runs to compute" in said
    run()
    _, _, said = run(dry_run=True, seeds="3")
    assert "would compute random seed 2" in said and "would compute darkness" not in said


def test_an_unreadable_run_file_is_moved_aside_and_computed_again(run, tmp_path):
    run()
    [darkness] = (tmp_path / "results/runs/darkness").glob("*.json")
    darkness.write_text(darkness.read_text()[:100])  # truncated
    status, computed, said = run()
    assert status == 0 and computed == [("darkness", 0)]
    assert said.count("moved aside to") == 1 and (darkness.parent / (darkness.name + ".unreadable")).is_file()
    assert read_run(darkness)["correct"] > 0


def test_ctrl_c_keeps_the_finished_runs_and_stops_the_executor(run, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        run(interrupt_after=1)
    assert len(run_files(tmp_path / "results")) == 1
    status, computed, _ = run()
    assert status == 0 and len(computed) == 2  # the finished one is not computed again


def test_a_failing_plugin_is_in_the_report_and_the_exit_status_every_time(run, tmp_path):
    for _ in range(2):
        status, computed, said = run(extra="bad=tests.plugins:FitRaises")
        assert status == 1 and "error: failed, in the report's list of failures: bad" in said
    assert computed == []  # the failure is a result: not tried again until its code or spec changes
    report = (tmp_path / "results/report.md").read_text()
    assert "- bad: RuntimeError in fit: out of cheese" in report and "| darkness " in report


def test_a_failure_of_the_environment_is_said_and_tried_again_not_stored(run, tmp_path, monkeypatch):
    def broken(path, name=None):
        raise worker.FactoryError(f"{name}: cannot import module 'tests' (a broken install)")

    monkeypatch.setattr(worker, "import_factory", broken)
    status, _, said = run(only="darkness")
    assert status == 1 and "a broken install" in said and "tried again next time" in said
    assert run_files(tmp_path / "results") == []
    monkeypatch.undo()
    status, computed, _ = run(only="darkness")
    assert status == 0 and computed == [("darkness", 0)]


def test_a_run_computed_with_other_numerics_is_filed_under_its_own_identity(run, tmp_path, monkeypatch):
    def elsewhere(*args):  # a worker whose arithmetic is not this machine's
        with monkeypatch.context() as there:
            there.setattr(identity, "module_numerics", lambda name: {"arithmetic": "another machine's"})
            return worker.compute_run(*args)

    monkeypatch.setattr(runner, "compute_run", elsewhere)
    status, _, said = run(only="darkness")
    assert status == 1 and "under another identity (numerics differ" in said
    [stored] = (tmp_path / "results/runs/darkness").glob("*.json")
    assert stored != identity.run_path(tmp_path / "results", runner.wanted_runs(
        make_request("report", only="darkness", results=str(tmp_path / "results")))[0][0].experiment, 0)
    assert json.loads(stored.read_text())["identity"]["numerics"] == {"arithmetic": "another machine's"}
    monkeypatch.undo()
    status, computed, _ = run(only="darkness")  # this machine's run is still missing: computed now
    assert status == 0 and computed == [("darkness", 0)]


def test_a_plugin_that_ignores_its_seed_is_fitted_twice_and_reported_as_measured(run, tmp_path):
    tests.plugins.IgnoresItsSeed.fits = 0
    status, computed, _ = run(extra="same=tests.plugins:IgnoresItsSeed", seeds="5")
    assert status == 0 and [c for c in computed if c[0] == "same"] == [("same", 0), ("same", 1)]
    assert tests.plugins.IgnoresItsSeed.fits == 2
    _, computed, _ = run(extra="same=tests.plugins:IgnoresItsSeed", seeds="5")
    assert computed == [] and tests.plugins.IgnoresItsSeed.fits == 2
    rows = (tmp_path / "results/runs.csv").read_text().splitlines()
    assert sum(row.startswith("same,") for row in rows) == 2  # the probe's two fits are its result
    assert "deterministic: seeds 0 and 1 predict alike" in (tmp_path / "results/report.md").read_text()


def test_a_plugin_declared_deterministic_is_not_probed(run):
    tests.plugins.IgnoresItsSeed.fits = 0
    _, computed, _ = run(extra="same=tests.plugins:IgnoresItsSeed seeding='deterministic'", seeds="5")
    assert [c for c in computed if c[0] == "same"] == [("same", 0)]


def test_a_random_plugin_runs_over_every_seed_the_probes_among_them(run):
    _, computed, _ = run(extra="scribbles=tests.plugins:ScribblesOnItsInput", seeds="4", only="darkness")
    assert sorted(c for c in computed if c[0] == "scribbles") == [("scribbles", seed) for seed in range(4)]


def test_the_report_is_made_again_when_its_settings_change(run, tmp_path):
    run()
    report = tmp_path / "results/report.md"
    first = report.read_text()
    assert first.rstrip().splitlines()[-1].startswith("<!-- settings: ")
    run(out=str(tmp_path / "results/other.md"))
    run()
    assert report.read_text().splitlines()[-1] == first.splitlines()[-1]
    run(only="darkness random")  # another order of rows: another report
    assert report.read_text().splitlines()[-1] != first.splitlines()[-1]


@pytest.mark.parametrize("settings, message", [
    ({"seeds": "abc"}, "SEEDS='abc': must be a whole number >= 1"),
    ({"seeds": "0"}, "SEEDS='0'"),
    ({"jobs": "70000"}, "JOBS='70000': must be a whole number from 1 to 256"),
    ({"jobs": "two"}, "JOBS='two'"),
    ({"results": "~/x"}, "'~' is not expanded here"),
    ({"results": "a\nb"}, "cannot hold a line break"),
    ({"results": "x" * 300}, "longer than the 255 bytes"),
    ({"extra": "../../x=tests.plugins:nearest_neighbours"}, "a classifier name starts"),
    ({"extra": "darkness"}, "'darkness' appears twice"),
    ({"only": "svm"}, "ONLY names 'svm'"),
    ({"extra": "k" * 300 + "=sklearn.neighbors:KNeighborsClassifier"}, "longer than the 255 bytes"),
    ({"out": str(ROOT / "data/mnist.py")}, "its folder"),  # would overwrite the source, scatter figures in it
    ({"out": str(ROOT / "README.md")}, "holds this project"),
    ({"out": str(ROOT / "docs/new/report.md")}, "is part of the project's source"),
    ({"results": str(ROOT / "network")}, "is part of the project's source"),
    ({"results": str(ROOT / ".git/results")}, "inside .git"),
    ({"results": str(ROOT)}, "holds this project"),
    ({"extra": "k=sklearn.neighbors:KNeighborsClassifier metric_params={1, 2}"}, "metric_params={1, 2} is a set"),
    ({"extra": "k=sklearn.neighbors:KNeighborsClassifier metric_params=b'3'"}, "is a bytes, which a run file"),
    ({"extra": "k=sklearn.neighbors:KNeighborsClassifier p=1j"}, "p=1j is a complex"),
    ({"extra": "a-vs-b=sklearn.neighbors:KNeighborsClassifier"}, "cannot hold '-vs-'"),
    ({"scheduler": "ucx://host:8786"}, "the ucx:// protocol is not supported here"),  # even with nothing to compute
])
def test_bad_settings_are_one_line_before_anything_runs(tmp_path, settings, message):
    from reports.runner.registry import RegistryError

    with pytest.raises((RequestError, RegistryError)) as caught:
        make_request("report", **{"results": str(tmp_path / "results"), **settings})
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_results_folder_that_is_a_file_is_refused_before_anything_runs(tmp_path):
    (tmp_path / "results").write_text("mine")
    with pytest.raises(RequestError, match="is a file, not a folder"):
        make_request("report", only="darkness", results=str(tmp_path / "results"))


def test_paths_with_spaces_and_quotes_are_fine(run, tmp_path):
    status, _, _ = run(results=str(tmp_path / "my 'results'"))
    assert status == 0 and (tmp_path / "my 'results'/report.md").is_file()


def test_the_python_api_uses_the_same_runs_as_make_report(run, digits_mnist, tmp_path, monkeypatch):
    import reports
    from sklearn.neighbors import KNeighborsClassifier

    monkeypatch.setattr("data.mnist.load_mnist", lambda **_: digits_mnist)
    monkeypatch.setattr(runner, "executor_for", lambda request: InProcess(digits_mnist))
    run(extra="knn=sklearn.neighbors:KNeighborsClassifier n_neighbors=3")
    before = run_files(tmp_path / "results")
    rows = reports.compare(["random", "darkness", ("knn", KNeighborsClassifier(n_neighbors=3))], seeds=2,
                           results=str(tmp_path / "results"))
    assert run_files(tmp_path / "results") == before  # every run reused: the same identities
    rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    assert sorted((row["classifier"], row["seed"]) for row in rows) == [
        ("darkness", ""), ("knn", ""), ("random", 0), ("random", 1)]
    assert next(row for row in rows if row["classifier"] == "knn")["params"] == '{"n_neighbors": 3}'


def test_the_python_api_refuses_what_workers_cannot_import(tmp_path):
    import reports
    from reports.runner.registry import RegistryError

    class Local:
        def get_params(self, deep=False):
            return {}

    with pytest.raises(RegistryError, match="defined in the notebook or script itself"):
        reports.compare([Local()], results=str(tmp_path))


def test_library_warnings_are_said_once_at_the_end_and_not_at_all_when_quiet(digits_mnist, tmp_path, capsys):
    request = make_request("report", only="darkness", seeds="3", results=str(tmp_path),
                           extra="warns=tests.plugins:Warns")
    publish(request, InProcess(digits_mnist))
    said = capsys.readouterr().err
    assert said.count("warning (warns): UserWarning: this estimator is noisy") == 1
    publish(make_request("report", only="darkness", seeds="3", results=str(tmp_path / "quiet"),
                         extra="warns=tests.plugins:Warns"), InProcess(digits_mnist), quiet=True)
    assert "noisy" not in capsys.readouterr().err


EDITS_ITSELF = '''
import numpy as np
from pathlib import Path

import edithelper


class EditsDuringFit:
    """Predicts edithelper.CONST; its fit edits edithelper.py, as a user may while a long fit runs."""

    def fit(self, X, y):
        helper = Path(edithelper.__file__)
        helper.write_text(helper.read_text().replace("CONST = 2", "CONST = 5"))
        return self

    def predict(self, X):
        return np.full(len(X), edithelper.CONST)
'''


def test_an_edit_made_during_a_fit_stores_nothing_and_the_next_command_computes_the_new_code(
        run, tmp_path, monkeypatch):
    plugins = tmp_path / "PLUG"
    plugins.mkdir()
    (plugins / "edithelper.py").write_text("CONST = 2\n")
    (plugins / "editing.py").write_text(EDITS_ITSELF)
    monkeypatch.syspath_prepend(str(plugins))
    identity.forget()
    status, _, said = run(only="darkness", extra="e=editing:EditsDuringFit")
    assert status == 1 and "e: code (edithelper.py) changed during the fit (not stored: it is tried again next time)" in said
    assert not (tmp_path / "results/runs/e").exists()
    for module in ("editing", "edithelper"):  # the next command is a new process: it imports the new code
        monkeypatch.delitem(sys.modules, module)
    status, computed, _ = run(only="darkness", extra="e=editing:EditsDuringFit")
    assert status == 0 and ("e", 0) in computed
    [stored] = (tmp_path / "results/runs/e").glob("*.json")
    assert set(read_run(stored)["predictions"]) == {5}
    identity.forget()


def test_code_changed_between_the_plan_and_the_fit_is_refused_before_the_fit(digits_mnist):
    from reports.runner.experiments import BY_NAME

    planned = identity.identity(BY_NAME["darkness"], 0)
    planned = {**planned, "code": {**planned["code"], "baselines/darkness.py": "an earlier version"}}
    with pytest.raises(worker.EnvironmentFailure, match=r"^code \(baselines/darkness.py\) not what the command planned: edited since it started"):
        worker.compute_run(BY_NAME["darkness"], 0, digits_mnist, False, planned)


def test_a_run_file_that_is_not_what_its_name_says_is_moved_aside_and_computed_again(run, tmp_path):
    run()
    [darkness] = (tmp_path / "results/runs/darkness").glob("*.json")
    [random] = (tmp_path / "results/runs/random").glob("seed-0.*.json")
    darkness.write_text(random.read_text())  # a random run copied over darkness's file
    status, computed, said = run()
    assert status == 0 and computed == [("darkness", 0)]
    assert "it holds name 'random', seed 0, digest" in said and "moved aside to" in said
    assert read_run(darkness)["name"] == "darkness"
    report = (tmp_path / "results/report.md").read_text()
    assert "| darkness " in report


def test_a_corrupt_run_file_in_a_read_only_folder_is_one_line(run, tmp_path, monkeypatch):
    run()
    [darkness] = (tmp_path / "results/runs/darkness").glob("*.json")
    darkness.write_text("{")

    def read_only(path):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(runner, "remember", read_only)
    with pytest.raises(runner.StoreError, match=r"corrupt run file \(.*\); cannot move it aside \(Read-only file "
                                                r"system\): make .* writable, or delete the file"):
        run()


def test_a_corrupt_run_file_moved_aside_by_another_command_first_is_no_error(run, tmp_path, monkeypatch):
    run()
    [darkness] = (tmp_path / "results/runs/darkness").glob("*.json")
    darkness.write_text("{")

    def the_other_command_was_quicker(path):
        darkness.rename(path)

    monkeypatch.setattr(runner, "remember", the_other_command_was_quicker)
    status, computed, said = run()
    assert status == 0 and computed == [("darkness", 0)] and "moved aside by another command" in said


def test_a_plugin_that_crashes_its_process_has_failed_and_a_run_killed_from_outside_is_computed_again(
        run, tmp_path, monkeypatch):
    killed = []

    def process_of(experiment, seed, *args):
        if experiment.name == "boom":
            raise WorkerDied(-11)  # its code segfaulted
        if experiment.name == "random" and seed == 1 and not killed:
            killed.append(seed)
            raise WorkerDied(-9)  # the OOM killer, or a user, killed its process: not its fault
        return worker.compute_run(experiment, seed, *args)

    monkeypatch.setattr(runner, "compute_run", process_of)
    status, computed, said = run(extra="boom=tests.plugins:FitRaises")
    assert status == 1 and "error: failed, in the report's list of failures: boom" in said
    assert "boom: its process was killed by SIGSEGV while it was computed" in said
    assert killed and [c for c in computed if c[0] == "random"] == [("random", 0), ("random", 1), ("random", 1)]
    assert len(list((tmp_path / "results/runs/random").glob("*.json"))) == 2
    status, computed, _ = run(extra="boom=tests.plugins:FitRaises")
    assert status == 1 and computed == []  # stored as its failure: not tried again until its code changes


def test_a_folder_in_the_way_of_a_run_file_is_one_line_before_anything_runs(run, tmp_path):
    run()
    [darkness] = (tmp_path / "results/runs/darkness").glob("*.json")
    darkness.unlink()
    darkness.mkdir()
    with pytest.raises(runner.StoreError, match="a folder is in the way of this run file; move it away"):
        run()
