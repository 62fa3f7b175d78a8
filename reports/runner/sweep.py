"""Compute a request's missing runs on a Dask cluster: the very run files `make` would compute here.

`make report DASK_SCHEDULER=tcp://host:8786` calls `sweep_request` before its local make, which then
finds every run present and only renders: a report does not change with where its runs were computed.
The runs are chosen as make's plan chooses them (reports/runner/plan.py): first seeds 0 and 1 of the
plug-ins whose randomness is not known yet, then every run of the request that is missing or
unreadable, grouped in the same jobs; each job is one task.

- The project's code, and the modules of a plug-in outside it, travel to the workers as one zip named
  by its content, replacing what they imported before; installed libraries must be on the workers.
- The data is scattered once to every worker.
- A task that raises is retried. One whose worker dies is computed again by Dask on another worker
  (or on the same one once its nanny restarts it); one whose data went down with its worker is sent
  again, with the data, by this client.
- Results come back to this client, which names each run by its identity here and writes it
  atomically as it arrives, so Ctrl-C keeps every run already received.
"""

import hashlib
import importlib.util
import sys
import tempfile
import uuid
import zipfile
from pathlib import Path

import numpy as np

from data import load_mnist
from data.mnist import MNIST, Split
from reports.runner.cluster import SweepError, connect, parse_address, wait_for_workers
from reports.runner.evaluate import EvaluationError, evaluate_group
from reports.runner.factory import FactoryError
from reports.runner.identity import PROJECT_ROOT, digest, identity, source_files
from reports.runner.plan import jobs_for, runs_wanted, usable
from reports.runner.provenance import git_commit
from reports.runner.store import write_run

PACKAGES = ("data", "baselines", "network", "reports")
RETRIES = 2  # of a task that raises, and of a job whose data or worker was lost


def _importable_as(path):
    """The name in a zip under which `path`, a module outside the project, imports as it does here:
    relative to the directory of sys.path that Python finds it through."""
    for entry in sys.path:
        root = Path(entry or ".").resolve()
        if root not in path.parents:
            continue
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec and spec.origin and Path(spec.origin).resolve() == path:
            return str(path.relative_to(root))
    return None


def _module_files(experiments):
    """{name in the zip: file} of the project's packages and of every module the experiments' factories
    import from the project or the user's own code (a plug-in outside the project included)."""
    files = {str(path.relative_to(PROJECT_ROOT)): path
             for package in PACKAGES for path in (PROJECT_ROOT / package).rglob("*.py")}
    for experiment in experiments:
        for shown in source_files(experiment.factory.partition(":")[0]):
            path = (PROJECT_ROOT / shown).resolve()
            name = shown if not Path(shown).is_absolute() else _importable_as(path)
            if name is None:
                raise SweepError(f"{experiment.name}: cannot send {path} to the workers (it is imported through "
                                 "no directory of sys.path); install the plug-in on the workers instead")
            files[name] = path
    return dict(sorted(files.items()))


def _code_zip(directory, files):
    """The files in a zip for the workers' path, named by its content: a worker imports from the
    newest zip, never from a stale copy of the same name."""
    content = hashlib.sha256()
    for name, path in files.items():
        content.update(name.encode() + b"\0" + path.read_bytes())
    zip_path = Path(directory) / f"mnist_chapter1_{content.hexdigest()[:12]}.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        for name, path in files.items():
            archive.write(path, name)
    return zip_path


def send_code(client, experiments):
    """Upload the code the experiments need to every worker (and to workers that join or restart
    later), replacing whatever version of those modules they imported before."""
    files = _module_files(experiments)
    tops = sorted({name.split("/")[0].removesuffix(".py") for name in files})

    def forget(tops=tops):  # defined here so that it travels by value, not as a stale import
        import sys
        for name in [name for name in sys.modules if name.split(".")[0] in tops]:
            del sys.modules[name]

    client.run(forget)
    with tempfile.TemporaryDirectory() as directory:
        client.upload_file(str(_code_zip(directory, files)))


def _aligned(dataset):
    """`dataset` with every array C-contiguous and aligned in memory, copying only where needed.

    Arrays that arrive through Dask's serialisation can be unaligned, and some compiled libraries
    refuse them (oneDAL, behind scikit-learn-intelex's SVC: "Numpy input could not be converted into
    onedal table"); a task must see the same arrays a local run does.
    """
    def fix(split):
        return Split(*(np.require(array, requirements=["C", "A"]) for array in (split.images, split.labels)))

    return MNIST(fix(dataset.train), fix(dataset.validation), fix(dataset.test), dataset.sha256)


