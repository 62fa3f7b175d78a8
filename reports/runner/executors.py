"""Where runs are computed: a pool of processes on this machine, or a Dask cluster. One interface.

Both give `submit(function, *args)` returning a future and `as_completed(futures)`, so the runner's
loop (reports/runner/runner.py) is the same code for either. Each also says how a worker gets the
data: a local process loads its own copy once; a cluster is sent one copy, shared by its tasks.

A cluster is sent the project's code, and the modules of a plug-in outside it, as files: each
worker unpacks them into a directory named by their content and imports from there, so that it runs
the very code this checkout holds and identifies its runs by it (reports/runner/worker.py). Installed
libraries must be installed on the workers.
"""

import concurrent.futures
import hashlib
import io
import logging
import multiprocessing
import os
import zipfile
from pathlib import Path

from reports.runner.dask_address import ClusterError, parse_address, what_answers
from reports.runner.identity import search_path, source_files
from reports.runner.provenance import COMMIT_FILE, PROJECT_ROOT, git_commit
from reports.runner.spawn import WithoutMain
from reports.runner.worker import ignore_interrupts

PACKAGES = ("common", "data", "baselines", "network", "reports")
CONNECT_SECONDS = 10  # to reach the scheduler, and for a worker to join
TASK_RETRIES = 2  # a task whose worker died is computed again, this many times at most


def executor_for(request):
    """The executor of `request`: a Dask cluster if it names a scheduler, else a pool of `request.jobs`
    local processes. Made only when something is to be computed, after the data is verified (and
    repaired) here, once, before any worker reads it."""
    from data import load_mnist

    load_mnist(repair=True)
    return DaskPool(request.scheduler, request.experiments) if request.scheduler else LocalPool(request.jobs)


class LocalPool:
    """Processes of this machine, `jobs` at once. Started fresh (spawn, without the caller's main module:
    reports/runner/spawn.py), so a worker imports the code as
    it is now, and it ignores Ctrl-C: the runner stops it and keeps what is finished."""

    name = "this machine"

    def __init__(self, jobs):
        self.jobs = jobs
        self.pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=jobs, mp_context=WithoutMain(), initializer=ignore_interrupts)

    def dataset(self):
        return None  # each worker loads its own (worker.local_dataset)

    def submit(self, function, *args):
        return self.pool.submit(function, *args)

    def as_completed(self, futures):
        return concurrent.futures.as_completed(futures)

    def lost(self, error):
        return isinstance(error, concurrent.futures.process.BrokenProcessPool)

    def close(self, interrupted=False):
        """Wait for the workers; when interrupted, cancel what has not started and stop what has."""
        if interrupted:
            self.pool.shutdown(wait=False, cancel_futures=True)
            for child in multiprocessing.active_children():
                child.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)


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
    """The workers of the Dask scheduler at `address`, after its address answered as a Dask scheduler."""

    def __init__(self, address, experiments):
        self.client = connect(address)
        self.jobs = sum(self.client.nthreads().values())
        workers = len(self.client.nthreads())
        self.name = (f"{workers} Dask worker{'s' * (workers != 1)} ({self.jobs} thread{'s' * (self.jobs != 1)}) "
                     f"at {address}")
        self._data = None
        send_code(self.client, experiments)

    def dataset(self):
        """The data, sent once to every worker (loaded here, where `make data` verified it)."""
        if self._data is None or self._data.status != "finished":
            from data import load_mnist

            self._data = self.client.scatter(load_mnist(repair=False), broadcast=True, hash=False)
        return self._data

    def submit(self, function, *args):
        return self.client.submit(function, *args, pure=False, retries=TASK_RETRIES)

    def as_completed(self, futures):
        from distributed import as_completed

        return as_completed(futures)

    def lost(self, error):
        """Whether a task failed because the cluster lost it or its scheduler, not by itself."""
        from distributed.client import FutureCancelledError
        from distributed.scheduler import KilledWorker

        return isinstance(error, (FutureCancelledError, KilledWorker, OSError, TimeoutError))

    def close(self, interrupted=False):
        try:
            self.client.close(timeout=CONNECT_SECONDS)
        except Exception:  # the scheduler may already be gone; nothing of ours is left to save
            pass


def code_files(experiments):
    """{name on the workers: file here}: the project's packages (their Python and C files) and every
    module the experiments' factories import from the user's own code, each under the name it has
    relative to the directory it is imported through (as identities record it)."""
    files = {path.relative_to(PROJECT_ROOT).as_posix(): path for package in PACKAGES
             for pattern in ("*.py", "*.c") for path in (PROJECT_ROOT / package).rglob(pattern)
             if "__compiled__" not in path.parts}
    roots = [Path(root) for root in search_path()]
    for experiment in experiments:
        for shown in source_files(experiment.factory.partition(":")[0]):
            if shown not in files:
                path = next((root / shown for root in roots if (root / shown).is_file()), None)
                if path is None:
                    raise ClusterError(f"{experiment.name}: cannot send {shown} to the workers (it is imported "
                                       "through no directory of sys.path); install the plug-in on the workers")
                files[shown] = path
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
            zipfile.ZipFile(BytesIO(archive)).extractall(partial)
            try:
                os.rename(partial, target)
            except OSError:  # another process of this machine unpacked it first
                pass
        for name in [name for name in sys.modules if name.split(".")[0] in tops]:
            del sys.modules[name]  # a stale version imported by an earlier request
        sys.path[:] = [str(target), *(p for p in sys.path if "mnist-chapter1-code-" not in p)]

    class InstallCode(WorkerPlugin):
        name = "mnist-chapter1-code"

        def setup(self, worker):
            install(dask_worker=worker)

    client.run_on_scheduler(install)
    client.register_plugin(InstallCode())
