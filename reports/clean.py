"""`make clean`: remove what the project wrote in RESULTS, and nothing else.

Every file the project writes is named in the manifest of its folder (common/files.py: MANIFEST), as
it is written: run files, run files set aside as unreadable, reports, tables, figures, benchmarks.
Those are removed, with the temporaries of interrupted writes (.NAME.HOST-PID-XXXXXXXX.tmp.EXT) and
the folders left empty, and the lock of the commands that compute there
(.lock, reports/runner/lock.py); anything else stays, and the command says what it left. A RESULTS that is
the project, a folder that contains it, .git or a folder of the project's source is refused whole
(request.py refuses them as RESULTS and REPORT_MD too, before anything is written). A RESULTS that is
a symbolic link is cleaned where it points, and the link stays. Standard library only: it runs before
the venv exists.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

from common.files import MANIFEST, TEMPORARY, written_here
from reports.runner.lock import LOCK_NAME  # the project's, though no atomic write makes it

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHOWN_LEFT = 5  # files named in the line that says what was left


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


def source_problem(folder):
    """Why the project must not write into, or clean, `folder` (a path, resolved here): it holds the
    project, is in .git, or holds the project's source; None if it is free."""
    real = Path(os.path.abspath(folder)).resolve()
    if real == PROJECT_ROOT or real in PROJECT_ROOT.parents:
        return "holds this project"
    if not real.is_relative_to(PROJECT_ROOT):
        return None
    parts = real.relative_to(PROJECT_ROOT).parts
    if ".git" in parts:
        return "is inside .git"
    if _tracked(PROJECT_ROOT / parts[0]):  # a folder of the source, or one inside it (made or not)
        return "is part of the project's source (git tracks files in it)"
    return None


def clean(results, say=print):
    """Remove the project's files in `results` and the folders they leave empty; say what was left."""
    given = str(results)
    results = Path(os.path.abspath(results))
    if not results.exists():
        return
    problem = source_problem(results)
    if problem:
        raise CleanError(f"RESULTS={given!r} {problem}; not removing it")
    real = results.resolve()
    if not real.is_dir():
        raise CleanError(f"RESULTS={given!r} is a file, not a results folder; not removing it")
    if results.is_symlink():
        say(f"RESULTS={given!r} is a link to {real}: removing what the project wrote there; the link stays")
    left = []
    for folder, _, names in os.walk(real, topdown=False):
        folder = Path(folder)
        ours = written_here(folder)
        for name in names:
            path = folder / name
            if name == MANIFEST:
                continue
            if (name in ours or TEMPORARY.fullmatch(name) or name == LOCK_NAME) and not path.is_symlink():
                path.unlink()
            else:
                left.append(path.relative_to(real).as_posix())
        (folder / MANIFEST).unlink(missing_ok=True)
        try:
            folder.rmdir()
        except OSError:  # not empty: it holds what the project did not write
            pass
    if left:
        shown = ", ".join(sorted(left)[:SHOWN_LEFT]) + (f" and {len(left) - SHOWN_LEFT} more" if len(left) > SHOWN_LEFT else "")
        say(f"kept {len(left)} file(s) in RESULTS={given!r} that the project did not write: {shown}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m reports.clean", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", default="results")
    args = parser.parse_args(argv)
    if not args.results.strip() or "\n" in args.results:
        print(f"error: RESULTS={args.results!r}: give the results folder's name", file=sys.stderr)
        return 1
    try:
        clean(args.results, say=lambda line: print(line, file=sys.stderr))
    except CleanError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: cannot remove {error.filename}: {error.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