def evaluate_job(experiment, seeds, dataset):
    """On a worker: the runs of `experiment` for `seeds`. Quiet (nobody reads a worker's stderr), and
    without swapping the process-wide stderr, since a worker may run tasks in threads."""
    dataset = _aligned(dataset)
    return [run for _, run in evaluate_group(experiment, seeds, dataset, quiet=True, label_output=False)]


def _filed_here(run, experiment, seed, commit):
    """The run as this client files it: its identity is the one computed here, which names the file
    (the workers import the code from a zip, where their own view of it is not the project's), and
    its commit is this checkout's; the worker's machine and numerics stay in its provenance."""
    ident = identity(experiment, seed)
    return {**run, "identity": ident, "digest": digest(ident),
            "provenance": {**run["provenance"], "commit": commit}}


def _lost(error):
    """Whether a task failed because the cluster lost it (its worker or its data), not by itself."""
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    return isinstance(error, (FutureCancelledError, KilledWorker))


def _failure(job, error):
    """One job's failure in words: the project's own errors already name the classifier."""
    if isinstance(error, (EvaluationError, FactoryError)):
        return str(error)
    seeds = f" seeds {' '.join(str(run.seed) for run in job.runs)}" if job.experiment.stochastic else ""
    return f"{job.experiment.name}{seeds}: {type(error).__name__}: {error}"


def compute(client, jobs, dataset, log=print):
    """Run `jobs` on the cluster, writing each run file as its job's result arrives. Returns the paths
    written; raises EvaluationError naming every job that failed, after writing all the others."""
    from distributed import as_completed

    commit = git_commit()
    data = client.scatter(dataset, broadcast=True, hash=False)
    total, written, failures = sum(len(job.runs) for job in jobs), [], []

    def submit(job):
        key = f"{job.experiment.name}-seeds-{'-'.join(str(run.seed) for run in job.runs)}-{uuid.uuid4().hex[:8]}"
        return client.submit(evaluate_job, job.experiment, [run.seed for run in job.runs], data, key=key,
                             retries=RETRIES, pure=False)

    futures = {submit(job): (job, 0) for job in jobs}
    pending = as_completed(list(futures))
    try:
        for future in pending:
            job, resent = futures.pop(future)
            try:
                runs = future.result()
            except Exception as error:  # the task's own error after its retries, or the cluster's loss
                if _lost(error) and resent < RETRIES:
                    if data.status != "finished":  # the data went down with its last worker: send it again
                        data = client.scatter(dataset, broadcast=True, hash=False)
                    again = submit(job)
                    futures[again] = (job, resent + 1)
                    pending.add(again)
                    continue
                failures.append(_failure(job, error))
                continue
            for run, result in zip(job.runs, runs):
                write_run(run.path, _filed_here(result, job.experiment, run.seed, commit))
                written.append(run.path)
                log(f"[{job.experiment.name}{f' seed {run.seed}' if job.experiment.stochastic else ''}] "
                    f"{result['correct']:,} / {result['n_test']:,} correct ({len(written)} of {total} runs)")
    finally:
        client.cancel(list(futures))  # on Ctrl-C or an error here: nothing left running for nobody
    if failures:
        raise EvaluationError("on the cluster: " + "; ".join(failures))
    return written


def sweep(client, experiments, n_seeds, results_dir, dataset, n_jobs, log=print):
    """Compute on the cluster of `client` every run of the request that is missing or unreadable,
    plug-ins' probes first, exactly as make's plan would here. Returns the paths written."""
    send_code(client, experiments)
    written = []
    for probe in (True, False):
        missing = [run for run in runs_wanted(experiments, n_seeds, results_dir, probe=probe) if not usable(run)]
        written += compute(client, jobs_for(missing, 1 if probe else n_jobs), dataset, log) if missing else []
    return written


def sweep_request(scheduler, experiments, n_seeds, results_dir, quiet=False, log=print):
    """`python -m reports sweep`: compute a request's missing runs on the Dask cluster at `scheduler`.
    (A plug-in needs no spec there: its experiment travels whole, and its module with it.)"""
    parse_address(scheduler)  # a malformed address is named even when there is nothing to compute
    results_dir = Path(results_dir)
    if not any(not usable(run) for probe in (True, False)
               for run in runs_wanted(experiments, n_seeds, results_dir, probe=probe)):
        log("sweep: every run is up to date; nothing to send to the cluster")
        return []
    with connect(scheduler) as client:
        threads = wait_for_workers(client, scheduler)
        dataset = load_mnist(repair=False)
        if not quiet:
            log(f"sweep: computing the missing runs on {len(client.nthreads())} Dask workers ({threads} threads) "
                f"at {scheduler}")
        return sweep(client, experiments, n_seeds, results_dir, dataset, threads, log)
