"""The runner: from a request to its runs, computing only those that are missing.

1. The runs the request wants: every seed of each stochastic classifier, one run of a deterministic
   one. A plug-in that takes `random_state` but whose spec does not say how it is seeded is first run
   with seeds 0 and 1 (the probe): alike, it is deterministic, and its two runs are its result, so
   that the report shows what was measured (seeds 0 and 1 predict alike); unlike, it runs over every
   seed, the probe's two fits among them.
2. A run is a file named by its identity (reports/runner/identity.py): one that exists and reads back
   whole is reused; one that cannot be read is moved aside, said in one line, and computed again.
   Each run file is read once per command.
3. The missing runs go to an executor (reports/runner/executors.py: a local process pool or a Dask
   cluster, the same loop), longest first, each run that uses every core beside the longest that uses
   one. Each run file is written as it arrives, named by the identity its worker computed; so Ctrl-C
   keeps every finished run, and a worker with other code or numerics never fills this machine's place.
4. No fit is paid twice: a run missing under its name but filed under another name with the same
   identity (the name is not part of it) is filed under this one too; two names for one estimator in
   one command are one fit; one command at a time computes in a results folder (reports/runner/lock.py).

The runner returns the runs (Run records) and the problems it met (Problem records); it shows
nothing of them. Deciding whether the report is stale and rendering it is the publish step's
(reports/publish.py), above the runner and the renderer. A classifier's own failure is a run (a
failure record, with the last frames of its exception), kept until its code or spec changes or the
command is told to retry failures (`--retry-failed`, `make report RETRY=1`); a failure of the
environment (an import, a build) is a problem, said and tried again next time, never stored. A run
wanted that has no file at the end and no problem naming it (a cluster that never answered) is a
problem too: every run missing from a report is said.
"""

import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path

from common.files import remember
from reports.runner.executors import executor_for
from reports.runner.identity import differences, digest, identity, run_path
from reports.runner.lock import results_lock
from reports.runner.progress import Progress
from reports.runner.record import Run
from reports.runner.registry import is_plugin
from reports.runner.store import StoreError, read_run, write_run
from reports.runner.worker import EnvironmentFailure, compute_run

PROBE_SEEDS = (0, 1)
RETRIES = 2  # times a run whose worker was lost from outside is computed again


@dataclass(frozen=True)
class Problem:
    """A run that could not be computed or used: its classifier, its seed (None for a deterministic
    classifier) and what happened, in one line that names the run."""

    classifier: str
    seed: int | None
    message: str


@dataclass(frozen=True)
class Outcome:
    """What a request came to: `runs`, {path: Run} of the run files it wants that exist, in the
    request's order (failure records included); `problems`, the Problems met; `missing`, the runs
    still to compute (a dry run's list; empty otherwise unless a computation failed); `wanted`, how
    many runs the request wants; `probing`, whether a probe must finish before the rest are known."""

    runs: dict
    problems: tuple = ()
    missing: tuple = ()
    wanted: int = 0
    probing: bool = False


@dataclass(frozen=True)
class Wanted:
    """One run the request needs: an experiment, a seed, its identity here (computed once, where the
    run is planned; the worker checks its own against it) and the file named by it."""

    experiment: object
    seed: int
    path: Path
    identity: dict | None = None  # None: not checked by the worker

    @classmethod
    def of(cls, experiment, seed, results):
        ident = identity(experiment, seed)
        return cls(experiment, seed, run_path(results, experiment, seed, digest(ident)), ident)

    @property
    def label(self):
        return f"{self.experiment.name} seed {self.seed}" if self.experiment.stochastic else self.experiment.name

    def problem(self, message):
        return Problem(self.experiment.name, self.seed if self.experiment.stochastic else None, message)


def seeding(experiment):
    """How `experiment` is seeded: "seeds" (over every seed), "once", or "probe" (not known yet)."""
    if not experiment.stochastic:
        return "once"
    declared = getattr(experiment, "seeding", None)
    if declared in ("fixed", "deterministic"):
        return "once"
    if declared == "seeds" or not is_plugin(experiment):
        return "seeds"
    return "probe"


