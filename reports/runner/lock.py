"""One command at a time computes in a results folder: a second waits, saying for whom.

Two `make report` in one clone would otherwise both find the same runs missing and fit each of them
twice. The lock is `RESULTS/.lock`, held with flock(2) for as long as a command computes and renders:
the kernel releases it when the process ends however it ends (Ctrl-C, kill -9), so a stale lock
cannot stay behind. The file names the holder (`pid N on HOST since TIME`) for the one who waits.
The second command waits, then finds the first one's runs on disk and computes nothing twice.
Where flock is missing (Windows) there is no lock.
"""

import contextlib
import datetime
import os
import socket
from pathlib import Path

from common.files import write_error

try:
    import fcntl
except ImportError:  # not POSIX: no lock, as before
    fcntl = None

LOCK_NAME = ".lock"


@contextlib.contextmanager
def results_lock(results, say):
    """Hold the lock of the folder `results` while the block runs; `say(line)` once if another holds it."""
    path = Path(results) / LOCK_NAME
    if fcntl is None:
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")
    except OSError as error:
        raise write_error(path, error) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            say(f"another command ({holder}) is computing runs in {results}; waiting for it to finish, "
                "then its runs are reused (Ctrl-C to stop waiting)")
            fcntl.flock(handle, fcntl.LOCK_EX)
        since = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()} since {since}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
