"""`make chapter` by the sequential rule: seeds in rounds until every verdict is decided.

Each round asks the runner (reports/runner/runner.py) for the runs of the seeds there are, reusing every
run file that exists, on one executor for all rounds (a local pool, or the Dask cluster of
DASK_SCHEDULER). After a round, each seeded experiment with a book figure looks at its runs
(reports/sequential.py): decided, or at its cap, it stops; else its next round adds seeds. Experiments
without a figure, and deterministic ones, have a fixed count and finish in the first round. Then the
chapter is published once from every run (reports/publish.py). `CHAPTER_SEEDS=N` fixes the count instead and never comes here.
"""

import sys
from dataclasses import replace

from reports.publish import publish
from reports.render.book import BOOK, by_the_rule, measured
from reports.runner.executors import executor_for
from reports.runner.runner import Stored, run_request, wanted_runs
from reports.sequential import decide, look_confidence, next_count, planned_looks


def is_sequential(experiment):
    """Whether the rule chooses the experiment's seeds (reports/render/book.py's by_the_rule)."""
    return by_the_rule(experiment.name, experiment.stochastic)


def first_counts(experiments):
    """Each experiment's seeds in the first round: the first look of the rule's, else its fixed count."""
    return {e.name: planned_looks(e)[0] if is_sequential(e) else e.chapter_seeds for e in experiments}


def verdict_of(experiment, runs):
    """The rule's decision on an experiment from its runs among `runs` ({path: Run})."""
    book = BOOK[experiment.name]
    runs = [run for path, run in runs.items() if path.parent.name == experiment.name]
    values = [measured(run, book.measure) for run in runs if "failed" not in run]
    if not values:
        return None
    reaching, at_or_below = sum(v >= book.correct for v in values), sum(v <= book.correct for v in values)
    return decide(reaching, at_or_below, len(values), book.runs, look_confidence(len(planned_looks(experiment))),
                  low_side=book.measure != "at least")


class _Shared:
    """One executor for every round, `executor` or the one the request names, made when a round first
    needs it; closed only at the end (or at once, on Ctrl-C)."""

    def __init__(self, request, executor=None):
        self.request, self.executor = request, executor

    def __getattr__(self, name):
        if self.executor is None:
            self.executor = executor_for(self.request)
        return getattr(self.executor, name)

    def close(self, interrupted=False):
        if interrupted and self.executor is not None:
            self.executor.close(interrupted=True)
            self.executor = None

    def finish(self):
        if self.executor is not None:
            self.executor.close()


def run_rounds(request, executor=None, *, dry_run=False, verbose=False, quiet=False, stream=None,
               retry_failed=False):
    """Compute `request` (make chapter, sequential) round by round, then publish it. Returns the Published.
    A dry run goes through the rounds whose runs all exist, lists what the first incomplete one would
    compute, and says that more rounds may follow."""
    stream = stream or sys.stderr
    counts = first_counts(request.experiments)
    shared = _Shared(request, executor)
    # Every round reads the run files of the rounds before it: each is read once, for all of them.
    stored = Stored(lambda line: print(line, file=stream, flush=True), dry_run)
    try:
        while True:
            this_round = replace(request, seed_counts=dict(counts))
            if dry_run and not all(path.is_file() for path in wanted_paths(this_round)):
                published = publish(this_round, shared, dry_run=True, quiet=quiet, stream=stream, stored=stored)
                print("then more rounds wherever a verdict is still undecided, up to "
                      + ", ".join(f"{e.name} {e.chapter_seeds}" for e in request.experiments if is_sequential(e))
                      + " seeds", file=stream)
                return published
            outcome = run_request(this_round, shared, dry_run=dry_run, verbose=verbose, quiet=quiet, stream=stream,
                                  retry_failed=retry_failed, stored=stored)
            grow = {}
            for experiment in filter(is_sequential, request.experiments):
                found = verdict_of(experiment, outcome.runs)
                after = next_count(counts[experiment.name], experiment.chapter_seeds, experiment.chapter_min_seeds)
                if found is not None and not found.decided and after is not None:
                    grow[experiment.name] = after
            if outcome.problems or any("failed" in run for run in outcome.runs.values()) or not grow:
                break
            if not quiet:
                print("next round, where the verdict is undecided: "
                      + ", ".join(f"{name} {counts[name]} -> {n} seeds" for name, n in grow.items()), file=stream)
            counts.update(grow)
        # The rounds retried the stored failures already (retry_failed): the last publish fits none again.
        return publish(replace(request, seed_counts=dict(counts)), shared, dry_run=dry_run, verbose=verbose,
                       quiet=quiet, stream=stream, stored=stored)
    finally:
        shared.finish()


def wanted_paths(request):
    """The run files `request` wants (a probe's later seeds aside: the chapter has no plug-ins)."""
    wanted, _ = wanted_runs(request, Stored(say=lambda line: None, dry_run=True))
    return [w.path for w in wanted]
