"""Atomic writes against the machine's faults: read-only and full disks, a file size limit, processes
killed outright, and Ctrl-C; each ends in one line, with nothing half-written left behind."""

import contextlib
import fnmatch
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from data import mnist
from common.files import HOST, MANIFEST, WriteError, atomic_path, write_text_atomic
from tests.deadlines import scaled

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def mounted(directory, options):
    """A tmpfs mounted at `directory` with `options`; the test is skipped where mounting is not allowed."""
    directory.mkdir(exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a file system here (needs root)")
    try:
        yield directory
    finally:
        subprocess.run(["umount", str(directory)], check=True)


def test_a_read_only_file_system_is_one_line_naming_the_file_and_the_fix(tmp_path):
    with mounted(tmp_path / "ro", "ro,size=1m") as directory:
        with pytest.raises(WriteError) as caught:
            write_text_atomic(directory / "runs" / "run.json", "{}")
    assert str(caught.value) == (f"cannot write {directory}/runs/run.json: read-only file system; make {directory} "
                                 "writable (remount it read-write) or work from a writable copy")


def test_a_full_disk_leaves_nothing_half_written(tmp_path):
    with mounted(tmp_path / "full", "size=64k") as directory:
        (directory / "report.md").write_text("the old report")
        with pytest.raises(WriteError, match=r"report.md: no space left on the device; free space on the disk"):
            write_text_atomic(directory / "report.md", "x" * 200_000)
        assert [path.name for path in directory.iterdir()] == ["report.md"]
        assert (directory / "report.md").read_text() == "the old report"


def test_a_file_size_limit_is_one_line_and_leaves_nothing(tmp_path):
    # RLIMIT_FSIZE holds even for root; Python ignores SIGXFSZ, so the write fails with EFBIG.
    script = textwrap.dedent(f"""
        import resource, sys
        from common.cli import run_main
        from common.files import WriteError, write_text_atomic
        resource.setrlimit(resource.RLIMIT_FSIZE, (10_000, 10_000))
        sys.exit(run_main(lambda: write_text_atomic({str(tmp_path / "big.txt")!r}, "x" * 100_000), (WriteError,)))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr == (f"error: cannot write {tmp_path}/big.txt: file too large for this shell's file size limit "
                           "(ulimit -f); raise the limit (ulimit -f unlimited) and run the same command again\n")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_read_in_the_block_is_not_called_a_write_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        with atomic_path(tmp_path / "copy.txt"):
            open(tmp_path / "missing.txt").read()
    assert list(tmp_path.iterdir()) == []


def test_temporaries_of_dead_processes_are_removed_and_those_of_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".mnist.npz.{HOST}-{dead.stdout.strip()}-abcd1234.tmp.npz"
    live = tmp_path / f".seed-1.json.{HOST}-{os.getppid()}-abcd1234.tmp.json"
    elsewhere = tmp_path / f".seed-2.json.otherhost-{dead.stdout.strip()}-abcd1234.tmp.json"
    for path in (stale, live, elsewhere):
        path.write_text("half")
    write_text_atomic(tmp_path / "seed-0.json", "{}")
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([live.name, elsewhere.name, "seed-0.json",
                                                                       MANIFEST])


def test_temporaries_match_the_ignore_rule_and_make_clean(tmp_path):
    assert ".*.tmp.*" in (PROJECT_ROOT / ".gitignore").read_text().splitlines()
    assert "data/.*.tmp.*" in (PROJECT_ROOT / "Makefile").read_text()
    with atomic_path(tmp_path / "mnist.npz") as tmp:
        assert fnmatch.fnmatch(tmp.name, ".*.tmp.*") and tmp.suffix == ".npz"
        tmp.write_bytes(b"")


@pytest.mark.parametrize("value", ["", None])
def test_an_empty_mnist_pkl_gz_means_not_set(monkeypatch, value):
    monkeypatch.setenv(mnist.ENV_VAR, "")
    assert mnist.named_file(value) is None


@pytest.mark.parametrize("value, message", [("  ", r"\$MNIST_PKL_GZ='  ' names no file"),
                                            (".", r"\$MNIST_PKL_GZ=. is a directory; name the file itself")])
def test_a_blank_or_directory_mnist_pkl_gz_is_one_line(monkeypatch, value, message):
    monkeypatch.setenv(mnist.ENV_VAR, value)
    with pytest.raises(mnist.DataError, match=message):
        mnist.named_file()


def wait_for(paths, process, seconds=60):
    """Wait until one of `paths()` exists (or the process ended), at most `seconds` on a quiet machine
    (scaled by its load); return them."""
    deadline = time.monotonic() + scaled(seconds)
    while time.monotonic() < deadline:
        found = list(paths())
        if found or process.poll() is not None:
            return found
        time.sleep(0.05)
    return []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_mid_run_is_one_line_exit_130_and_finished_runs_are_kept(tmp_path, digits_mnist, signum):
    gate = tmp_path / "gate"
    gate.mkdir()
    (gate / "open-0").touch()  # seed 0 finishes; seed 1 waits at the gate until interrupted
    script = textwrap.dedent(f"""
        import signal
        import sys
        import numpy as np
        # Ctrl-C as a terminal delivers it, whatever this test's own parent did with SIGINT (a process
        # started in the background of a shell without job control inherits it ignored).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from sklearn.datasets import load_digits
        from data import mnist
        data = load_digits()
        images, labels = (data.data / 17).astype(np.float32), data.target
        digits = mnist.MNIST(mnist.Split(images[:1200], labels[:1200]), mnist.Split(images[:0], labels[:0]),
                             mnist.Split(images[1200:], labels[1200:]), "digits")
        # At the source, before the command is imported: however the command reaches the loader, it
        # gets the digits, and the test needs no data/mnist.npz (a clean clone has none).
        mnist.load_mnist = lambda **_: digits
        import reports.__main__ as cli
        sys.exit(cli.main(["evaluate", "gated=tests.plugins:Gate gate={str(gate)!r}", "--seeds", "0", "1",
                           "--results", {str(tmp_path / "results")!r}, "--quiet"]))
    """)
    process = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: gate.glob("started-*-1"), process)
        process.send_signal(signum)  # SIGTERM (kill, timeout) ends it as Ctrl-C does
        out, err = process.communicate(timeout=scaled(60))
    finally:  # never leave the command waiting at the gate
        (gate / "open").touch()
        process.kill()
    assert process.returncode == 130
    assert err.splitlines()[-1] == "interrupted; finished runs are kept, run the same command to resume"
    assert "Traceback" not in err
    kept = [path.name for path in (tmp_path / "results").rglob("*") if path.name != MANIFEST]
    assert len(kept) == 3 and any(name.startswith("seed-0.") for name in kept)  # runs/, gated/, seed 0's file
    assert not any(".tmp." in name for name in kept)
