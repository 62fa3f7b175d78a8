"""The Makefile's lists of classifiers agree with reports/chapter1.py, and EXTRA plug-ins are parsed."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reports.chapter1 import BY_NAME, EXPERIMENTS, REPORT

MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"


def makefile_list(variable):
    match = re.search(rf"^{variable} := (.*)$", MAKEFILE.read_text(), re.MULTILINE)
    return match.group(1).split()


def test_stochastic_classifiers_agree_with_the_chapter():
    assert set(makefile_list("STOCHASTIC")) == {e.name for e in EXPERIMENTS if e.stochastic}


def test_report_and_chapter_lists_agree_with_the_chapter():
    assert makefile_list("REPORT") == REPORT
    assert set(makefile_list("CHAPTER")) <= set(BY_NAME)


def dry_run(tmp_path, *args):
    """`make -n` with results going to tmp_path: lists the commands without running any."""
    completed = subprocess.run(["make", "-n", "--no-print-directory", f"RESULTS={tmp_path}", *args],
                               cwd=MAKEFILE.parent, capture_output=True, text=True, check=True)
    return completed.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_extra_plugins_get_their_own_spec_file_and_report_entry(tmp_path):
    extra = "knn=sklearn.neighbors:KNeighborsClassifier n_neighbors=3; tree=sklearn.tree:DecisionTreeClassifier max_depth=(4)"
    commands = dry_run(tmp_path, f"EXTRA={extra}", f"{tmp_path}/report.md")
    assert (tmp_path / "knn.spec").read_text() == "knn=sklearn.neighbors:KNeighborsClassifier n_neighbors=3\n"
    assert (tmp_path / "tree.spec").read_text() == "tree=sklearn.tree:DecisionTreeClassifier max_depth=(4)\n"
    assert f"evaluate --spec-file {tmp_path}/knn.spec --seeds 5 --collect {tmp_path}/knn.json --results {tmp_path}" in commands
    assert f"evaluate network --seed 4 --results {tmp_path}" in commands  # runs land in RESULTS too
    render = next(line for line in commands.splitlines() if " render " in line)
    assert f"{tmp_path}/knn.json {tmp_path}/tree.json" in render
    mtime = (tmp_path / "knn.spec").stat().st_mtime_ns
    dry_run(tmp_path, f"EXTRA={extra}", f"{tmp_path}/report.md")
    assert (tmp_path / "knn.spec").stat().st_mtime_ns == mtime  # unchanged spec, untouched file


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_a_second_report_reuses_the_results_of_the_first(tmp_path):
    commands = dry_run(tmp_path, f"REPORT_MD={tmp_path}/example/report.md", f"{tmp_path}/example/report.md")
    render = next(line for line in commands.splitlines() if " render " in line)
    assert f"--out {tmp_path}/example/report.md --figures {tmp_path}/example/figures" in render
    assert f"{tmp_path}/network.json" in render  # the records of RESULTS, not copies of them
    assert (tmp_path / "example" / "report.names").is_file()
