"""The Makefile through make itself: reading it writes nothing, and bad settings stop in one line."""

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None or not (ROOT / ".venv/bin/python").exists(),
                                reason="needs make and the project's venv (make test makes both)")


def make(*args):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True)


def snapshot(*directories):
    """Every file under `directories` with its content's digest (the venv and caches aside)."""
    skip = {".venv", ".git", "__pycache__", ".pytest_cache"}
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest()
            for directory in directories for path in sorted(Path(directory).rglob("*"))
            if path.is_file() and not skip & set(path.parts)}


def test_dry_runs_and_help_write_no_file(tmp_path):
    results = tmp_path / "results"
    before = snapshot(ROOT, tmp_path)
    for args in (["-n", "report", f"RESULTS={results}"], ["help"],
                 ["-n", "report", f"RESULTS={results}", "EXTRA=knn=sklearn.neighbors:KNeighborsClassifier; "
                                                        "t=sklearn.tree:DecisionTreeClassifier max_depth=(4)"],
                 ["-n", "chapter", f"RESULTS={results}"]):
        completed = make(*args)
        assert completed.returncode == 0, completed.stderr
    assert snapshot(ROOT, tmp_path) == before and not results.exists()


def test_a_dry_run_lists_what_would_be_computed(tmp_path):
    out = make("-n", "report", f"RESULTS={tmp_path}", "SEEDS=2", "EXTRA=knn=tests.plugins:nearest_neighbours").stdout
    assert f"reports evaluate network --seeds 0 1 --results {tmp_path}" in out  # one process for the group
    assert "reports evaluate knn=tests.plugins:nearest_neighbours --seeds 0" in out
    render = next(line for line in out.splitlines() if " render " in line)
    assert f"--out {tmp_path}/report.md" in render and "--command 'make report SEEDS=2 EXTRA=" in render


@pytest.mark.parametrize("setting, message", [
    ("SEEDS=abc", "error: SEEDS='abc': must be a whole number >= 1"),
    ("SEEDS=0", "error: SEEDS='0'"),
    ("JOBS=two", "error: JOBS='two'"),
    ("EXTRA=../../x=sklearn.neighbors:KNeighborsClassifier", "a classifier name starts with a letter"),
])
def test_bad_settings_stop_with_one_line_before_anything_is_written(tmp_path, setting, message):
    completed = make("-n", "report", f"RESULTS={tmp_path}/results", setting)
    assert completed.returncode != 0 and message in completed.stderr
    assert completed.stderr.count("error:") == 1
    assert list(tmp_path.iterdir()) == []


def test_an_empty_jobs_means_the_default(tmp_path):
    out = make("-n", "report", f"RESULTS={tmp_path}", "JOBS=").stdout
    assert "-j" in out and "-j " not in out


@pytest.mark.parametrize("results", [".", "..", "/", "tests/.."])
def test_clean_never_removes_the_project_itself(results):
    completed = make("clean", f"RESULTS={results}")
    assert completed.returncode != 0 and "holds this project; not removing it" in completed.stderr
    assert (ROOT / "Makefile").is_file() and (ROOT / "tests").is_dir()


def test_clean_removes_a_results_directory_elsewhere(tmp_path):
    (tmp_path / "results" / "runs").mkdir(parents=True)
    assert make("clean", f"RESULTS={tmp_path / 'results'}").returncode == 0
    assert not (tmp_path / "results").exists()


def test_an_empty_seeds_means_the_default_written_in_python(tmp_path):
    out = make("-n", "report", f"RESULTS={tmp_path}", "SEEDS=").stdout
    assert "reports evaluate network --seeds 0 1 2 3 4 " in out
