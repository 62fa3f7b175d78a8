"""Command line of the reports: `python -m reports {evaluate,collect,render} ...` (see --help).

  evaluate NAME --seed K            one run -> results/runs/NAME/seed-K.json
  evaluate SPEC --seeds N --collect results/NAME.json
                                    all seeds of a classifier (plug-ins: SPEC is NAME=module:attr k=v ...)
  collect NAME RUN.json ... --out results/NAME.json
  render results/NAME.json ... --out results/report.md
  render --chapter results/chapter1/NAME.json ... --out results/chapter1.md

Errors are one line naming the culprit, and exit with status 1; files already written stay.
"""

import argparse
import sys
import time
from pathlib import Path

from data import DataError, load_mnist
from data.mnist import SHA256
from reports import results
from reports.evaluate import EvaluationError, evaluate
from reports.registry import RegistryError, resolve
from reports.render import render
from reports.render_chapter import render_chapter

ERRORS = (DataError, EvaluationError, RegistryError, results.ResultsError)


def _reusable(path, experiment, data_sha256):
    """The run stored at `path` if it was made with this experiment's settings and data, else None."""
    if not path.is_file():
        return None
    try:
        run = results.read_json(path, results.RUN_SCHEMA, data_sha256)
    except results.ResultsError:
        return None
    same = run["factory"] == experiment.factory and run["params"] == results.json_ready(experiment.params)
    return run if same else None


def command_evaluate(args):
    try:
        spec = Path(args.spec_file).read_text(encoding="utf-8").strip() if args.spec_file else args.classifier
    except OSError as error:
        raise RegistryError(f"--spec-file {args.spec_file}: cannot read it ({error.strerror})") from error
    if not spec:
        raise RegistryError("no classifier named: give NAME, a plug-in spec, or --spec-file FILE")
    experiment = resolve(spec)
    seeds = [args.seed] if args.seed is not None else list(range(args.seeds))
    if not experiment.stochastic:
        seeds = seeds[:1]  # one run says all there is to say about a deterministic classifier
    dataset = load_mnist()
    runs = []
    for seed in seeds:
        path = results.run_path(experiment.name, seed, args.results)
        run = _reusable(path, experiment, dataset.sha256) if args.seed is None else None
        if run is None:
            run = evaluate(experiment, seed, dataset)
            results.write_json(path, run)
        runs.append(run)
    if args.collect:
        results.write_json(args.collect, results.collect(runs))


def command_collect(args):
    runs = [results.read_json(path, results.RUN_SCHEMA, args.data_sha256) for path in args.runs]
    if any(run["name"] != args.name for run in runs):
        raise results.ResultsError(f"collect {args.name}: some run files belong to another classifier")
    results.write_json(args.out, results.collect(runs))


def _read_records(paths, data_sha256):
    """Every record in `paths`; all the unusable ones are named together in one error."""
    records, errors = [], []
    for path in paths:
        try:
            records.append(results.read_json(path, results.CLASSIFIER_SCHEMA, data_sha256))
        except results.ResultsError as error:
            errors.append(str(error))
    if errors:
        raise results.ResultsError("; ".join(errors) + " (no report written)")
    return records


def command_render(args):
    records = _read_records(args.records, args.data_sha256)
    start = time.perf_counter()
    table = (render_chapter if args.chapter else render)(records, args.out, args.figures, args.command)
    print(table)
    print(f"\nwrote {args.out} and its figures in {args.figures}/ ({time.perf_counter() - start:.1f} s)")


def parser():
    top = argparse.ArgumentParser(prog="python -m reports", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command_name", required=True)

    ev = commands.add_parser("evaluate", help="fit and score one classifier")
    ev.add_argument("classifier", nargs="?", default="", help="a built-in name or 'NAME=module:attr k=v ...'")
    ev.add_argument("--spec-file", help="read the classifier (name or plug-in spec) from this file")
    seeds = ev.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, help="run this one seed")
    seeds.add_argument("--seeds", type=_at_least_one, default=5,
                       help="run seeds 0..N-1, reusing runs on disk (default 5)")
    ev.add_argument("--collect", help="also write the classifier's record of all its runs here")
    ev.add_argument("--results", default=str(results.RESULTS_DIR), help="results directory (default results)")
    ev.set_defaults(func=command_evaluate)

    co = commands.add_parser("collect", help="gather one classifier's run files into its record")
    co.add_argument("name")
    co.add_argument("runs", nargs="+")
    co.add_argument("--out", required=True)
    co.add_argument("--data-sha256", default=SHA256, help=argparse.SUPPRESS)
    co.set_defaults(func=command_collect)

    re = commands.add_parser("render", help="write the markdown report and figures from classifier records")
    re.add_argument("records", nargs="+")
    re.add_argument("--out", default="results/report.md")
    re.add_argument("--figures", default="results/figures")
    re.add_argument("--command", default="python -m reports render", help="the command named in the header")
    re.add_argument("--chapter", action="store_true", help="render chapter 1 reproduced instead of the report")
    re.add_argument("--data-sha256", default=SHA256, help=argparse.SUPPRESS)
    re.set_defaults(func=command_render)
    return top


def _at_least_one(text):
    """argparse type: a whole number >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
