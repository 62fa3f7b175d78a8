"""Publish: a request's report, made from its runs, and made again only when it is stale.

Above the runner and the renderer, which do not know each other: the runner
(reports/runner/runner.py) computes what the request is missing and returns its runs (Run records)
and the problems it met; here it is decided whether the report on disk is stale, and if it is, the
test images its figures show are read and the renderer's one entry point
(reports/render/write.py) is called. `make report`, `make chapter`, `python -m reports render` and
`reports.compare` all come this way.

A report is stale when its last line, a fingerprint, differs from the one it would have now: a
digest of its settings, its runs' file names (their identities) and contents (a run file edited
by hand is shown as it now is, or refused), and the code that renders it,
which is every module the render entry point imports, found by reading their imports
(reports/runner/identity.py's `source_files`), so that no edit of the renderer can go unseen and no
edit elsewhere re-renders for nothing.
"""

import hashlib
import sys
import time
from dataclasses import dataclass

from common.files import sha256_of
from reports.runner.runner import run_request

RENDER_ENTRY = "reports.render.write"
FINGERPRINT_PREFIX = "<!-- settings: "


@dataclass(frozen=True)
class Published:
    """What a request came to: the exit status (0, or 1 if a classifier failed or a run could not be
    computed), its runs ({path: Run} of the run files it wants that exist), and the classifiers that
    failed."""

    status: int
    runs: dict
    failed: tuple = ()


def render_code():
    """{path: digest} of the code that renders a report: the render entry point and what it imports."""
    from reports.runner.identity import source_files

    return source_files(RENDER_ENTRY)


def planned_looks():
    """{experiment: the seed counts at which the chapter's rule looks} (reports/sequential.py): the
    renderer states each verdict's confidence from them, so they are part of what a report shows."""
    from reports.runner.experiments import BY_NAME
    from reports.sequential import planned_looks as looks_of

    return {name: looks_of(experiment) for name, experiment in BY_NAME.items()}


def _content(path):
    try:
        return sha256_of(path)
    except OSError as error:  # gone since it was read: the report cannot be up to date with it
        return f"unreadable ({error.strerror})"


def render_fingerprint(request, paths):
    """A digest of everything a report shows: its settings (the chapter's planned looks among them),
    its runs' names (their identities) and contents, and the code that renders it."""
    looks = planned_looks() if request.kind == "chapter" else {}
    text = "\n".join([request.kind, str(request.out), str(request.figures), request.command,
                      str(request.sequential), repr(sorted(looks.items())),
                      *(f"{path} {_content(path)}" for path in paths),
                      *(f"{name} {value}" for name, value in render_code().items())])
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


def load_test_images(runs):
    """(the test images the runs were scored on, None), or (None, why they cannot be had)."""
    import numpy as np

    from data import DataError
    from data.mnist import SHA256, load_test_split

    scored = [run for run in runs if "failed" not in run]
    if not scored or {run["data_sha256"] for run in scored} != {SHA256}:
        return None, "the runs were not tested on the book's MNIST, whose images the figure would show"
    try:
        test = load_test_split()  # the test split alone, checked by its own digest
    except DataError as error:
        return None, f"the test images could not be read: {error}"
    if not np.array_equal(test.labels, scored[0]["test_labels"]):
        return None, "the test images of data/mnist.npz are not the ones the runs were scored on"
    return test.images, None


def write(kind, runs, out, figures_dir, command, problems=(), last_line="", sequential=True):
    """Render the `kind` report of `runs` ((path, the Run read from it) pairs) through the renderer's
    one entry point, with the test images read here, once, and the chapter's planned looks
    (reports/sequential.py); `sequential`: whether the chapter's seeds were chosen by the rule. Returns
    its Written (the table, the classifiers that failed)."""
    from reports.render.write import write_report
    from reports.runner.provenance import git_commit, history

    runs = list(runs)
    read_from = {(run["name"], run["seed"]): str(path) for path, run in runs}
    runs = [run for _, run in runs]
    images, no_images = load_test_images(runs) if kind == "report" else (None, "")
    return write_report(kind, runs, out, figures_dir, command, rendered_at=git_commit(), history=history(),
                        code=render_code(), problems=problems,
                        last_line=last_line, images=images, no_images=no_images,
                        looks=planned_looks(),
                        sequential=sequential, read_from=read_from)


def publish(request, executor=None, *, dry_run=False, verbose=False, quiet=False, stream=None, render=True,
            retry_failed=False, stored=None):
    """Compute what `request` is missing (on `executor`, or the one the request names; with
    `retry_failed`, stored failures too) and, with `render`, write its report if it is stale, from the
    runs there are even if some failed. Returns the Published outcome; says on `stream` (stderr) what
    failed and what was written. `stored`: the run files the command has read already
    (reports/runner/runner.py's Stored)."""
    stream = stream or sys.stderr
    start = time.monotonic()
    outcome = run_request(request, executor, dry_run=dry_run, verbose=verbose, quiet=quiet, stream=stream,
                          retry_failed=retry_failed, stored=stored)
    paths = tuple(outcome.runs)
    if dry_run:
        stale = outcome.missing or report_fingerprint(request.out) != render_fingerprint(request, paths)
        print(f"would render {request.out}" if stale else f"{request.out} is up to date", file=stream)
        print(f"{len(outcome.missing)} of {outcome.wanted} runs to compute", file=stream)
        return Published(0, outcome.runs)
    for problem in outcome.problems:
        print(f"error: {problem.message}", file=stream)
    if not outcome.runs:
        print("error: no run could be computed, so no report was written", file=stream)
        return Published(1, outcome.runs)
    failed = tuple(sorted({run["name"] for run in outcome.runs.values() if "failed" in run}))
    fingerprint = render_fingerprint(request, paths) if render else None
    if not render:
        pass
    elif report_fingerprint(request.out) == fingerprint and not outcome.problems:
        if not quiet:
            print(f"{request.out} is up to date ({len(paths)} runs)", file=stream)
    else:
        written = write(request.kind, outcome.runs.items(), request.out, request.figures, request.command,
                        [(problem.classifier, problem.message) for problem in outcome.problems],
                        f"{FINGERPRINT_PREFIX}{fingerprint} -->", request.sequential)
        failed = written.failed
        print(written.table)
        if not quiet:
            print(f"\nwrote {request.out} and its figures in {request.figures}/ "
                  f"({time.monotonic() - start:.1f} s)", file=stream)
    if failed and render:  # without a report, the caller (reports.compare) says each failure's reason
        print(f"error: failed, in the report's list of failures: {', '.join(failed)} (stored: RETRY=1 or "
              "--retry-failed fits them again)", file=stream)
    return Published(1 if failed or outcome.problems else 0, outcome.runs, failed)


def read_runs(paths):
    """(path, its Run) of each run file at `paths`, each read once. Every unusable file is named in
    one RecordError, and nothing is rendered from a partial set."""
    from reports.render.errors import RecordError
    from reports.runner.store import StoreError, read_run

    runs, errors = [], []
    for path in paths:
        try:
            runs.append((path, read_run(path)))
        except StoreError as error:
            errors.append(str(error))
    if errors:
        raise RecordError("; ".join(errors) + " (no report written)")
    return runs
