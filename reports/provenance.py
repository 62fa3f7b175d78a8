"""Where a result came from: the git commit of the code and the versions of the libraries."""

import platform
import subprocess
from importlib import metadata
from pathlib import Path

LIBRARIES = ("numpy", "scipy", "scikit-learn", "scikit-learn-intelex", "joblib")
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def library_versions(names=LIBRARIES):
    """Python's version and those of the installed `names` (the ones not installed are left out)."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


def git_commit():
    """The short commit of the project's checkout, marked when tracked files have uncommitted changes."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" (with uncommitted changes)" if dirty else "")
