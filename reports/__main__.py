"""Command line of the reports: `python -m reports {plan,evaluate,render,sweep} ...` (see --help).

  plan {report,chapter} --seeds N ...   the make rules of a request, on stdout (writes nothing)
  evaluate NAME|SPEC --seeds 0 1 ...    compute runs -> results/runs/NAME/seed-K.DIGEST.json
  render RUN.json ... --out report.md   the markdown report and its figures, from run files
  sweep --scheduler ADDRESS ...         compute a request's missing runs on a Dask cluster

Errors are one line naming the culprit, with exit status 1 (2 for a misused command line, 130 for
Ctrl-C); files already written stay.
"""

from data.cli import interrupt_in_one_line, run_main

INTERRUPTED = "interrupted; finished runs are kept, run the same command to resume"
if __name__ == "__main__":
    interrupt_in_one_line(INTERRUPTED)  # before the imports below, which take a second

import argparse  # noqa: E402
import os  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from data import DataError, load_mnist  # noqa: E402
from data.files import WriteError  # noqa: E402
from reports.runner import store  # noqa: E402
from reports.runner.cluster import SweepError  # noqa: E402
from reports.runner.evaluate import EvaluationError, evaluate_seeds  # noqa: E402
from reports.runner.experiments import experiments_of  # noqa: E402
from reports.runner.factory import FactoryError  # noqa: E402
from reports.runner.plan import PlanError, plan, safe_path, whole_number  # noqa: E402
from reports.runner.provenance import KERNEL_NAME, numerics_settings  # noqa: E402
from reports.runner.registry import RegistryError, is_plugin, resolve, select  # noqa: E402

from reports.render.records import RecordError  # noqa: E402


class ArgumentError(Exception):
    """A command-line argument that cannot be used as it is; the message names it and the fix."""


ERRORS = (ArgumentError, DataError, EvaluationError, FactoryError, PlanError, RecordError, RegistryError,
          store.StoreError, SweepError, WriteError)
DEFAULT_SEEDS = {"report": 5, "chapter": 10}  # the one place: the Makefile passes SEEDS empty unless set


def request(args):
    """The experiments and settings of a `plan` or `sweep` request, all checked before anything runs."""
    n_seeds = whole_number(args.seeds, args.seeds_variable)
    whole_number(args.jobs, "JOBS")
    results_dir = safe_path(args.results, "RESULTS")
    builtins = [experiment.name for experiment in experiments_of(args.kind)]
    experiments, specs = select(builtins, args.only if args.kind == "report" else "", args.extra)
    return experiments, specs, n_seeds, results_dir


def command_plan(args):
    experiments, specs, n_seeds, results_dir = request(args)
    if args.blas_kernel.strip() and not args.probe:
        say_numerics(args.blas_kernel.strip())
    out = safe_path(args.out or default_out(args), "REPORT_MD")
    figures = out.parent / "figures"
    print(plan(experiments, specs, kind=args.kind, n_seeds=n_seeds, results_dir=results_dir, out=out,
               figures=figures, command=command_line(args, out), python=args.python,
               n_jobs=int(args.jobs), quiet=args.quiet, probe=args.probe), end="")


def say_numerics(kernel):
    """One line: which BLAS kernel and NumPy settings the evaluation runs use (the environment's own
    values, if it sets them, are in force: BLAS_KERNEL never overrides them)."""
    if not KERNEL_NAME.fullmatch(kernel):
        raise PlanError(f"BLAS_KERNEL={kernel!r}: an OpenBLAS kernel name such as Haswell, SkylakeX or Zen")
    in_force = [f"{name}={os.environ.get(name, '(unset)')}" for name in numerics_settings(kernel)]
    print(f"BLAS_KERNEL={kernel}: the evaluation runs use {', '.join(in_force)}", file=sys.stderr)


def command_line(args, out):
    """The make command a reader would type to get the same report: the settings that differ from
    the defaults, quoted for the shell."""
    settings = [(args.seeds_variable, args.seeds, str(DEFAULT_SEEDS[args.kind])), ("ONLY", args.only, ""),
                ("EXTRA", args.extra, ""), ("REPORT_MD", str(out), str(default_out(args))),
                ("BLAS_KERNEL", args.blas_kernel, "")]
    return " ".join([f"make {args.kind}", *(f"{name}={shlex.quote(value.strip())}" for name, value, default in settings
                                            if value.strip() != default)])


def default_out(args):
    return Path(args.results) / ("report.md" if args.kind == "report" else "chapter1.md")


def command_evaluate(args):
    experiment = resolve(args.classifier)
    seeds = args.seeds if experiment.stochastic else args.seeds[:1]
    expected = [Path(path) for path in args.expect]
    if expected and len(expected) != len(seeds):
        raise PlanError(f"{len(expected)} --expect paths for {len(seeds)} seeds")
    dataset = load_mnist(repair=False)
    keep_failures = args.keep_failures and is_plugin(experiment)  # a built-in that fails is a bug: stop
    for k, (seed, path) in enumerate(evaluate_seeds(experiment, seeds, dataset, args.results, quiet=args.quiet,
                                                    keep_failures=keep_failures)):
        if expected and path != expected[k]:
            raise PlanError(f"{experiment.name} seed {seed}: its code or settings changed while make was running "
                            f"(planned {expected[k]}, computed {path}); run the same command again")


