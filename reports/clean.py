"""`make clean`: remove what the project wrote in RESULTS, by name, and nothing else.

What the project writes there: run files (runs/NAME/*.json, and *.unreadable ones set aside), the
reports and their summaries (*.md), their tables (*.csv), figures (figures/*.png), the benchmark's
bench.json, temporaries of interrupted writes (.NAME.*.tmp.*), and the lock of the commands that
compute there (.lock); a report made elsewhere with REPORT_MD has the same kinds of files in its own
folder. A RESULTS that holds anything else is refused whole, before anything is removed, and so is
the project itself, a folder that contains it, .git, or a folder of the project's source. Standard library only: it runs before the venv exists.
"""

import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WRITTEN = ("*.json", "*.md", "*.csv", "*.png", "*.json.unreadable", ".*.tmp.*", ".lock")


class CleanError(Exception):
    """A RESULTS that is not the project's to remove; the message says why."""


def _tracked(path):
    """Whether git tracks any file under `path` (a folder of the project's source)."""
    try:
        listed = subprocess.run(["git", "ls-files", "--", str(path)], cwd=PROJECT_ROOT, capture_output=True,
                                text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return False
    return bool(listed.strip())


def written_files(results):
    """Every file under `results`, all of which the project writes; a CleanError naming the first that
    it does not, or naming why `results` is not for cleaning at all."""
    given = results
    results = Path(os.path.abspath(results))
    if results.is_symlink() or not results.exists():
        return []
    real = results.resolve()
    if real == PROJECT_ROOT or real in PROJECT_ROOT.parents:
        raise CleanError(f"RESULTS={str(given)!r} holds this project; not removing it")
    if ".git" in real.parts or (real.is_relative_to(PROJECT_ROOT) and _tracked(real)):
        raise CleanError(f"RESULTS={str(given)!r} is part of the project's source (git tracks files in it); "
                         "not removing it")
    if not real.is_dir():
        raise CleanError(f"RESULTS={str(given)!r} is a file, not a results folder; not removing it")
    files = []
    for folder, directories, names in os.walk(real):
        for name in names:
            path = Path(folder) / name
            if not any(fnmatch.fnmatchcase(name, pattern) for pattern in WRITTEN) or path.is_symlink():
                raise CleanError(f"RESULTS={str(given)!r} holds {path.relative_to(real)}, which the project "
                                 "did not write; not removing anything (move it out, or delete the folder yourself)")
            files.append(path)
    return files


def clean(results):
    """Remove the project's files in `results` and the folders they leave empty."""
    written_files(results)  # every check, before anything goes
    results = Path(results)
    if results.is_dir() and not results.is_symlink():
        shutil.rmtree(results)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m reports.clean", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", default="results")
    args = parser.parse_args(argv)
    if not args.results.strip() or "\n" in args.results:
        print(f"error: RESULTS={args.results!r}: give the results folder's name", file=sys.stderr)
        return 1
    try:
        clean(args.results)
    except CleanError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: cannot remove {error.filename}: {error.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
