"""A request (`make report`, `make chapter`, or `reports.compare` from Python), checked before any work.

Every setting a user can give is read here, once, and refused in one line that names it and the fix:
the number of seeds, the built-in classifiers (ONLY), the plug-ins (EXTRA), the jobs, the results
directory and the report's file. Nothing is written and nothing is fitted before all of it holds.
"""

import json
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from reports.clean import source_problem
from reports.runner.dask_address import ClusterError, parse_address
from reports.runner.experiments import experiments_of
from reports.runner.identity import json_ready
from reports.runner.registry import select

# Seeds of each stochastic classifier when a request names none: five for the report, ten for the
# chapter (enough to see a failure rate and place the book's figure among our runs).
DEFAULT_SEEDS = {"report": 5, "chapter": 10}
# What each request writes, inside its results directory, unless told otherwise.
REPORT_FILES = {"report": "report.md", "chapter": "chapter1.md"}
RESULTS = "results"  # the results directory when a request names none (the Makefile's RESULTS too)
MAX_JOBS = 256  # more processes than this is a typo, not a machine
MAX_NAME_BYTES = 255  # the longest file name most file systems take
PAIR_SEPARATOR = "-vs-"  # in the names of the figures of a pair of classifiers (reports/render/disagreements.py)


class RequestError(Exception):
    """A setting that cannot be used as it is; the message names it and the fix."""


@dataclass(frozen=True)
class Request:
    """What to compute and where to put it.

    kind: "report" or "chapter"; experiments: the classifiers, built-ins first; n_seeds: seeds of each stochastic classifier; jobs:
    processes at once on this machine (a cluster decides its own); results: the directory of runs,
    report and figures; out: the report's markdown file; scheduler: a Dask scheduler's address, or
    None for this machine; command: the command a reader types to get the same report; sequential:
    True for `make chapter` without CHAPTER_SEEDS, whose seeds the sequential rule chooses
    (reports/rounds.py); seed_counts: seeds of the named classifiers where they differ from n_seeds
    (the rule's rounds set them).
    """

    kind: str
    experiments: tuple
    n_seeds: int
    jobs: int
    results: Path
    out: Path
    scheduler: str | None = None
    command: str = ""
    sequential: bool = False
    seed_counts: dict = field(default_factory=dict)

    def seeds_of(self, experiment):
        """How many seeds the stochastic `experiment` runs over."""
        return self.seed_counts.get(experiment.name, self.n_seeds)

    @property
    def figures(self):
        """The report's figures: a directory beside it, which holds only this report's figures."""
        return self.out.parent / "figures"


def whole_number(text, variable, low=1, high=None):
    """`text` as a whole number in [low, high], or a RequestError naming the setting it came from."""
    text = str(text).strip()
    if not re.fullmatch(r"[0-9]+", text) or int(text) < low or (high is not None and int(text) > high):
        bound = f"from {low} to {high}" if high is not None else f">= {low}"
        raise RequestError(f"{variable}={text!r}: must be a whole number {bound}")
    return int(text)


def checked_path(text, variable):
    """`text` as a path, or a RequestError naming the setting: empty, a line break, a name too long for
    the file system, or a `~` the shell did not expand (make passes it as it is)."""
    text = str(text)
    if not text.strip():
        raise RequestError(f"{variable} is empty: give a directory or file name")
    if "\n" in text or "\r" in text or "\0" in text:
        raise RequestError(f"{variable}={text!r}: a path cannot hold a line break or a NUL character")
    if text.startswith("-"):
        raise RequestError(f"{variable}={text!r}: a folder name that starts with '-' reads as an option; "
                           f"write ./{text}")
    if text.startswith("~"):
        raise RequestError(f"{variable}={text!r}: '~' is not expanded here; write the path out ($HOME/...)")
    too_long = [part for part in Path(text).parts if len(part.encode("utf-8")) > MAX_NAME_BYTES]
    if too_long:
        raise RequestError(f"{variable}: the name {too_long[0][:40]!r}... is longer than the {MAX_NAME_BYTES} "
                           "bytes a file name may have; choose a shorter one")
    return Path(text)