def usable(path, say=print, dry_run=False):
    """The Run stored at `path` if the file exists and reads back whole, else None. One that does not
    read back is moved aside (NAME.json.unreadable), with one line, so that it is computed again and
    still there to look at (in a dry run it is only named)."""
    if path.is_dir():
        raise StoreError(f"{path}: a folder is in the way of this run file; move it away and run the same command again")
    if not path.is_file():
        return None
    try:
        return read_run(path)
    except StoreError as error:
        if not path.exists():  # moved aside by another command meanwhile
            return None
        problem = error.args[0].split(";")[0]
        if dry_run:
            say(f"{problem}; would move it aside and compute it again")
            return None
        aside = path.with_name(path.name + ".unreadable")
        try:
            remember(aside)  # the project's file still: `make clean` removes it
            path.replace(aside)
        except FileNotFoundError:  # another command moved it aside first: it is gone all the same
            say(f"{problem}; moved aside by another command, computing it again")
            return None
        except OSError as error:
            raise StoreError(f"{problem}; cannot move it aside ({error.strerror}): make {path.parent} writable, "
                             "or delete the file, and run the same command again") from None
        say(f"{problem}; moved aside to {aside.name}, computing it again")
        return None


class Stored:
    """The run files of one command, each read (and checked) once: `stored[path]` is its Run, or
    None while it is missing or unusable."""

    def __init__(self, say=print, dry_run=False):
        self.say, self.dry_run, self.runs = say, dry_run, {}

    def __getitem__(self, path):
        if path not in self.runs:
            self.runs[path] = usable(path, self.say, self.dry_run)
        return self.runs[path]

    def __setitem__(self, path, run):
        self.runs[path] = run


def _probe_result(experiment, results, stored):
    """For a probed plug-in: None while a probe run is missing, else "random" (seeds 0 and 1 differ),
    "alike" (they predict alike) or "failed"."""
    runs = [stored[Wanted.of(experiment, seed, results).path] for seed in PROBE_SEEDS]
    if any(run is None for run in runs):
        return None
    if any("failed" in run for run in runs):
        return "failed"  # the first failure is its result
    return "random" if runs[0]["predictions"] != runs[1]["predictions"] else "alike"


def wanted_runs(request, stored=None):
    """(the runs the request wants now, whether a probe must finish before the rest are known)."""
    stored = stored if stored is not None else Stored()
    wanted, probing = [], False
    for experiment in request.experiments:
        how = seeding(experiment)
        n_seeds = request.seeds_of(experiment)
        if how == "once" or n_seeds == 1:
            seeds = [0]
        elif how == "seeds":
            seeds = list(range(n_seeds))
        else:
            found = _probe_result(experiment, request.results, stored)
            probing |= found is None
            seeds = {None: list(PROBE_SEEDS), "alike": list(PROBE_SEEDS), "failed": [0]}.get(
                found, list(range(n_seeds)))
        wanted += [Wanted.of(experiment, seed, request.results) for seed in seeds]
    return wanted, probing


def expected_seconds(wanted):
    """What a run is expected to take: the fit and predict seconds of the newest run of the same
    classifier in this results folder (another seed, or the code before an edit: made here, lately),
    else its listed cost. The progress line's estimate starts from it (reports/runner/progress.py)."""
    folder = wanted.path.parent
    if folder.is_dir():
        for path in sorted(folder.glob("*.json"), key=lambda p: -p.stat().st_mtime)[:1]:
            try:
                run = read_run(path)
            except StoreError:
                break
            if "failed" not in run:
                return run["fit_seconds"] + run["predict_seconds"]
    return wanted.experiment.seconds


def filed_elsewhere(wanted, stored):
    """The path of a usable run file of the same identity as `wanted`, filed under another classifier's
    name (the name is not part of a run's identity: an estimator named differently, or unnamed), or None."""
    for other in sorted(wanted.path.parent.parent.glob(f"*/{wanted.path.name}")):
        if other != wanted.path and stored[other] is not None:
            return other
    return None


def file_under(wanted, other, stored):
    """File the run at `other` under `wanted`'s name too: the same identity, so the same numbers."""
    run = stored[other].renamed(wanted.experiment.name)
    write_run(wanted.path, run)
    stored[wanted.path] = run


