"""The Makefile through make itself: aliases that pass every setting through as typed, a dry run
that writes nothing, and a `make clean` that removes only what the project wrote."""

import hashlib
import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from common.files import write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None or not (ROOT / ".venv/bin/python").exists(),
                                reason="needs make and the project's venv (make test makes both)")


# The venv's stamps (the Makefile's VENV_READY and DASK_READY): these tests are about the aliases, so
# make is told never to rebuild the venv they run in, whatever the stamps' age (-o, --old-file).
VENV_STAMPS = (".venv/.requirements-installed", ".venv/.dask-installed")


def make(*args):
    kept = [f"--old-file={stamp}" for stamp in VENV_STAMPS]
    return subprocess.run(["make", "--no-print-directory", *kept, *args], cwd=ROOT, capture_output=True, text=True)


def snapshot(*directories):
    """Every file under `directories` with its content's digest (the venv and caches aside)."""
    skip = {".venv", ".git", "__pycache__", ".pytest_cache", "__compiled__"}
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest()
            for directory in directories for path in sorted(Path(directory).rglob("*"))
            if path.is_file() and not skip & set(path.parts)}


@pytest.fixture
def echo_python(tmp_path):
    """A stand-in for the venv's Python that writes the arguments it was given, as JSON, to a file."""
    record = tmp_path / "argv.json"
    script = tmp_path / "python"
    script.write_text(f"#!{sys.executable}\nimport json, sys\njson.dump(sys.argv[1:], open({str(record)!r}, 'w'))\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)

    def argv(*args):
        completed = make(f"PY={script}", *args)
        assert completed.returncode == 0, completed.stderr
        return json.loads(record.read_text())

    return argv


def test_the_aliases_pass_every_setting_through_as_typed(echo_python):
    extra = "knn=sklearn.neighbors:KNeighborsClassifier n_neighbors=3; t=m:f name='a b' x=$(shell echo pwned)"
    argv = echo_python("report", "SEEDS=2", "ONLY=random darkness", f"EXTRA={extra}", "JOBS=3",
                       "RESULTS=my results", "REPORT_MD=my results/other.md", "QUIET=1", "VERBOSE=1",
                       "DASK_SCHEDULER=tcp://127.0.0.1:8786")
    assert argv[:3] == ["-m", "reports", "run"] and argv[3] == "report"
    for expected in ("--seeds=2", "--only=random darkness", f"--extra={extra}", "--jobs=3", "--results=my results",
                     "--out=my results/other.md", "--scheduler=tcp://127.0.0.1:8786", "--quiet", "--verbose"):
        assert expected in argv
    chapter = echo_python("chapter", "CHAPTER_SEEDS=3")
    assert "--seeds=3" in chapter and "--seeds-variable=CHAPTER_SEEDS" in chapter and "--dry-run" not in chapter


def test_make_n_runs_the_dry_run_and_writes_nothing(tmp_path):
    results = tmp_path / "results"
    before = snapshot(ROOT, tmp_path)
    completed = make("-n", "report", f"RESULTS={results}", "SEEDS=2", "ONLY=random darkness")
    assert completed.returncode == 0, completed.stderr
    assert "would compute random seed 1" in completed.stderr and "3 of 3 runs to compute" in completed.stderr
    assert make("help").returncode == 0
    assert snapshot(ROOT, tmp_path) == before and not results.exists()


def test_bad_settings_stop_with_one_line_before_anything_is_written(tmp_path):
    completed = make("-n", "report", f"RESULTS={tmp_path}/results", "SEEDS=abc")
    assert completed.returncode != 0 and "error: SEEDS='abc': must be a whole number >= 1" in completed.stderr
    assert completed.stderr.count("error:") == 1 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("results", [".", "..", "/", "tests/..", "network", ".git", "docs", "network/../reports"])
def test_clean_never_removes_the_project_or_its_source(results):
    completed = make("clean", f"RESULTS={results}")
    assert completed.returncode != 0 and completed.stderr.count("error:") == 1
    assert "not removing" in completed.stderr
    assert (ROOT / "Makefile").is_file() and (ROOT / "network/network.py").is_file() and (ROOT / ".git").exists()  # a folder, or a file in a git worktree


def test_clean_removes_what_the_project_wrote_and_keeps_what_it_did_not(tmp_path):
    results = tmp_path / "my results"
    write_text_atomic(results / "runs/random/seed-0.0123456789ab.json", "{}")
    write_text_atomic(results / "figures/accuracy.png", "png")
    write_text_atomic(results / "report.md", "# report")
    for mine in ("thesis.md", "budget.csv", "settings.json", "sub/holiday.png"):  # kinds the project writes too
        (results / mine).parent.mkdir(parents=True, exist_ok=True)
        (results / mine).write_text("mine")
    completed = make("clean", f"RESULTS={results}")
    assert completed.returncode == 0
    assert "kept 4 file(s)" in completed.stderr and "sub/holiday.png, thesis.md" in completed.stderr
    assert sorted(p.relative_to(results).as_posix() for p in results.rglob("*")) == [
        "budget.csv", "settings.json", "sub", "sub/holiday.png", "thesis.md"]
    shutil.rmtree(results)
    write_text_atomic(results / "report.md", "# report")
    assert make("clean", f"RESULTS={results}").returncode == 0 and not results.exists()
    assert make("clean", f"RESULTS={results}").returncode == 0  # nothing there: nothing to do


def test_clean_follows_a_linked_results_folder_and_refuses_a_file_in_one_line(tmp_path):
    write_text_atomic(tmp_path / "real/report.md", "# report")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    completed = make("clean", f"RESULTS={tmp_path / 'link'}")
    assert completed.returncode == 0 and "is a link to" in completed.stderr and completed.stderr.count("\n") == 1
    assert (tmp_path / "link").is_symlink() and not (tmp_path / "real").exists()
    (tmp_path / "file").write_text("mine")
    completed = make("clean", f"RESULTS={tmp_path / 'file'}")
    assert completed.returncode != 0 and completed.stderr.count("error:") == 1 and "is a file" in completed.stderr
    assert (tmp_path / "file").read_text() == "mine"


# Constructs GNU make added after 3.81 (the make macOS ships), and GNU-only tools.
NEWER_THAN_381 = {"grouped targets": r"&:", ".ONESHELL": r"^\.ONESHELL", "$(file ...)": r"\$\(file ",
                  "::= or :::=": r":{2,3}=", "undefine": r"^\s*undefine\b", "private": r"^\s*private\b",
                  "$(guile ...)": r"\$\(guile ", "$(let ...)": r"\$\(let ", "realpath -m": r"realpath -m",
                  "$(intcmp ...)": r"\$\(intcmp "}


@pytest.mark.parametrize("construct", NEWER_THAN_381)
def test_the_makefile_needs_nothing_newer_than_make_381(construct):
    import re
    assert not re.search(NEWER_THAN_381[construct], (ROOT / "Makefile").read_text(), re.MULTILINE)


def test_a_short_flag_other_than_n_is_no_dry_run(echo_python):
    argv = echo_python("-k", "report", "ONLY=darkness")
    assert "--dry-run" not in argv


def test_a_shell_call_typed_into_a_setting_is_never_run(tmp_path):
    witness = tmp_path / "ran"
    for target in ("report", "clean"):
        make("-n", target, f"EXTRA=x=$(shell touch {witness}):f", f"RESULTS=$(shell touch {witness})")
    assert not witness.exists()


def test_a_setting_with_a_line_break_is_one_line(tmp_path):
    completed = make("-n", "report", f"RESULTS={tmp_path}/a\nb")
    assert completed.returncode != 0 and "RESULTS holds a line break; give it on one line" in completed.stderr
    assert completed.stderr.count("\n") == 1 and list(tmp_path.iterdir()) == []