def check_writable_place(results_dir, out_path):
    """Refuse a RESULTS that is a file, and a RESULTS or report folder that is the project's own: its
    root, .git, or a folder of its source or docs (the report scatters tables and figures beside it)."""
    if results_dir.exists() and not results_dir.is_dir():
        raise RequestError(f"RESULTS={str(results_dir)!r} is a file, not a folder; name a folder for the results")
    for variable, folder, shown in (("RESULTS", results_dir, results_dir), ("REPORT_MD", out_path.parent, out_path)):
        problem = source_problem(folder)
        if problem:
            where = "" if folder == shown else f"; its folder {str(folder)!r}"
            raise RequestError(f"{variable}={str(shown)!r}{where} {problem}: the project writes its results "
                               f"only outside its source; name a folder such as results/")


def check_parameters(experiment):
    """Refuse, in one line, a parameter a run file cannot hold: a value that is not JSON once tuples
    and NumPy values are made lists and numbers (a set, bytes, a complex number...)."""
    for key, value in experiment.params.items():
        try:
            json.dumps(json_ready(value), allow_nan=True)
        except (TypeError, ValueError):
            raise RequestError(f"{experiment.name}: {key}={value!r} is a {type(value).__name__}, which a run file "
                               "cannot hold; give a number, a string, True/False/None, or a list or dict of them") from None


def default_jobs():
    return os.cpu_count() or 1


def make_request(kind, *, seeds=None, only="", extra="", jobs=None, results=RESULTS, out=None, scheduler=None,
                 seeds_variable=None, builtins=None):
    """The checked Request of `make KIND` with these settings (each as the user typed it; an empty one
    means its default, as an empty make variable does). `builtins`, from Python, lists the built-in
    classifiers exactly (none, or some of another command's), instead of the command's own."""
    if kind not in DEFAULT_SEEDS:
        raise RequestError(f"unknown request {kind!r}: report or chapter")
    seeds_variable = seeds_variable or ("SEEDS" if kind == "report" else "CHAPTER_SEEDS")
    given = {seeds_variable: seeds, "ONLY": only, "EXTRA": extra, "JOBS": jobs, "RESULTS": results,
             "REPORT_MD": out, "DASK_SCHEDULER": scheduler}
    blank = {name: value is None or not str(value).strip() for name, value in given.items()}
    n_seeds = DEFAULT_SEEDS[kind] if blank[seeds_variable] else whole_number(seeds, seeds_variable)
    n_jobs = default_jobs() if blank["JOBS"] else whole_number(jobs, "JOBS", high=MAX_JOBS)
    results_dir = checked_path(RESULTS if blank["RESULTS"] else results, "RESULTS")
    out_path = results_dir / REPORT_FILES[kind] if blank["REPORT_MD"] else checked_path(out, "REPORT_MD")
    if out_path.is_dir():
        raise RequestError(f"REPORT_MD={str(out_path)!r} is a directory; name the report's file, "
                           f"e.g. {out_path / REPORT_FILES[kind]}")
    check_writable_place(results_dir, out_path)
    if builtins is None:
        builtins = [experiment.name for experiment in experiments_of(kind)]
    experiments = select(builtins, "" if blank["ONLY"] else only, "" if blank["EXTRA"] else extra)
    if not experiments:
        raise RequestError("no classifier to evaluate: name built-in classifiers or plug-ins")
    if kind == "chapter" and not blank["ONLY"]:
        raise RequestError("ONLY is for `make report`; the chapter runs every experiment of the chapter")
    for experiment in experiments:  # a classifier's name is the folder of its run files
        checked_path(experiment.name, "a classifier name")
        if PAIR_SEPARATOR in experiment.name:
            raise RequestError(f"{experiment.name!r}: a classifier name cannot hold {PAIR_SEPARATOR!r}, which "
                               "joins two names in the figures of a pair; rename it")
        check_parameters(experiment)
    defaults = {"RESULTS": RESULTS}  # the Makefile passes its default on: not a setting the reader typed
    shown = {name: str(value).strip() for name, value in given.items()
             if not blank[name] and str(value).strip() != defaults.get(name)}
    command = " ".join([f"make {kind}", *(f"{name}={shlex.quote(value)}" for name, value in shown.items()
                                          if name not in ("JOBS", "DASK_SCHEDULER"))])
    if not blank["DASK_SCHEDULER"]:
        try:  # its form, at once; whether a scheduler answers there is asked when there is work for it
            parse_address(str(scheduler))
        except ClusterError as error:
            raise RequestError(str(error)) from None
    return Request(kind, tuple(experiments), n_seeds, n_jobs, results_dir, out_path,
                   None if blank["DASK_SCHEDULER"] else str(scheduler).strip(), command,
                   sequential=kind == "chapter" and blank[seeds_variable])
