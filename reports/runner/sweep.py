"""Run (classifier, seed) evaluations on a Dask cluster, writing the same run files as `make`.

Locally, `make -j` already runs independent evaluations side by side. With a scheduler address,
`make chapter DASK_SCHEDULER=tcp://host:8786` asks make which run files are missing or out of date
(`make -n`), and this module evaluates exactly those on the cluster:

- the project's code is uploaded to the workers as a zip, replacing any version they imported
  before, so they need only its libraries;
- the data is scattered once to every worker instead of each worker fetching it;
- each (classifier, seed) is one task, retried if it fails, and recomputed by Dask elsewhere if its
  worker dies; results come back to this client, which writes each run file atomically as it arrives,
  so nothing computed is lost to an interruption.

Then make collects and renders as usual: a report does not change with where its runs were computed.
"""

import argparse
import hashlib
import re
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from data import DataError, load_mnist
from data.mnist import MNIST, Split
from reports import results
from reports.evaluate import EvaluationError, evaluate
from reports.provenance import git_commit
from reports.registry import RegistryError, resolve

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("data", "baselines", "network", "reports")
# A line of `make -n` that evaluates one run: "... -m reports evaluate NAME --seed K ..."
EVALUATE_LINE = re.compile(r"-m reports evaluate (?P<name>\S+) --seed (?P<seed>\d+)")
CONNECT_TIMEOUT = "10s"
RETRIES = 2


class SweepError(Exception):
    """The cluster cannot be used; the message names the address and the problem."""


def tasks_from_make(lines):
    """(name, seed) of every evaluation in the output of `make -n`, in order, without repeats."""
    tasks = []
    for line in lines:
        match = EVALUATE_LINE.search(line)
        if match and (match["name"], int(match["seed"])) not in tasks:
            tasks.append((match["name"], int(match["seed"])))
    return tasks


def _project_zip(directory):
    """The project's Python packages in a zip for the workers' path, named by its content: a worker
    imports from the newest zip, never from a stale copy of the same name."""
    sources = sorted(path for package in PACKAGES for path in (PROJECT_ROOT / package).rglob("*.py"))
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in sources)).hexdigest()[:12]
    path = Path(directory) / f"mnist_chapter1_{digest}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for source in sources:
            archive.write(source, source.relative_to(PROJECT_ROOT))
    return path


def _send_project(client):
    """Upload this checkout's code to every worker, replacing whatever version they imported before."""
    packages = PACKAGES

    def forget_project_modules():  # defined here so that it travels by value, not as a stale import
        import sys
        for name in [name for name in sys.modules if name.split(".")[0] in packages]:
            del sys.modules[name]

    client.run(forget_project_modules)
    with tempfile.TemporaryDirectory() as tmp:
        client.upload_file(str(_project_zip(tmp)))


def connect(address, timeout=CONNECT_TIMEOUT):
    """A Client for the scheduler at `address`, or a SweepError naming it."""
    from distributed import Client  # an optional dependency: imported only when a cluster is asked for

    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as error:  # ValueError: an address that does not parse
        raise SweepError(f"cannot reach the Dask scheduler at {address} ({error}); is `dask scheduler` "
                         "running there, and the address right?") from error


def _aligned(dataset):
    """`dataset` with every array C-contiguous and aligned in memory, copying only where needed.

    Arrays that arrive through Dask's serialisation can be unaligned, and some compiled libraries
    refuse them (oneDAL, behind scikit-learn-intelex's SVC: "Numpy input could not be converted into
    onedal table"); a task must see the same arrays a local run does.
    """
    def fix(split):
        return Split(*(np.require(array, requirements=["C", "A"]) for array in (split.images, split.labels)))

    return MNIST(fix(dataset.train), fix(dataset.validation), fix(dataset.test), dataset.sha256)


def _evaluate_on_worker(experiment, seed, dataset):
    # Workers may run several tasks in threads: do not swap the process-wide stderr from them.
    return evaluate(experiment, seed, _aligned(dataset), label_output=False)


def sweep(tasks, dataset, client, results_dir=results.RESULTS_DIR, log=print):
    """Evaluate `tasks` [(name, seed)] on the cluster of `client`; write each run file as it arrives.

    Returns the paths written. A task that raises is retried; one that still fails is reported with
    the others' results already on disk.
    """
    from distributed import as_completed

    experiments = {name: resolve(name) for name, _ in tasks}
    commit = git_commit()
    _send_project(client)
    [data] = client.scatter([dataset], broadcast=True)
    futures = {client.submit(_evaluate_on_worker, experiments[name], seed, data, key=f"evaluate-{name}-seed-{seed}",
                             retries=RETRIES, pure=False): (name, seed) for name, seed in tasks}
    written, failures = [], []
    try:
        for future in as_completed(futures):
            name, seed = futures[future]
            try:
                run = future.result()
            except Exception as error:  # the task's own error, after its retries
                failures.append(f"{name} seed {seed}: {type(error).__name__}: {error}")
                continue
            # The workers ran this checkout's code, uploaded as a zip that git knows nothing about.
            run["commit"] = commit
            path = results.run_path(name, seed, results_dir)
            results.write_json(path, run)
            written.append(path)
            log(f"[{name} seed {seed}] {run['correct']:,} / {run['n_test']:,} correct "
                f"({len(written)} of {len(tasks)} done)")
    finally:
        client.cancel(list(futures))
    if failures:
        raise EvaluationError("; ".join(failures))
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m reports.sweep", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scheduler", required=True, help="address of the Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--results", default=str(results.RESULTS_DIR))
    args = parser.parse_args(argv)
    tasks = tasks_from_make(sys.stdin)
    if not tasks:
        print("sweep: every run is up to date; nothing to send to the cluster")
        return 0
    try:
        for name, _ in tasks:
            resolve(name)
        client = connect(args.scheduler)
        with client:
            workers = len(client.scheduler_info()["workers"])
            print(f"sweep: {len(tasks)} runs on {workers} Dask workers at {args.scheduler}", flush=True)
            sweep(tasks, load_mnist(), client, args.results)
    except (SweepError, RegistryError, EvaluationError, DataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
