"""Sweeps on a real Dask cluster (LocalCluster, 2 worker processes on loopback), on the 8x8 digits."""

import os
import signal
import threading

import numpy as np
import pytest

pytest.importorskip("distributed")

from distributed import LocalCluster  # noqa: E402

from reports import results  # noqa: E402
from reports.chapter1 import BY_NAME  # noqa: E402
from reports.evaluate import evaluate  # noqa: E402
from data.mnist import MNIST, Split  # noqa: E402
from reports.sweep import SweepError, _aligned, _evaluate_on_worker, connect, sweep, tasks_from_make  # noqa: E402

# svc-book: scikit-learn-intelex, where installed, refuses the unaligned arrays Dask can deliver.
TASKS = [("random", 0), ("random", 1), ("darkness", 0), ("svc-book", 0), ("network", 0), ("network", 1)]


@pytest.fixture(scope="module")
def digits(digits_mnist):
    return digits_mnist


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster:
        yield cluster


def comparable(run):
    """A run without what legitimately differs between two evaluations: timings and timestamps."""
    return {k: v for k, v in run.items() if k not in ("fit_seconds", "predict_seconds", "created")}


def test_make_dry_run_lines_become_tasks():
    lines = [".venv/bin/python -m reports evaluate network --seed 3 --results results\n",
             ".venv/bin/python -m reports collect network results/runs/network/seed-3.json --out x\n",
             ".venv/bin/python -m reports evaluate svc-book --seed 0 --results results\n",
             ".venv/bin/python -m reports evaluate network --seed 3 --results results\n"]
    assert tasks_from_make(lines) == [("network", 3), ("svc-book", 0)]


def test_cluster_sweep_writes_the_same_runs_as_the_local_evaluation(cluster, digits, tmp_path):
    with connect(cluster.scheduler_address) as client:
        written = sweep(TASKS, digits, client, tmp_path, log=lambda message: None)
    assert sorted(written) == sorted(results.run_path(name, seed, tmp_path) for name, seed in TASKS)
    for name, seed in TASKS:
        remote = results.read_json(results.run_path(name, seed, tmp_path), results.RUN_SCHEMA, digits.sha256)
        local = evaluate(BY_NAME[name], seed, digits, label_output=False)
        assert comparable(remote) == comparable(results.json_ready(local))


def test_a_worker_killed_mid_sweep_loses_only_its_task(cluster, digits, tmp_path):
    tasks = [("network", seed) for seed in range(6)]
    with connect(cluster.scheduler_address) as client:
        pids = list(client.run(os.getpid).values())
        # Kill one worker process as soon as the first result is in: its running task is recomputed.
        killed = threading.Event()

        def log(message):
            if not killed.is_set():
                killed.set()
                os.kill(pids[0], signal.SIGKILL)

        written = sweep(tasks, digits, client, tmp_path, log=log)
    assert killed.is_set() and len(written) == len(tasks)
    assert all(results.run_path("network", seed, tmp_path).is_file() for seed in range(6))


def unaligned_copy(array):
    """`array`'s values in memory that starts one byte past an aligned address."""
    raw = np.zeros(array.nbytes + 1, dtype=np.uint8)
    copy = np.frombuffer(raw.data, dtype=array.dtype, count=array.size, offset=1).reshape(array.shape)
    copy[...] = array
    return copy


def test_arrays_that_arrive_unaligned_are_aligned_before_evaluation(digits, tmp_path):
    shifted = MNIST(*(Split(unaligned_copy(s.images), unaligned_copy(s.labels))
                      for s in (digits.train, digits.validation, digits.test)), sha256=digits.sha256)
    assert not shifted.train.images.flags.aligned
    fixed = _aligned(shifted)
    assert all(a.flags.aligned and a.flags.c_contiguous for s in (fixed.train, fixed.test) for a in (s.images, s.labels))
    np.testing.assert_array_equal(fixed.train.images, digits.train.images)
    run = _evaluate_on_worker(BY_NAME["svc-book"], 0, shifted)  # oneDAL refuses unaligned input
    assert run["correct"] == evaluate(BY_NAME["svc-book"], 0, digits, label_output=False)["correct"]


def test_a_malformed_scheduler_address_is_named():
    with pytest.raises(SweepError, match="scheduler at foo "):
        connect("foo", timeout="2s")


def test_an_unreachable_scheduler_is_named():
    with pytest.raises(SweepError, match="tcp://127.0.0.1:9 "):
        connect("tcp://127.0.0.1:9", timeout="2s")
