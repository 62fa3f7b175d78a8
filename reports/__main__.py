"""Command line of the reports: `python -m reports {run,evaluate,render} ...` (see --help).

  run {report,chapter} [--seeds N] ...   compute the missing runs, then render the report if it changed
  evaluate NAME|SPEC --seeds 0 1 ...     compute runs -> results/runs/NAME/seed-K.DIGEST.json
  render RUN.json ... --out report.md    the markdown report and its figures, from run files

Errors are one line naming the culprit, with exit status 1 (2 for a misused command line, 130 for
Ctrl-C); files already written stay.
"""

import signal
import sys
from pathlib import Path

# The project's own packages come first, before the current folder's modules: run from a folder that
# holds a data.py or a reports.py, `python -m reports` still imports the project's (and a plug-in in
# that folder still imports).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common.cli import interrupt_in_one_line, run_main  # noqa: E402

INTERRUPTED = "interrupted; finished runs are kept, run the same command to resume"


def terminated(signum, frame):
    """SIGTERM (`kill`, `timeout`, a job scheduler) ends a command as Ctrl-C does: the workers are
    stopped, every finished run is kept, and one line says so."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    interrupt_in_one_line(INTERRUPTED)  # before the imports below, which take a second
    signal.signal(signal.SIGTERM, terminated)

import argparse  # noqa: E402
import time  # noqa: E402

from data import DataError  # noqa: E402
from common.files import WriteError  # noqa: E402
from reports.clean import source_problem  # noqa: E402
from reports.render.errors import RecordError  # noqa: E402
from reports.runner.dask_address import ClusterError  # noqa: E402
from reports.runner.evaluate import EvaluationError  # noqa: E402
from reports.runner.factory import FactoryError  # noqa: E402
from reports.runner.registry import RegistryError  # noqa: E402
from reports.runner.request import DEFAULT_SEEDS, RESULTS, RequestError, make_request  # noqa: E402
from reports.runner.store import StoreError  # noqa: E402


class ArgumentError(Exception):
    """A command-line argument that cannot be used as it is; the message names it and the fix."""


ERRORS = (ArgumentError, ClusterError, DataError, EvaluationError, FactoryError, RecordError, RegistryError,
          RequestError, StoreError, WriteError)


def command_run(args):
    from reports.publish import publish

    request = make_request(args.kind, seeds=args.seeds, only=args.only, extra=args.extra, jobs=args.jobs,
                           results=args.results, out=args.out, scheduler=args.scheduler,
                           seeds_variable=args.seeds_variable)
    if request.sequential:  # make chapter: seeds in rounds until each verdict is decided
        from reports.rounds import run_rounds

        return run_rounds(request, dry_run=args.dry_run, verbose=args.verbose, quiet=args.quiet,
                          retry_failed=args.retry_failed).status
    return publish(request, dry_run=args.dry_run, verbose=args.verbose, quiet=args.quiet,
                   retry_failed=args.retry_failed).status


def command_evaluate(args):
    from data import load_mnist
    from reports.runner.evaluate import evaluate_seeds
    from reports.runner.registry import is_plugin, resolve

    experiment = resolve(args.classifier)
    seeds = args.seeds if experiment.stochastic else args.seeds[:1]
    dataset = load_mnist(repair=False)
    keep_failures = is_plugin(experiment)  # a plug-in's failure is a result; a built-in's is a bug: stop
    runs = [run for _, _, run in evaluate_seeds(experiment, seeds, dataset, args.results, quiet=args.quiet,
                                                 keep_failures=keep_failures)]
    return 1 if any("failed" in run for run in runs) else 0


def check_render_arguments(runs, out, figures):
    """Refuse, before reading anything, what `render` could only fail on or damage."""
    if not runs:
        raise ArgumentError("no run files given; name the results/runs/NAME/*.json files to render")
    if out.is_dir():
        raise ArgumentError(f"--out {out} is a directory; name the report's file, e.g. {out / 'report.md'}")
    if any(out.resolve() == run.resolve() for run in runs):
        raise ArgumentError(f"--out {out} is one of the run files given; name another file for the report")
    for variable, folder in (("--out", out.parent), ("--figures", figures)):
        problem = source_problem(folder)
        if problem:
            raise ArgumentError(f"{variable} {folder} {problem}; write the report outside the project's source")
    if figures.exists() and not figures.is_dir():
        raise ArgumentError(f"--figures {figures} is a file; name a directory for the figures")


def command_render(args):
    from reports.publish import read_runs, write

    check_render_arguments(args.runs, args.out, args.figures)
    start = time.perf_counter()
    runs = read_runs(args.runs)
    written = write("chapter" if args.chapter else "report", runs, args.out, args.figures, args.command)
    for _, run in runs:
        if "failed" in run:
            print(f"failed, not in the report: {run['failed']}", file=sys.stderr)
    print(written.table)
    print(f"\nwrote {args.out} and its figures in {args.figures}/ ({time.perf_counter() - start:.1f} s)")


def parser():
    top = argparse.ArgumentParser(prog="python -m reports", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command_name", required=True)

    run = commands.add_parser("run", help="compute what `make report` or `make chapter` is missing and render it")
    run.add_argument("kind", choices=sorted(DEFAULT_SEEDS))
    run.add_argument("--seeds", help=f"seeds of each stochastic classifier (default: {DEFAULT_SEEDS})")
    run.add_argument("--seeds-variable", help="the make variable --seeds came from, named in its errors")
    run.add_argument("--only", default="", help="report only these built-in classifiers (names, space-separated)")
    run.add_argument("--extra", default="", help="plug-ins: 'NAME=module:attr key=value ...; ...'")
    run.add_argument("--jobs", help="processes at once on this machine (default: every core)")
    run.add_argument("--results", default=RESULTS, help="the directory of runs, reports and figures")
    run.add_argument("--out", help="the report's markdown file (default RESULTS/report.md or RESULTS/chapter1.md)")
    run.add_argument("--scheduler", help="compute on the Dask cluster of this scheduler, e.g. tcp://host:8786")
    run.add_argument("--dry-run", action="store_true", help="list what would be computed; write no result")
    run.add_argument("--verbose", action="store_true", help="every run's own lines (the network's epochs)")
    run.add_argument("--quiet", action="store_true", help="no progress: errors and the final table only")
    run.add_argument("--retry-failed", action="store_true",
                     help="compute again the runs whose file records a failure (they are kept otherwise)")
    run.set_defaults(func=command_run)

    ev = commands.add_parser("evaluate", help="fit and score one classifier over seeds, writing its run files")
    ev.add_argument("classifier", help="a built-in name or 'NAME=module:attr key=value ...'")
    ev.add_argument("--seeds", type=_seed, nargs="+", default=[0], help="the seeds to run (default 0)")
    ev.add_argument("--results", type=Path, default=Path(RESULTS), help=f"results directory (default {RESULTS})")
    ev.add_argument("--quiet", action="store_true", help="one line per run")
    ev.set_defaults(func=command_evaluate)

    re_ = commands.add_parser("render", help="write the markdown report and figures from run files")
    re_.add_argument("runs", nargs="*", type=Path)
    re_.add_argument("--out", type=Path, default=Path("results/report.md"))
    re_.add_argument("--figures", type=Path, default=Path("results/figures"))
    re_.add_argument("--command", default="python -m reports render", help="the command named in the header")
    re_.add_argument("--chapter", action="store_true", help="render chapter 1 reproduced instead of the report")
    re_.set_defaults(func=command_render)
    return top


def _seed(text):
    """argparse type: a whole number >= 0."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return int(text)


def main(argv=None):
    signal.signal(signal.SIGTERM, terminated)
    args = parser().parse_args(argv)
    return run_main(lambda: args.func(args), ERRORS, interrupted=INTERRUPTED)


if __name__ == "__main__":
    sys.exit(main())
