"""The runner computes exactly the missing runs, files each under the identity it was computed with,
and keeps what is finished when interrupted; the publish step renders only when something changed.
On the 8x8 digits, with an executor that runs each task in this process (the local pool and Dask are
tested apart)."""

import concurrent.futures
import json

import pytest

import tests.plugins
from reports.publish import publish
from reports.runner import identity, runner, worker
from reports.runner.request import RequestError, make_request
from reports.runner.store import read_run


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
        return False

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
    real = worker.identity

    def elsewhere(experiment, seed):  # a worker whose arithmetic is not this machine's
        return {**real(experiment, seed), "numerics": {"arithmetic": "another machine's"}}

    monkeypatch.setattr(worker, "identity", elsewhere)
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
])
def test_bad_settings_are_one_line_before_anything_runs(tmp_path, settings, message):
    from reports.runner.registry import RegistryError

    with pytest.raises((RequestError, RegistryError)) as caught:
        make_request("report", **{"results": str(tmp_path / "results"), **settings})
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


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
