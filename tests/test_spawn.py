"""The local pool's workers never run the caller's main module: `reports.compare` works from a script
without `if __name__ == "__main__":`, from `python -c` and from standard input alike (a notebook is
tested in tests/test_notebook.py)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What a caller does, minus the data: start the runner's pool and have a worker compute something.
CALLER = ("import sys; sys.path.insert(0, {root!r})\n"
          "from reports.runner.executors import LocalPool\n"
          "pool = LocalPool(1)\n"
          "print('worker says', pool.submit(abs, -3).result())\n"
          "pool.close()\n")


@pytest.mark.parametrize("how", ["script", "-c", "stdin"])
def test_a_worker_starts_whatever_the_caller_is(how, tmp_path):
    code = CALLER.format(root=str(ROOT))
    if how == "script":  # no __main__ guard: a worker that ran the script again would start a pool itself
        script = tmp_path / "mine.py"
        script.write_text(code)
        argv, stdin = [sys.executable, str(script)], None
    else:
        argv, stdin = ([sys.executable, "-c", code], None) if how == "-c" else ([sys.executable, "-"], code)
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0 and done.stdout.count("worker says 3") == 1, done.stderr
