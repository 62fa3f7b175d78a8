"""The runner: from a request to its report, computing only the runs that are missing.

1. The runs the request wants: every seed of each stochastic classifier, one run of a deterministic
   one. A plug-in that takes `random_state` but whose spec does not say how it is seeded is first run
   with seeds 0 and 1 (the probe): alike, it is deterministic and seed 0's run is its one run; unlike,
   it runs over every seed, the probe's two fits among them.
2. A run is a file named by its identity (reports/runner/identity.py): one that exists and reads back
   whole is reused; one that cannot be read is moved aside, said in one line, and computed again.
3. The missing runs go to an executor (reports/runner/executors.py: a local process pool or a Dask
   cluster, the same loop), longest first, each run that uses every core beside the longest that uses
   one. Each run file is written as it arrives, named by the identity its worker computed; so Ctrl-C
   keeps every finished run, and a worker with other code or numerics never fills this machine's place.
4. The report is rendered when its runs, its settings or the rendering code changed since it was
   made (a fingerprint of all three is its last line, written with it in one file).

A classifier that fails is in the report's list of failures, and the command exits non-zero, every
time it is run, until its code or spec changes. A failure of the environment (an import, a build) is
said and tried again next time, never stored.
"""

import hashlib
from functools import partial
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from reports.runner.identity import digest, identity, run_path, source_files
from reports.runner.progress import Progress
from reports.runner.registry import is_plugin
from reports.runner.store import StoreError, read_run, write_run
from reports.runner.worker import EnvironmentFailure, compute_run

RENDER_MODULES = {"report": "reports.render.report", "chapter": "reports.render.chapter"}
FINGERPRINT_PREFIX = "<!-- settings: "
PROBE_SEEDS = (0, 1)


@dataclass(frozen=True)
class Outcome:
    """What a request came to: the exit status (0, or 1 if a classifier failed or a run could not be
    computed), the run files it wanted that exist, and the classifiers that failed."""

    status: int
    runs: tuple
    failed: tuple = ()


@dataclass(frozen=True)
class Wanted:
    """One run the request needs: an experiment, a seed, and the file named by its identity here."""

    experiment: object
    seed: int
    path: Path

    @property
    def label(self):
        return f"{self.experiment.name} seed {self.seed}" if self.experiment.stochastic else self.experiment.name


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
    """Whether the run file at `path` exists and reads back whole. One that does not is moved aside
    (NAME.json.unreadable), with one line, so that it is computed again and still there to look at
    (in a dry run it is only named)."""
    if not path.is_file():
        return False
    try:
        read_run(path)
    except StoreError as error:
        problem = error.args[0].split(";")[0]
        if dry_run:
            say(f"{problem}; would move it aside and compute it again")
            return False
        aside = path.with_name(path.name + ".unreadable")
        path.replace(aside)
        say(f"{problem}; moved aside to {aside.name}, computing it again")
        return False
    return True


def _probe_result(experiment, results, say, dry_run):
    """For a probed plug-in: None while a probe run is missing, else whether seeds 0 and 1 differ."""
    paths = [run_path(results, experiment, seed) for seed in PROBE_SEEDS]
    if not all([usable(path, say, dry_run) for path in paths]):
        return None
    runs = [read_run(path) for path in paths]
    if any("failed" in run for run in runs):
        return False  # it fails: the first failure is its result
    return runs[0]["predictions"] != runs[1]["predictions"]


def wanted_runs(request, say=print, dry_run=False):
    """(the runs the request wants now, whether a probe must finish before the rest are known)."""
    wanted, probing = [], False
    for experiment in request.experiments:
        how = seeding(experiment)
        n_seeds = request.seeds_of(experiment)
        if how == "once" or n_seeds == 1:
            seeds = [0]
        elif how == "seeds":
            seeds = list(range(n_seeds))
        else:
            random = _probe_result(experiment, request.results, say, dry_run)
            probing |= random is None
            seeds = list(PROBE_SEEDS) if random is None else list(range(n_seeds)) if random else [0]
        wanted += [Wanted(experiment, seed, run_path(request.results, experiment, seed)) for seed in seeds]
    return wanted, probing


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


def _difference(asked, computed):
    """Which parts of two identities differ, in words."""
    keys = sorted(key for key in set(asked) | set(computed) if asked.get(key) != computed.get(key))
    return ", ".join(keys) or "nothing (the digest differs)"


def compute(missing, executor, results, progress, verbose=False):
    """Compute the `missing` runs on `executor`, writing each run file as it arrives. Returns the
    problems met (one line each); the runs computed are on disk."""
    problems, library_warnings = [], {}
    data = executor.dataset()
    futures = {executor.submit(compute_run, w.experiment, w.seed, data, verbose): w for w in schedule(missing)}
    for future in executor.as_completed(list(futures)):
        w = futures.pop(future)
        try:
            computed = future.result()
        except EnvironmentFailure as error:
            problems.append(f"{_named(w, str(error))} (not stored: it is tried again next time)")
            continue
        except Exception as error:  # the cluster lost it, or a bug: said, and tried again next time
            text = " ".join(str(error).split())[:300]  # one line, whatever the library wrote
            what = "the cluster lost it" if executor.lost(error) else "it could not be computed"
            problems.append(f"{w.label}: {what} ({type(error).__name__}: {text}); run the same command again")
            continue
        run = computed.run
        path = run_path(results, w.experiment, w.seed, run["digest"])
        write_run(path, run)
        for line in computed.warnings:
            library_warnings.setdefault(line, w.experiment.name)
        if path != w.path:
            asked = identity(w.experiment, w.seed)
            problems.append(f"{w.label}: computed on {executor.name} under another identity ({_difference(asked, run['identity'])} "
                            f"differ from this machine's), stored as {path.name}, not used for this report")
        outcome = f"failed: {run['failed']}" if "failed" in run else f"{run['correct']:,} / {run['n_test']:,} correct"
        progress.finished(w.experiment.seconds, f"{w.label}: {outcome}")
    if not progress.quiet:  # the libraries' warnings, collected from every worker, once each
        for line, name in library_warnings.items():
            progress.print(f"warning ({name}): {line}")
    return problems


