"""Sweeps on a real Dask cluster (LocalCluster, 2 worker processes on loopback), on the 8x8 digits:
the cluster writes the very run files a local run writes, even when a worker dies mid-task."""

import os
import signal
import threading
import time

import numpy as np
import pytest

pytest.importorskip("distributed")

from distributed import LocalCluster  # noqa: E402

from data.mnist import MNIST, Split  # noqa: E402
from reports.runner import sweep as sweep_module  # noqa: E402
from reports.runner.evaluate import evaluate, evaluate_seeds  # noqa: E402
from reports.runner.experiments import BY_NAME  # noqa: E402
from reports.runner.plan import runs_wanted  # noqa: E402
from reports.runner.registry import resolve, with_params  # noqa: E402
from reports.runner.store import read_run  # noqa: E402

# What legitimately differs between two evaluations of one run: timings, timestamps, where it ran.
VARYING = ("fit_seconds", "predict_seconds", "fit_cpu_seconds", "predict_cpu_seconds", "created", "provenance")


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster:
        yield cluster


@pytest.fixture
def on_digits(monkeypatch, digits_mnist):
    """The sweep loads the digits instead of MNIST."""
    monkeypatch.setattr(sweep_module, "load_mnist", lambda **_: digits_mnist)
    return digits_mnist


def run_files(results_dir):
    return {str(path.relative_to(results_dir)): read_run(path) for path in sorted(results_dir.rglob("*.json"))}


def comparable(runs):
    return {name: {k: v for k, v in run.items() if k not in VARYING} for name, run in runs.items()}


def local_runs(experiments, n_seeds, results_dir, dataset):
    """What make computes here for the request: the probes first, then the rest."""
    for probe in (True, False):
        for run in runs_wanted(experiments, n_seeds, results_dir, probe=probe):
            if not run.path.exists():
                list(evaluate_seeds(run.experiment, [run.seed], dataset, results_dir, quiet=True, label_output=False))
    return run_files(results_dir)


def test_a_sweep_survives_a_worker_killed_mid_task_and_writes_what_a_local_run_writes(cluster, on_digits, tmp_path):
    gate = tmp_path / "gate"
    gate.mkdir()
    # A plug-in that takes random_state (probed with seeds 0 and 1, found deterministic) and holds
    # its worker at a gate; and the network, over three seeds.
    experiments = [with_params(BY_NAME["network"], epochs=3), BY_NAME["darkness"],
                   resolve(f"gated=tests.plugins:Gate gate={str(gate)!r}")]
    swept = tmp_path / "cluster"
    outcome = {}

    def run_sweep():
        try:
            outcome["written"] = sweep_module.sweep_request(cluster.scheduler_address, experiments, 3, swept,
                                                            quiet=True, log=lambda line: None)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            outcome["error"] = error

    thread = threading.Thread(target=run_sweep)
    thread.start()
    for _ in range(1200):  # wait (up to a minute) for a worker to reach the gate
        started = list(gate.glob("started-*"))
        if started or not thread.is_alive():
            break
        time.sleep(0.05)
    assert started, outcome
    os.kill(int(started[0].name.split("-")[1]), signal.SIGKILL)
    (gate / "open").touch()
    thread.join(timeout=300)
    assert not thread.is_alive() and "error" not in outcome, outcome
    local = local_runs(experiments, 3, tmp_path / "local", on_digits)
    remote = run_files(swept)
    assert sorted(remote) == sorted(local) and len(remote) == 3 + 1 + 2
    assert comparable(remote) == comparable(local)


def test_a_second_sweep_finds_nothing_to_do(cluster, on_digits, tmp_path):
    experiments = [BY_NAME["darkness"]]
    lines = []
    assert len(sweep_module.sweep_request(cluster.scheduler_address, experiments, 1, tmp_path, log=lines.append)) == 1
    assert sweep_module.sweep_request("tcp://127.0.0.1:9", experiments, 1, tmp_path, log=lines.append) == []
    assert lines[-1] == "sweep: every run is up to date; nothing to send to the cluster"


def test_a_plugin_that_fails_on_the_workers_is_one_error_and_the_other_runs_are_kept(cluster, on_digits, tmp_path):
    experiments = [BY_NAME["darkness"], resolve("bad=tests.plugins:FitRaises")]
    with pytest.raises(sweep_module.EvaluationError, match="bad: RuntimeError in fit: out of cheese"):
        sweep_module.sweep_request(cluster.scheduler_address, experiments, 1, tmp_path, log=lambda line: None)
    assert [path.parent.name for path in tmp_path.rglob("*.json")] == ["darkness"]


def unaligned_copy(array):
    """`array`'s values in memory that starts one byte past an aligned address."""
    raw = np.zeros(array.nbytes + 1, dtype=np.uint8)
    copy = np.frombuffer(raw.data, dtype=array.dtype, count=array.size, offset=1).reshape(array.shape)
    copy[...] = array
    return copy


def test_arrays_that_arrive_unaligned_are_aligned_before_evaluation(digits_mnist):
    shifted = MNIST(*(Split(unaligned_copy(s.images), unaligned_copy(s.labels))
                      for s in (digits_mnist.train, digits_mnist.validation, digits_mnist.test)),
                    sha256=digits_mnist.sha256)
    assert not shifted.train.images.flags.aligned
    [run] = sweep_module.evaluate_job(BY_NAME["svc-book"], [0], shifted)  # oneDAL refuses unaligned input
    assert run["correct"] == evaluate(BY_NAME["svc-book"], 0, digits_mnist, label_output=False)["correct"]
