"""What `make report` and `make chapter` must compute, written as make rules for make to run.

The Makefile knows no classifier. It asks `python -m reports plan report ...` for the rules of
this request and hands them to a second make on a pipe (`make -f -`), which runs them with `-j`.
Planning only reads: it writes no file, so `make -n` and `make help` change nothing.

- Each run the request needs is a file named by its identity (reports/runner/identity.py). A run
  file that exists was computed from exactly the current inputs and is reused; one that is missing
  gets a rule. Seeds of one network experiment that are missing together are computed by one
  process, in lockstep (network/lockstep.py), in groups sized to keep every core busy.
- A plug-in that takes `random_state` may still be deterministic (scikit-learn's SVC takes one
  and ignores it). It is first run with seeds 0 and 1 (`--probe`); if they predict alike it is
  treated as deterministic and run no more, otherwise it is run over every seed.
- The report is remade when its runs or its rendering code are newer than it, or when it was made
  with other settings (another set of runs, another command): the report's last line holds a
  fingerprint of its settings, so even a report overwritten by a concurrent `make report` with
  other settings is found out of date.
"""

import hashlib
import math
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from data.mnist import DATA_DIR, NPZ_NAME
from reports.runner.experiments import NETWORK
from reports.runner.identity import run_path, source_files
from reports.runner.registry import is_plugin
from reports.runner.store import StoreError, read_run

# Characters make cannot carry in a file name, or that the shell would read: refused in paths.
UNSAFE_IN_PATH = re.compile(r"[\s$:#%;=*?'\"\\|&<>()`!{}\[\]]")
DATA = DATA_DIR / NPZ_NAME
RENDER_MODULES = {"report": "reports.render.report", "chapter": "reports.render.chapter"}
# At most this many seeds of a network per process. Stacked in NumPy, five seeds were the fastest per
# seed for [784, 100, 10] (`make bench`); compiled, a group shares one process's start-up, and groups
# of five let both cores share an experiment's seeds.
LOCKSTEP_GROUP = 5
# How a report records the settings it was made with: its last line, written by `render --fingerprint`.
FINGERPRINT_LINE = re.compile(r"<!-- settings: (?P<fingerprint>[0-9a-f]+) -->")


class PlanError(Exception):
    """A request that cannot be planned; the message names the setting and the fix."""


@dataclass(frozen=True)
class Run:
    """One run the request needs: an experiment, a seed, and the file that holds it."""

    experiment: object
    seed: int
    path: Path


@dataclass(frozen=True)
class Job:
    """Runs computed by one process: one run, or several seeds of one network in lockstep."""

    experiment: object
    runs: tuple

    @property
    def seconds(self):
        return self.experiment.seconds * len(self.runs)


def whole_number(text, variable):
    """`text` as a whole number >= 1, or a PlanError naming the make variable it came from."""
    text = str(text).strip()
    if not re.fullmatch(r"[0-9]+", text) or int(text) < 1:
        raise PlanError(f"{variable}={text!r}: must be a whole number >= 1")
    return int(text)


def safe_path(text, variable):
    """A path make and the shell can carry as it is, or a PlanError naming the variable."""
    if not str(text).strip():
        raise PlanError(f"{variable} is empty: give a directory or file name")
    if UNSAFE_IN_PATH.search(str(text)):
        raise PlanError(f"{variable}={text!r}: make cannot handle spaces or any of $:#%;=*?'\"\\|&<>()`!{{}}[] "
                        "in a file name; choose a plainer name")
    return Path(text)


def _probe_answer(experiment, results_dir):
    """For a plug-in that takes random_state: True if seeds 0 and 1 predict differently, False if
    alike, None while either run is missing."""
    runs = []
    for seed in (0, 1):
        try:
            runs.append(read_run(run_path(results_dir, experiment, seed)))
        except StoreError:
            return None
    if any("failed" in run for run in runs):
        return False  # it fails: two tries are enough
    return runs[0]["predictions"] != runs[1]["predictions"]


def runs_wanted(experiments, n_seeds, results_dir, probe=False):
    """The runs of the request, experiment by experiment. With `probe`, only seeds 0 and 1 of the
    plug-ins whose randomness is not yet known."""
    wanted = []
    for experiment in experiments:
        if not experiment.stochastic:
            seeds = [] if probe else [0]
        elif is_plugin(experiment) and n_seeds > 1:
            stochastic = _probe_answer(experiment, results_dir)
            if probe:
                seeds = [0, 1] if stochastic is None else []
            else:
                # Alike: deterministic, and the two runs it took to tell are all it gets.
                seeds = [0, 1] if stochastic is False else list(range(n_seeds))
        else:
            seeds = [] if probe else list(range(n_seeds))
        wanted += [Run(experiment, seed, run_path(results_dir, experiment, seed)) for seed in seeds]
    return wanted


def usable(run):
    """Whether the run's file exists and reads back whole (a corrupt one is computed again)."""
    if not run.path.is_file():
        return False
    try:
        read_run(run.path)
    except StoreError:
        return False
    return True


