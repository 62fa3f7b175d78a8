"""Where runs are computed: a pool of processes on this machine, or a Dask cluster. One interface.

Both give `submit(function, *args)` returning a future and `as_completed(futures)`, so the runner's
loop (reports/runner/runner.py) is the same code for either, and say of a task's error whether its
process was lost from outside (`lost`: computed again) or crashed by the task itself (`crashed`: the
classifier's failure). Each also says how a worker gets the
data: a local process loads its own copy once; a cluster is sent one copy, shared by its tasks.

A cluster is sent the project's code, and the modules of a plug-in outside it, as files: each
worker unpacks them into a directory named by their content and imports from there, so that it runs
the very code this checkout holds and identifies its runs by it (reports/runner/worker.py). Installed
libraries must be installed on the workers.
"""

import hashlib
import io
import logging
import os
import zipfile
from pathlib import Path

from reports.runner.dask_address import ClusterError, parse_address, what_answers
from reports.runner.identity import code_paths, run_code_paths
from reports.runner.local_pool import LocalPool  # noqa: F401 (one of the two executors)
from reports.runner.provenance import COMMIT_FILE, git_commit

CONNECT_SECONDS = 10  # to reach the scheduler, and for a worker to join


def executor_for(request):
    """The executor of `request`: a Dask cluster if it names a scheduler, else a pool of `request.jobs`
    local processes. Made only when something is to be computed, after the data is verified (and
    repaired) here, once, before any worker reads it: the cluster is sent this very copy."""
    from data import load_mnist

    data = load_mnist(repair=True)
    return DaskPool(request.scheduler, request.experiments, data) if request.scheduler else LocalPool(request.jobs)


def connect(address, seconds=CONNECT_SECONDS):
    """A dask.distributed Client of the scheduler at `address` with a worker, or a ClusterError in one
    line: the address is first tried with a plain socket (reports/runner/dask_address.py)."""
    scheme, host, port = parse_address(address)
    problem = what_answers(host, port, speaks_first=scheme == "tcp", seconds=seconds)
    if problem:
        raise ClusterError(f"cannot use {address} as a Dask scheduler: {problem}")
    try:
        import dask
        from distributed import Client
    except ImportError:
        raise ClusterError("Dask is not installed here: .venv/bin/pip install -r requirements-dask.txt "
                           "(make does it when DASK_SCHEDULER is set)") from None
    # A scheduler that goes away mid-run is given up on within seconds, not retried for minutes.
    dask.config.set({"distributed.comm.timeouts.connect": f"{seconds}s"})
    # What goes wrong reaches the user as one line per run (reports/runner/runner.py), not as the
    # tracebacks Dask's client logs while it tries to reconnect.
    for name in ["distributed", *(name for name in logging.root.manager.loggerDict if name.startswith("distributed."))]:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        client = Client(address, timeout=seconds)
    except Exception as error:  # a server that only imitates the handshake fails in Dask's own code
        raise ClusterError(f"cannot use {address} as a Dask scheduler: {type(error).__name__}: {error}") from None
    try:
        client.wait_for_workers(1, timeout=seconds)
    except TimeoutError:
        client.close()
        raise ClusterError(f"the Dask scheduler at {address} has no workers (none joined within {seconds:g} s); "
                           f"start some with `dask worker {address}`") from None
    return client