def check_render_arguments(runs, out, figures):
    """Refuse, before reading anything, what `render` could only fail on or damage."""
    if not runs:
        raise ArgumentError("no run files given; name the results/runs/NAME/*.json files to render")
    if out.is_dir():
        raise ArgumentError(f"--out {out} is a directory; name the report's file, e.g. {out / 'report.md'}")
    if any(out.resolve() == run.resolve() for run in runs):
        raise ArgumentError(f"--out {out} is one of the run files given; name another file for the report")
    if figures.exists() and not figures.is_dir():
        raise ArgumentError(f"--figures {figures} is a file; name a directory for the figures")


def command_render(args):
    from reports.render.chapter import render_chapter
    from reports.render.records import records_from_runs
    from reports.render.report import finish, render

    check_render_arguments(args.runs, args.out, args.figures)
    start = time.perf_counter()
    records, failures = records_from_runs(args.runs)
    table = (render_chapter if args.chapter else render)(records, args.out, args.figures, args.command)
    failures = finish(args.out, failures, args.fingerprint)
    for run in failures:
        print(f"failed, not in the report: {run['failed']}", file=sys.stderr)
    print(table)
    print(f"\nwrote {args.out} and its figures in {args.figures}/ ({time.perf_counter() - start:.1f} s)")


def command_sweep(args):
    from reports.runner.sweep import sweep_request

    experiments, _, n_seeds, results_dir = request(args)
    sweep_request(args.scheduler, experiments, n_seeds, results_dir, quiet=args.quiet)


def _request_arguments(parser):
    parser.add_argument("kind", choices=["report", "chapter"])
    parser.add_argument("--seeds", default=None, help="seeds of each stochastic classifier (default 5, chapter 10)")
    parser.add_argument("--seeds-variable", default="SEEDS", help="the make variable --seeds came from (for errors)")
    parser.add_argument("--only", default="", help="report only these built-in classifiers (names, space-separated)")
    parser.add_argument("--extra", default="", help="plug-ins: 'NAME=module:attr key=value ...; ...'")
    parser.add_argument("--results", default="results", help="results directory (default results)")
    parser.add_argument("--jobs", default="2", help="how many jobs make runs at once")
    parser.add_argument("--quiet", action="store_true", help="one line per run: no epoch lines or progress")


def parser():
    top = argparse.ArgumentParser(prog="python -m reports", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command_name", required=True)

    pl = commands.add_parser("plan", help="print the make rules of `make report` or `make chapter`")
    _request_arguments(pl)
    pl.add_argument("--out", help="the report's markdown file (default RESULTS/report.md or RESULTS/chapter1.md)")
    pl.add_argument("--blas-kernel", default="", help="the BLAS_KERNEL setting, named in the report's header")
    pl.add_argument("--python", default=sys.executable, help="the Python the rules run")
    pl.add_argument("--probe", action="store_true",
                    help="only the first two seeds of plug-ins whose randomness is not known yet")
    pl.set_defaults(func=command_plan)

    ev = commands.add_parser("evaluate", help="fit and score one classifier over seeds")
    ev.add_argument("classifier", help="a built-in name or 'NAME=module:attr key=value ...'")
    ev.add_argument("--seeds", type=_seed, nargs="+", default=[0], help="the seeds to run (default 0)")
    ev.add_argument("--results", type=Path, default=Path("results"), help="results directory (default results)")
    ev.add_argument("--expect", action="append", default=[], help=argparse.SUPPRESS)
    ev.add_argument("--quiet", action="store_true", help="one line per run")
    ev.add_argument("--keep-failures", action="store_true",
                    help="record a plug-in that fails in its run file and exit 0, so that make goes on")
    ev.set_defaults(func=command_evaluate)

    re_ = commands.add_parser("render", help="write the markdown report and figures from run files")
    re_.add_argument("runs", nargs="*", type=Path)
    re_.add_argument("--out", type=Path, default=Path("results/report.md"))
    re_.add_argument("--figures", type=Path, default=Path("results/figures"))
    re_.add_argument("--command", default="python -m reports render", help="the command named in the header")
    re_.add_argument("--chapter", action="store_true", help="render chapter 1 reproduced instead of the report")
    re_.add_argument("--fingerprint", help=argparse.SUPPRESS)
    re_.set_defaults(func=command_render)

    sw = commands.add_parser("sweep", help="compute the missing runs of a request on a Dask cluster")
    _request_arguments(sw)
    sw.add_argument("--scheduler", required=True, help="address of the Dask scheduler, e.g. tcp://host:8786")
    sw.set_defaults(func=command_sweep)
    return top


def _seed(text):
    """argparse type: a whole number >= 0."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return int(text)


def main(argv=None):
    args = parser().parse_args(argv)
    if hasattr(args, "kind") and not (args.seeds or "").strip():  # not given, or an empty SEEDS= from make
        args.seeds = str(DEFAULT_SEEDS[args.kind])
    return run_main(lambda: args.func(args), ERRORS, interrupted=INTERRUPTED)


if __name__ == "__main__":
    sys.exit(main())