def jobs_for(missing, n_jobs):
    """The missing runs as jobs, in the order make should start them.

    An experiment's missing seeds go to one process, or to several where one would take longer than
    the cores' fair share of all the work (a network's group trains in lockstep, at most
    LOCKSTEP_GROUP seeds). Jobs that use every core (the SVC) start first, longest first, each beside
    the longest job that uses one core, so that both cores work until the end.
    """
    by_experiment = {}
    for run in missing:
        by_experiment.setdefault(run.experiment.name, []).append(run)
    total = sum(run.experiment.seconds for run in missing)
    share = max([total / n_jobs, *(run.experiment.seconds for run in missing)], default=0)
    jobs = []
    for runs in by_experiment.values():
        experiment = runs[0].experiment
        groups = math.ceil(experiment.seconds * len(runs) / share) if share else 1
        if experiment.factory == NETWORK:
            groups = max(groups, math.ceil(len(runs) / LOCKSTEP_GROUP))
        size = math.ceil(len(runs) / groups)
        jobs += [Job(experiment, tuple(runs[k:k + size])) for k in range(0, len(runs), size)]
    every_core = sorted((job for job in jobs if job.experiment.every_core), key=lambda job: -job.seconds)
    one_core = sorted((job for job in jobs if not job.experiment.every_core), key=lambda job: -job.seconds)
    paired = [job for pair in zip(every_core, one_core) for job in pair]
    rest = every_core[len(paired) // 2:] + one_core[len(paired) // 2:]
    return paired + sorted(rest, key=lambda job: -job.seconds)


def render_code(kind):
    """The project files that render a report of `kind`: what the report depends on besides its runs."""
    return sorted(Path(path) for path in source_files(RENDER_MODULES[kind]) if not Path(path).is_absolute())


def _make_text(text):
    """`text` quoted for the shell, with make's `$` escaped, for a recipe line."""
    return shlex.quote(text).replace("$", "$$")


def evaluate_command(job, results_dir, spec, quiet):
    seeds = " ".join(str(run.seed) for run in job.runs)
    expect = " ".join(f"--expect {run.path}" for run in job.runs)
    return (f"$(PY) -m reports evaluate {_make_text(spec)} --seeds {seeds} --results {results_dir} "
            f"{expect}{' --quiet' if quiet else ''} --keep-failures")


def makefile(wanted, jobs, specs, results_dir, python, quiet, render=None):
    """The make rules that compute `jobs` and, with `render` (a dict of the report's settings), make
    the report from `wanted`. `specs` maps a plug-in's name to its spec."""
    lines = ["# Written by `python -m reports plan` for one make run; read by `make -f -`, never stored.",
             "SHELL := bash", ".SHELLFLAGS := -eu -o pipefail -c", ".DELETE_ON_ERROR:", ".SUFFIXES:",
             f"PY := {python}", ""]
    goal = render["out"] if render else "runs"
    echo = "@" if quiet else ""  # QUIET: make does not echo the commands either
    targets = " ".join(str(run.path) for job in jobs for run in job.runs)
    lines += [".PHONY: all runs", f"all: {goal}", "\t@:", f"runs: {targets}", "\t@:", ""]
    if jobs:
        # A run file is written whole (atomically) as each seed finishes: never delete one because
        # its job was interrupted (Ctrl-C) or failed on a later seed, as make otherwise would.
        lines += [f".PRECIOUS: {targets}", ""]
    for job in jobs:
        targets = " ".join(str(run.path) for run in job.runs)
        spec = specs.get(job.experiment.name, job.experiment.name)
        lines += [f"{targets} &:", f"\t{echo}" + evaluate_command(job, results_dir, spec, quiet), ""]
    if render:
        runs = [str(run.path) for run in wanted]
        # Listed longest job first, so that make -j starts the long fits first.
        first = [str(run.path) for job in jobs for run in job.runs]
        prerequisites = first + [path for path in runs if path not in first]
        code = [str(path) for path in render_code(render["kind"])]
        if DATA.is_file():  # the report shows test images (its figure of disagreements)
            code.append(str(DATA.relative_to(Path.cwd())) if DATA.is_relative_to(Path.cwd()) else str(DATA))
        fingerprint = settings_fingerprint(render, runs)
        # A report made with other settings (other runs, another command) is out of date whatever
        # its timestamp says: make it again. Its fingerprint is the last line of the report itself.
        stale = [] if report_fingerprint(render["out"]) == fingerprint else ["FORCE"]
        chapter = " --chapter" if render["kind"] == "chapter" else ""
        lines += [
            f"{render['out']}: {' '.join(prerequisites + code + stale)}",
            f"\t{echo}$(PY) -m reports render {' '.join(runs)} --out {render['out']} --figures {render['figures']}"
            f"{chapter} --command {_make_text(render['command'])} --fingerprint {fingerprint}",
            "FORCE:",
            "",
        ]
    return "\n".join(lines) + "\n"


def settings_fingerprint(render, runs):
    """A digest of everything a report shows besides its runs' content and the rendering code."""
    settings = "\n".join([render["kind"], str(render["out"]), str(render["figures"]), render["command"], *runs])
    return hashlib.sha256(settings.encode("utf-8")).hexdigest()[:16]


def report_fingerprint(path):
    """The fingerprint a report was rendered with (its last line), or None."""
    try:
        with open(path, "rb") as report:
            report.seek(max(0, report.seek(0, 2) - 200))
            last = report.read().decode("utf-8", "replace").rstrip("\n").rsplit("\n", 1)[-1]
    except OSError:
        return None
    match = FINGERPRINT_LINE.fullmatch(last)
    return match["fingerprint"] if match else None


def plan(experiments, specs, *, kind, n_seeds, results_dir, out, figures, command, python, n_jobs=2, quiet=False,
         probe=False):
    """The makefile text for a request (see the module's docstring)."""
    wanted = runs_wanted(experiments, n_seeds, results_dir, probe=probe)
    # A probe's two seeds go to one process: when the first fails, the second is not tried.
    jobs = jobs_for([run for run in wanted if not usable(run)], 1 if probe else n_jobs)
    render = None if probe else {"kind": kind, "out": str(out), "figures": str(figures), "command": command}
    return makefile(wanted, jobs, specs, results_dir, python, quiet, render)
