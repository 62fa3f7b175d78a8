"""Checksums and atomic writes: the two file habits every stage of the project relies on.

A file is written to a temporary name in its own directory and renamed into place only when it is
complete, so an interrupted run never leaves a half-written file that a later run would trust (a
rename within one file system is atomic on POSIX). A write the machine refuses (a read-only or full
disk, a file size limit, permissions) is a `WriteError`: one line naming the path, the cause and the
fix, with nothing half-written left behind.

Every file written here is named in its folder's manifest (MANIFEST, one name a line), so that
`make clean` removes what the project wrote and nothing else (reports/clean.py).

Temporary files are named `.NAME.HOST-PID-XXXXXXXX.tmp.EXT` (git-ignored as `.*.tmp.*`). A process
killed outright (kill -9, a power cut) cannot remove its own, so every write removes the temporaries
in its directory whose process is gone. Those of live processes are left alone: `make -j` writes
several files of one directory at once.
"""

import contextlib
import errno
import hashlib
import os
import re
import socket
import tempfile
from pathlib import Path

# The host keeps the PID meaningful where a directory is shared between machines: only a temporary
# made on this host can be judged by whether its PID is alive here.
HOST = re.sub(r"[^A-Za-z0-9-]", "", socket.gethostname().split(".")[0]) or "host"
MANIFEST = ".mnist-chapter1-files"  # in each folder written into: the files the project wrote there
TEMPORARY = re.compile(r"\.(?P<target>.+)\.(?P<host>[A-Za-z0-9-]+)-(?P<pid>\d+)-[a-z0-9_]{8}\.tmp(\.[^.]*)?")

# errno -> (what went wrong, what to do); {directory} is the directory of the file.
CAUSES = {
    errno.EROFS: ("read-only file system", "make {directory} writable (remount it read-write) or work from a "
                  "writable copy"),
    errno.ENOSPC: ("no space left on the device", "free space on the disk of {directory} and run the same "
                   "command again"),
    errno.EDQUOT: ("disk quota exceeded", "free space or raise the quota, and run the same command again"),
    errno.EFBIG: ("file too large for this shell's file size limit (ulimit -f)", "raise the limit "
                  "(ulimit -f unlimited) and run the same command again"),
    errno.EACCES: ("permission denied", "make {directory} writable for this user or work from a writable copy"),
    errno.EPERM: ("operation not permitted", "make {directory} writable for this user or work from a writable "
                  "copy"),
    errno.EISDIR: ("a directory is in the way", "choose another file name"),
    errno.ENOTDIR: ("a file is in the way of its directory", "choose another directory"),
}


class WriteError(Exception):
    """A file the machine refused to write; the message names it, the cause and the fix."""


def write_error(path, error):
    """A WriteError for `path` from the OSError that refused it."""
    path = Path(path)
    cause, fix = CAUSES.get(error.errno, (error.strerror or str(error), "check the path and run the same command "
                                                                        "again"))
    # The directory to fix is the nearest that exists: the file's own may not have been made yet.
    directory = next((parent for parent in path.parents if parent.is_dir()), path.parent)
    return WriteError(f"cannot write {path}: {cause}; {fix.format(directory=directory)}")


def sha256_of(path, chunk_size=1 << 20):
    """Return the hex SHA-256 of the file at `path`, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def remove_stale_temporaries(directory):
    """Remove the temporaries in `directory` left by processes of this host that no longer run."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        match = TEMPORARY.fullmatch(entry.name)
        if match and match["host"] == HOST and int(match["pid"]) != os.getpid() and not _alive(int(match["pid"])):
            with contextlib.suppress(OSError):  # gone already, or a read-only directory: the write will say
                os.unlink(entry.path)


def _temporary_beside(path):
    """A new empty file in the directory of `path` (made if needed), named as a temporary of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path.parent)
    # The suffix keeps the real extension last, so numpy and matplotlib do not append their own.
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{HOST}-{os.getpid()}-",
                                suffix=f".tmp{path.suffix}")
    os.close(fd)
    # mkstemp creates the file readable by its owner only; give it the usual umask permissions.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    return Path(name)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; rename it onto `path` if the block succeeds.

    The caller writes the temporary file however it likes (numpy, matplotlib, a download). If the
    block raises, or the process is interrupted, the temporary file is removed and `path` is left
    exactly as it was. An OSError while writing becomes a WriteError naming `path`.
    """
    path = Path(path)
    try:
        tmp = _temporary_beside(path)
    except OSError as error:
        raise write_error(path, error) from None
    try:
        yield tmp
        remember(path)  # named before it exists: a file of ours is never unlisted, even for an instant
        os.replace(tmp, path)
    except OSError as error:
        # Not a write of ours if the block failed to read some other file: raised as it is.
        if error.filename is not None and Path(error.filename) not in (path, tmp, path.parent / MANIFEST):
            raise
        raise write_error(path, error) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def remember(path):
    """Name `path` in its folder's manifest, once (an appended line: processes writing side by side
    add theirs without losing another's)."""
    path = Path(path)
    manifest = path.parent / MANIFEST
    try:
        listed = manifest.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        listed = []
    if path.name not in listed:
        with open(manifest, "a", encoding="utf-8") as file:
            file.write(path.name + "\n")


def written_here(directory):
    """The names the manifest of `directory` lists (none if it has none)."""
    try:
        return set((Path(directory) / MANIFEST).read_text(encoding="utf-8").splitlines())
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return set()


def replace(source, target):
    """os.replace, with a WriteError naming `target` when the machine refuses it."""
    try:
        os.replace(source, target)
    except OSError as error:
        raise write_error(target, error) from None


def write_text_atomic(path, text):
    """Write `text` to `path` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
