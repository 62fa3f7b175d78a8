"""Checksums and atomic writes: the two file habits every stage of the project relies on.

A file is written to a temporary name in its own directory and renamed into place only when it is
complete, so an interrupted run never leaves a half-written file that a later run would trust (a
rename within one file system is atomic on POSIX).
"""

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


def sha256_of(path, chunk_size=1 << 20):
    """Return the hex SHA-256 of the file at `path`, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; rename it onto `path` if the block succeeds.

    The caller writes the temporary file however it likes (numpy, matplotlib, a download). If the
    block raises, or the process is interrupted, the temporary file is removed and `path` is left
    exactly as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The suffix keeps the real extension last, so numpy and matplotlib do not append their own.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
    os.close(fd)
    tmp = Path(tmp)
    # mkstemp creates the file readable by its owner only; give it the usual umask permissions.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path, text):
    """Write `text` to `path` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