def render_fingerprint(request, paths):
    """A digest of everything a report shows besides its runs' content: its settings, its runs' names
    (their identities) and the code that renders it."""
    code = source_files(RENDER_MODULES[request.kind])
    text = "\n".join([request.kind, str(request.out), str(request.figures), request.command,
                      *map(str, paths), *(f"{name} {value}" for name, value in code.items())])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def report_fingerprint(path):
    """The fingerprint the report at `path` was made with (its last line), or None."""
    try:
        with open(path, "rb") as report:
            report.seek(max(0, report.seek(0, 2) - 200))
            last = report.read().decode("utf-8", "replace").rstrip("\n").rsplit("\n", 1)[-1]
    except OSError:
        return None
    if last.startswith(FINGERPRINT_PREFIX) and last.endswith(" -->"):
        return last[len(FINGERPRINT_PREFIX):-4]
    return None


def render_report(request, paths, fingerprint, extra_failures=()):
    """Render the report of `paths` (run files) at request.out, its figures beside it. Returns the
    main table as text and the names of the classifiers that failed."""
    from reports.render.chapter import render_chapter
    from reports.render.records import records_from_runs
    from reports.render.report import add_failures_to_summary, footer, render

    records, failures = records_from_runs(paths)
    failures = [*failures, *({"name": line.split(":")[0].split(" seed ")[0], "failed": line} for line in extra_failures)]
    draw = partial(render_chapter, sequential=request.sequential) if request.kind == "chapter" else render
    table = draw(records, request.out, request.figures, request.command,
                 footer=footer(failures, f"{FINGERPRINT_PREFIX}{fingerprint} -->"))
    add_failures_to_summary(request.out, failures)
    return table, sorted({run["name"] for run in failures})


def run_request(request, executor_for, *, dry_run=False, verbose=False, quiet=False, stream=None, render=True):
    """Compute what `request` is missing on the executor `executor_for(request)` makes, and (with
    `render`) render its report if it changed, from the runs there are even if some failed. Returns
    the Outcome."""
    stream = stream or sys.stderr

    def say(line):
        print(line, file=stream, flush=True)

    start = time.monotonic()
    problems, executor = [], None
    try:
        for _ in range(2):  # a probe's answer can add runs: a second pass computes them
            wanted, probing = wanted_runs(request, say, dry_run)
            missing = [w for w in wanted if not usable(w.path, say, dry_run)]
            if dry_run:
                return _list(request, wanted, missing, probing, stream)
            if missing:
                executor = executor or executor_for(request)
                if not quiet:
                    say(f"computing {len(missing)} of {len(wanted)} runs on {executor.name}"
                        + (" (then the rest of the probed plug-ins' seeds)" if probing else ""))
                progress = Progress([w.experiment.seconds for w in missing], executor.jobs, stream, quiet=quiet)
                try:
                    problems += compute(missing, executor, request.results, progress, verbose)
                finally:
                    progress.close()
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
    return _finish(request, wanted, problems, quiet, stream, start, render)


def _finish(request, wanted, problems, quiet, stream, start, render):
    """Render the report if it is out of date; say what failed; the outcome."""
    present = tuple(w.path for w in wanted if w.path.is_file())
    for line in problems:
        print(f"error: {line}", file=stream)
    if not present:
        print("error: no run could be computed, so no report was written", file=stream)
        return Outcome(1, present)
    fingerprint = render_fingerprint(request, present)
    failed = sorted({run["name"] for run in map(read_run, present) if "failed" in run})
    if not render:
        pass
    elif report_fingerprint(request.out) == fingerprint and not problems:
        if not quiet:
            print(f"{request.out} is up to date ({len(present)} runs)", file=stream)
    else:
        table, failed = render_report(request, present, fingerprint, problems)
        print(table)
        if not quiet:
            print(f"\nwrote {request.out} and its figures in {request.figures}/ "
                  f"({time.monotonic() - start:.1f} s)", file=stream)
    if failed:
        print(f"error: failed, in the report's list of failures: {', '.join(failed)}", file=stream)
    return Outcome(1 if failed or problems else 0, present, tuple(failed))


def _list(request, wanted, missing, probing, stream):
    """--dry-run: what would be computed, one run a line, and whether the report would be rendered."""
    for w in schedule(missing):
        print(f"would compute {w.label} -> {w.path}", file=stream)
    if probing:
        print("then, once the probes (seeds 0 and 1) say whether a plug-in is random, its other seeds",
              file=stream)
    present = [w.path for w in wanted if w.path.is_file()]
    stale = missing or report_fingerprint(request.out) != render_fingerprint(request, present)
    print(f"would render {request.out}" if stale else f"{request.out} is up to date", file=stream)
    print(f"{len(missing)} of {len(wanted)} runs to compute", file=stream)
    return Outcome(0, tuple(w.path for w in wanted if w.path.is_file()))
