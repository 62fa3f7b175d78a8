"""This machine's pool: a process that dies takes only its own task with it, and says how it died;
no process outlives the runner. Tasks are standard-library functions, so each process starts fast."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from reports.runner.local_pool import LocalPool, WorkerDied

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def pool():
    pool = LocalPool(2)
    yield pool
    pool.close(interrupted=True)


def outcome(future):
    error = future.exception()
    return error if error is not None else future.result()


def test_a_task_that_kills_its_process_fails_alone_and_the_others_go_on(pool):
    slow = pool.submit(time.sleep, 0.5)
    crash = pool.submit(os._exit, 3)  # a plug-in calling os._exit
    later = pool.submit(os.getpid)
    finished = list(pool.as_completed([slow, crash, later]))
    assert set(finished) == {slow, crash, later}
    assert slow.result() is None and isinstance(later.result(), int)
    error = crash.exception()
    assert isinstance(error, WorkerDied) and error.by_itself and pool.crashed(error) and not pool.lost(error)
    assert str(error) == "its process exited (status 3)"
    abort = pool.submit(os.abort)  # a crash by a signal (SIGABRT), as a segfault is
    [done] = pool.as_completed([abort])
    assert pool.crashed(done.exception()) and "killed by SIGABRT" in str(done.exception())


def test_a_process_killed_from_outside_is_lost_not_failed(pool):
    sleeping = pool.submit(time.sleep, 30)
    while not sleeping.running():
        time.sleep(0.01)
    [process] = [p for p in pool.processes if p.future is sleeping]
    os.kill(process.process.pid, signal.SIGKILL)
    assert next(iter(pool.as_completed([sleeping]))) is sleeping
    error = sleeping.exception()
    assert pool.lost(error) and not pool.crashed(error) and "SIGKILL" in str(error)


def test_the_pool_processes_die_with_the_runner():
    script = textwrap.dedent("""
        import os, signal, time
        from reports.runner.local_pool import LocalPool
        pool = LocalPool(1)
        task = pool.submit(time.sleep, 60)
        while not task.running():
            time.sleep(0.01)
        print(pool.processes[0].process.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # the runner killed outright: no clean-up of its own
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    child = int(done.stdout.split()[0])
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    pytest.fail("a pool process outlived its runner")
