"""The runner on a real Dask cluster (LocalCluster, worker processes on loopback), on the 8x8 digits:
the same run files as this machine computes, and a worker with other numerics never fills this
machine's place."""

import os

import pytest

pytest.importorskip("distributed")

from distributed import LocalCluster  # noqa: E402

from reports.publish import publish  # noqa: E402
from reports.runner import runner  # noqa: E402
from reports.runner.request import make_request  # noqa: E402
from reports.runner.store import read_run  # noqa: E402
from tests.test_runner import InProcess  # noqa: E402

# What legitimately differs between two computations of one run: timings, timestamps, where it ran.
VARYING = ("fit_seconds", "predict_seconds", "fit_cpu_seconds", "predict_cpu_seconds", "created", "provenance")


class Unused:
    """An executor that fails the test if anything is computed on it."""

    name, jobs = "an executor that must not be used", 1

    def submit(self, *args):
        pytest.fail("nothing to compute, but a run was submitted")

    def dataset(self):
        pytest.fail("nothing to compute, but the data was asked for")

    def close(self, interrupted=False):
        pass


@pytest.fixture
def on_digits(monkeypatch, digits_mnist):
    """The cluster is sent the digits instead of MNIST."""
    monkeypatch.setattr("data.mnist.load_mnist", lambda **_: digits_mnist)
    return digits_mnist


def run_files(results):
    return {path.relative_to(results).as_posix(): {k: v for k, v in read_run(path).items() if k not in VARYING}
            for path in sorted((results / "runs").rglob("*.json"))}


def request(results, scheduler=None):
    return make_request("report", only="random darkness", seeds="2", extra="t=sklearn.tree:DecisionTreeClassifier "
                        "max_depth=4 splitter='random'", results=str(results), scheduler=scheduler)


def test_a_cluster_computes_the_very_run_files_this_machine_does(on_digits, tmp_path):
    here = request(tmp_path / "here")
    assert publish(here, InProcess(on_digits), quiet=True).status == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster:
        there = request(tmp_path / "there", cluster.scheduler_address)
        assert publish(there, quiet=True).status == 0  # the executor the request names: its Dask cluster
        # Nothing missing the second time: the cluster is not even asked.
        assert publish(there, Unused(), quiet=True).status == 0
    assert run_files(tmp_path / "here") == run_files(tmp_path / "there")
    assert (tmp_path / "there/report.md").is_file()


def test_a_worker_with_other_numerics_files_its_runs_under_its_own_identity(on_digits, tmp_path, capsys):
    kernel = "Sandybridge" if os.environ.get("OPENBLAS_CORETYPE") != "Sandybridge" else "Prescott"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0",
                      env={"OPENBLAS_CORETYPE": kernel}) as cluster:
        there = make_request("report", only="darkness", results=str(tmp_path), scheduler=cluster.scheduler_address)
        status = publish(there, quiet=True).status
    said = capsys.readouterr().err
    assert status == 1 and "under another identity (numerics differ from this machine's)" in said
    [stored] = (tmp_path / "runs/darkness").glob("*.json")
    wanted, _ = runner.wanted_runs(there)
    assert stored != wanted[0].path and kernel in str(read_run(stored)["identity"]["numerics"])


def test_a_task_whose_worker_dies_is_computed_again_on_another(on_digits, tmp_path, capsys):
    marker = tmp_path / "killed-once"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster:
        there = make_request("report", only="darkness", results=str(tmp_path),
                             extra=f"k=tests.plugins:KillsItsProcessOnce marker={str(marker)!r}",
                             scheduler=cluster.scheduler_address)
        status = publish(there, quiet=True).status
    said = capsys.readouterr().err
    assert marker.exists(), "the plug-in never killed its worker"
    assert status == 0, said
    assert [read_run(path)["name"] for path in sorted((tmp_path / "runs/k").glob("*.json"))] == ["k"]