class DaskPool:
    """The workers of the Dask scheduler at `address`, after its address answered as a Dask scheduler;
    `data` is what they are sent (the data as executor_for verified it)."""

    def __init__(self, address, experiments, data):
        self.address, self.data = address, data
        self.client = connect(address)
        self.jobs = sum(self.client.nthreads().values())
        workers = len(self.client.nthreads())
        self.name = (f"{workers} Dask worker{'s' * (workers != 1)} ({self.jobs} thread{'s' * (self.jobs != 1)}) "
                     f"at {address}")
        self._data = None
        send_code(self.client, experiments)

    def dataset(self):
        """The data, sent to every worker once (again only where the cluster lost it), never loaded again."""
        if self._data is None or self._data.status != "finished":
            try:
                self._data = self.client.scatter(self.data, broadcast=True, hash=False)
            except Exception as error:  # the scheduler or every worker went away while it was sent
                text = " ".join(str(error).split())[:200]
                raise ClusterError(f"the Dask cluster at {self.address} was lost while the data was sent "
                                   f"({type(error).__name__}: {text}); check it and run the same command again") from None
        return self._data

    def submit(self, function, *args):
        return self.client.submit(function, *args, pure=False)  # a lost task: the runner submits it again

    def as_completed(self, futures):
        from distributed import as_completed

        return as_completed(futures)

    def lost(self, error):
        """Whether a task failed because the cluster lost it or its scheduler, not by itself."""
        from distributed.client import FutureCancelledError

        return isinstance(error, (FutureCancelledError, OSError, TimeoutError)) and not self.crashed(error)

    def crashed(self, error):
        """Whether the task killed its workers: Dask gives up on a task (KilledWorker) once every worker
        it was tried on died while computing it (distributed.scheduler.allowed-failures)."""
        from distributed.scheduler import KilledWorker

        return isinstance(error, KilledWorker)

    def close(self, interrupted=False):
        try:
            self.client.close(timeout=CONNECT_SECONDS)
        except Exception:  # the scheduler may already be gone; nothing of ours is left to save
            pass


def code_files(experiments):
    """{name on the workers: file here}: the code every run of `experiments` passes through, as its
    identity lists it (identity.run_code_paths: the same list, so what a worker runs is what its
    runs are identified by), and the modules a worker needs to unpickle what it is sent (the
    experiments' classes)."""
    files = {}
    for experiment in experiments:
        files.update(run_code_paths(experiment))
        files.update(code_paths(type(experiment).__module__))
        outside = next((shown for shown in files if Path(shown).is_absolute()), None)
        if outside:
            raise ClusterError(f"{experiment.name}: cannot send {outside} to the workers (it is imported "
                               "through no directory of sys.path); install the plug-in on the workers")
    return dict(sorted(files.items()))


def code_archive(files):
    """(digest, zip bytes) of the files ({name: path, or the bytes themselves}), the digest naming the content."""
    content = hashlib.sha256()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, path in files.items():
            data = path if isinstance(path, bytes) else path.read_bytes()
            content.update(name.encode() + b"\0" + data)
            archive.writestr(name, data)
    return content.hexdigest()[:16], buffer.getvalue()


def send_code(client, experiments):
    """Install this checkout's code on the scheduler (which unpickles the tasks) and on every worker,
    those that join later included."""
    from distributed.diagnostics.plugin import WorkerPlugin

    files = code_files(experiments)
    # The commit this code is at travels with it: the workers' copy is no git checkout (provenance.py).
    code_digest, archive = code_archive({**files, COMMIT_FILE: git_commit().encode("utf-8")})
    tops = sorted({name.split("/")[0].removesuffix(".py") for name in files})
    here = os.getpid()  # a LocalCluster's scheduler runs in this very process, which has the code already

    # Defined here, so that they travel to the cluster by value rather than as an import it lacks.
    def install(dask_scheduler=None, dask_worker=None):
        import os
        import shutil
        import sys
        import tempfile
        import zipfile
        from io import BytesIO
        from pathlib import Path

        if os.getpid() == here:
            return
        target = Path(tempfile.gettempdir()) / f"mnist-chapter1-code-{code_digest}"
        if not target.is_dir():
            partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
            try:
                zipfile.ZipFile(BytesIO(archive)).extractall(partial)
                os.rename(partial, target)
            except OSError:  # another process of this machine unpacked it first
                pass
            finally:  # what is left of a copy that was not renamed into place
                shutil.rmtree(partial, ignore_errors=True)
        for name in [name for name in sys.modules if name.split(".")[0] in tops]:
            del sys.modules[name]  # a stale version imported by an earlier request
        sys.path[:] = [str(target), *(p for p in sys.path if "mnist-chapter1-code-" not in p)]

    class InstallCode(WorkerPlugin):
        # Named by the code: two checkouts on one cluster register two plug-ins, neither replacing the
        # other's; a worker runs the code of the last it set up, and a run of the other's is refused
        # by the identity check (reports/runner/worker.py) and said, never filed under the wrong code.
        name = f"mnist-chapter1-code-{code_digest}"

        def setup(self, worker):
            install(dask_worker=worker)

    client.run_on_scheduler(install)
    client.register_plugin(InstallCode())