def reuse_same_identity(wanted, stored, say, dry_run):
    """The paths of `wanted` runs that are missing but were computed under another name: filed under
    their own name now (only named in a dry run), never fitted again."""
    reused = set()
    for w in wanted:
        if w.path.is_file():
            continue
        other = filed_elsewhere(w, stored)
        if other is not None:
            if not dry_run:
                file_under(w, other, stored)
            say(f"{w.label}: {'would reuse' if dry_run else 'reused'} the run of the same identity filed as "
                f"{other.parent.name}/{other.name}")
            reused.add(w.path)
    return reused


def one_of_each_identity(missing):
    """(the missing runs to compute, one per identity; [(twin, the path its first is computed at)]):
    two names for one estimator in one request are one fit."""
    first, twins = {}, []
    for w in missing:
        if w.path.name in first:
            twins.append((w, first[w.path.name].path))
        else:
            first[w.path.name] = w
    return list(first.values()), twins


def indented(text, margin="    "):
    return "\n".join(margin + line for line in text.splitlines())


def schedule(missing):
    """The missing runs in the order to start them: those that use every core (the SVC) first, longest
    first, each beside the longest one-core run, so that every core works until the end."""
    every_core = sorted((w for w in missing if w.experiment.every_core), key=lambda w: -w.experiment.seconds)
    one_core = sorted((w for w in missing if not w.experiment.every_core), key=lambda w: -w.experiment.seconds)
    paired = [w for pair in zip(every_core, one_core) for w in pair]
    rest = every_core[len(paired) // 2:] + one_core[len(paired) // 2:]
    return paired + sorted(rest, key=lambda w: -w.experiment.seconds)


def _named(wanted, text):
    """`text` about a run, naming the run unless it already starts with its classifier's name."""
    name = wanted.experiment.name
    named = text.startswith(f"{name}:") and " seed " not in wanted.label
    return text if named else f"{wanted.label}: {text.removeprefix(name + ': ')}"


def compute(missing, executor, results, progress, stored, verbose=False):
    """Compute the `missing` runs on `executor`, writing each run file as it arrives (and keeping its
    Run in `stored`). Returns the Problems met.

    A run whose process was lost from outside (a worker killed, a cluster that lost it) is computed
    again, up to RETRIES times; one whose own code killed its process (a segfault, os._exit) has
    failed, and is stored as its failure, as an exception would be."""
    problems, library_warnings, tries = [], {}, {}
    data = executor.dataset()

    def submit(w):
        tries[w.path] = tries.get(w.path, 0) + 1
        return executor.submit(compute_run, w.experiment, w.seed, executor.dataset() if tries[w.path] > 1 else data,
                               verbose, w.identity)

    futures = {submit(w): w for w in schedule(missing)}
    while futures:
        asked, futures = futures, {}  # what is given again this round; a run never answered for stays missing
        for future in executor.as_completed(list(asked)):
            w = asked[future]
            try:
                run, said = _answer(future, w, executor)
            except EnvironmentFailure as error:
                problems.append(w.problem(f"{_named(w, str(error))} (not stored: it is tried again next time)"))
                continue
            except Exception as error:  # lost, or a bug: said, and tried again next time
                if executor.lost(error) and tries[w.path] <= RETRIES:
                    futures[submit(w)] = w
                    continue
                text = " ".join(str(error).split())[:300]  # one line, whatever the library wrote
                what = getattr(executor, "lost_words", "the cluster lost it") if executor.lost(error) \
                    else "it could not be computed"
                problems.append(w.problem(f"{w.label}: {what} ({type(error).__name__}: {text}); run the same "
                                          "command again"))
                continue
            path = run_path(results, w.experiment, w.seed, run["digest"])
            write_run(path, run)
            stored[path] = run
            for line in said:
                library_warnings.setdefault(line, w.experiment.name)
            if path != w.path:
                problems.append(w.problem(f"{w.label}: computed on {executor.name} under another identity ("
                                          f"{differences(w.identity or {}, run['identity']) or 'digest'} differ from this "
                                          f"machine's), stored as {path.name}, not used for this report"))
            outcome = f"failed: {run['failed']}" if "failed" in run else f"{run['correct']:,} / {run['n_test']:,} correct"
            progress.finished(w.label, f"{w.label}: {outcome}")
            if verbose and run.get("traceback"):
                progress.print(f"{w.label}: where it failed (last frames):\n" + indented(run["traceback"]))
    if not progress.quiet:  # the libraries' warnings, collected from every worker, once each
        for line, name in library_warnings.items():
            progress.print(f"warning ({name}): {line}")
    return problems


def _answer(future, w, executor):
    """(the run, the libraries' warnings) a finished task gave; a task that crashed its process gives
    its classifier's failure record, filed under the identity planned for it."""
    try:
        computed = future.result()
    except Exception as error:
        if not executor.crashed(error):
            raise
        failure = f"{w.experiment.name}: {error} while it was computed (a crash of its code: not tried again " \
                  "until its code or spec changes)"
        return Run.failure(w.experiment, w.seed, failure, w.identity), []
    return computed.run, computed.warnings


def run_request(request, executor=None, *, dry_run=False, verbose=False, quiet=False, stream=None,
                retry_failed=False, stored=None):
    """Compute what `request` is missing on `executor` (when None, the one the request names, made
    only if something is missing: reports/runner/executors.py) and return the Outcome. A dry run
    computes nothing and lists, one line each, what it would compute. With `retry_failed`, a run
    whose file records a failure is computed again. One command at a time computes in a results
    folder (reports/runner/lock.py): a second one waits. `stored`: the run files this command has
    read already (a Stored), when it asks more than once (make chapter's rounds)."""
    stream = stream or sys.stderr

    def say(line):
        print(line, file=stream, flush=True)

    with contextlib.nullcontext() if dry_run else results_lock(request.results, say):
        return _run_request(request, executor, dry_run, verbose, quiet, stream, retry_failed, say, stored)


def _run_request(request, executor, dry_run, verbose, quiet, stream, retry_failed, say, stored):
    stored = stored if stored is not None else Stored(say, dry_run)
    problems, retried = [], set()
    try:
        for _ in range(2):  # a probe's answer can add runs: a second pass computes them
            wanted, probing = wanted_runs(request, stored)
            reused = reuse_same_identity(wanted, stored, say, dry_run)
            missing = [w for w in wanted if w.path not in reused and (stored[w.path] is None or (
                retry_failed and w.path not in retried and "failed" in stored[w.path]))]
            retried.update(w.path for w in missing)
            if dry_run:
                _list(missing, probing, stream)
                break
            missing, twins = one_of_each_identity(missing)
            if missing:
                executor = executor or executor_for(request)
                if not quiet:
                    say(f"computing {len(missing)} of {len(wanted)} runs on {executor.name}"
                        + (" (then the rest of the probed plug-ins' seeds)" if probing else ""))
                by_folder = {}  # one newest run file read per classifier, not one per missing seed
                for w in missing:
                    if w.path.parent not in by_folder:
                        by_folder[w.path.parent] = expected_seconds(w)
                progress = Progress([(w.label, by_folder[w.path.parent]) for w in schedule(missing)], executor.jobs,
                                    stream, quiet=quiet)
                try:
                    problems += compute(missing, executor, request.results, progress, stored, verbose)
                finally:
                    progress.close()
                for twin, computed_first in twins:  # the same identity under another name: filed, not fitted
                    if stored[computed_first] is not None:
                        file_under(twin, computed_first, stored)
            if not probing:
                break
    except KeyboardInterrupt:
        if executor is not None:
            executor.close(interrupted=True)
            executor = None
        raise
    finally:
        if executor is not None:
            executor.close()
    runs = {w.path: stored[w.path] for w in wanted if stored[w.path] is not None}
    if not dry_run:
        problems += unexplained(wanted, stored, problems)
    return Outcome(runs, tuple(problems), tuple(w for w in wanted if stored[w.path] is None), len(wanted), probing)


def unexplained(wanted, stored, problems):
    """A Problem for each wanted run that has no file and no Problem naming it (a cluster that went
    away before answering for it): every run missing from a report is said, never left out silently."""
    named = {(problem.classifier, problem.seed) for problem in problems}
    return [w.problem(f"{w.label}: not computed (no result came back for it); run the same command again")
            for w in wanted if stored[w.path] is None
            and (w.experiment.name, w.seed if w.experiment.stochastic else None) not in named]


def _list(missing, probing, stream):
    """--dry-run: what would be computed, one run a line."""
    for w in schedule(missing):
        print(f"would compute {w.label} -> {w.path}", file=stream)
    if probing:
        print("then, once the probes (seeds 0 and 1) say whether a plug-in is random, its other seeds",
              file=stream)
