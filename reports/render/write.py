"""The renderer's one entry point: a report (or chapter 1 reproduced) written from its runs.

`write_report` takes Run records (reports/runner/record.py), read once by the caller, and shows
what they hold: nothing is fitted, no data is read (the test images a figure shows are passed in),
and nothing of the runner is asked. It writes, each file atomically:
- the CSV tables beside the report (runs.csv and epochs.csv, the chapter's prefixed `chapter-`),
  before the report, so that a report on disk says everything beside it is written too;
- the summary beside it (NAME-summary.md, the block `make readme` pastes): how it was made, the
  main table and the classifiers that failed, in one write;
- the counts beside it (NAME-counts.md, which docs/reproducibility.md pastes as the canonical
  counts): each classifier's correct count seed by seed, and the arithmetic it computed in;
- the report: its body, the classifiers that failed and `last_line` (the publish step's
  fingerprint), in one file, at once;
- last, once the report links only the new figures, it removes the stale ones (figures.FIGURES).
"""

import contextlib
import datetime
from dataclasses import dataclass
from pathlib import Path

from tabulate import tabulate

from common.files import write_text_atomic
from reports.render import chapter, figures, report, tables
from reports.render.figure_digest import rendering_code
from reports.render.header import RUNS_NOT_COMPUTED, Made, made_by
from reports.render.summaries import summaries_of

# Each kind of report, and the prefix of the CSV tables written beside it.
TABLES = {"report": "", "chapter": chapter.CHAPTER_TABLES}


@dataclass(frozen=True)
class Written:
    """What a report came to: its main table as plain text (for the terminal), and the names of the
    classifiers that failed (in its list of failures)."""

    table: str
    failed: tuple


def timestamp():
    return f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}"


def first_failures(failures):
    """The first failure of each classifier, as (classifier, message), in order of appearance."""
    return list({name: (name, message) for name, message in reversed(list(failures))}.values())[::-1]


def failures_list(failures, tracebacks=None):
    """The first failure of each classifier, one item each, with the last frames of its exception
    (`tracebacks`: {classifier: frames}) as a code block under it where given."""
    return "".join(f"- {message}\n" + where_it_failed((tracebacks or {}).get(name))
                   for name, message in first_failures(failures))


def where_it_failed(frames):
    """The last frames of a failure's exception, as an indented code block under its item (or nothing)."""
    if not frames:
        return ""
    return "\n  ```text\n" + "".join(f"  {line}\n" for line in frames.splitlines()) + "  ```\n"


def counts_table(summaries, made):
    """Each classifier's correct count after its last epoch, seed by seed, with the arithmetic of its
    runs (the network's portable C, where it built; else its libraries'), under how it was made."""
    rows = []
    for summary in summaries:
        arithmetic = sorted({((run.get("identity") or {}).get("numerics") or {}).get("arithmetic")
                             or "the installed libraries'" for run in summary["runs"]})
        seeds = ", ".join("-" if run["seed"] is None else str(run["seed"]) for run in summary["runs"])
        rows.append([summary["name"], seeds, " / ".join(f"{run['correct']:,}" for run in summary["runs"]),
                     "; ".join(arithmetic)])
    table = tabulate(rows, ["classifier", "seeds", "correct after the last epoch", "arithmetic"], tablefmt="github",
                     disable_numparse=True)
    return f"{made_by(summaries, made)}.\n\n{table}\n"


def write_report(kind, runs, out, figures_dir, command, *, rendered_at, history=(), code=None, problems=(),
                 last_line="", images=None, no_images="", looks=None, sequential=True, read_from=None):
    """Write the `kind` report ("report" or "chapter") of `runs` to `out`, its figures into
    `figures_dir`, with its summary and CSV tables beside it. `problems` are (classifier, message)
    pairs of runs that could not be computed: the report says first that it is partial and lists
    them at its end, apart from the classifiers that failed; `command` is what a
    reader types to get the same report; `rendered_at`, the commit of this code, and `history`, the
    checkout's commits oldest first (reports/render/header.py orders the runs' by it); `code`, {path:
    digest} of the code that renders, which a figure's digest covers (reports/render/figure_digest.py;
    None: every figure is drawn); `images`, the test
    images the runs were scored on (or None, `no_images` saying why). The chapter's: `looks`, {name:
    the seed counts at which the rule looks, the last its cap}; `sequential`, whether its seeds were chosen by the rule
    (reports/sequential.py). `read_from`: {(name, seed): the path each run was read from}, which the
    refusal of a run file names (else the name the runner gives it). Returns Written."""
    if kind not in TABLES:
        raise ValueError(f"kind must be one of {tuple(TABLES)}, got {kind!r}")
    out, figures_dir = Path(out), Path(figures_dir)
    summaries, failed_runs = summaries_of(runs, read_from)
    failures = [(run["name"], run["failed"]) for run in failed_runs]
    tracebacks = {run["name"]: run.get("traceback") for run in reversed(failed_runs)}  # the first one's
    made = Made(command, timestamp(), rendered_at, tuple(history), lost=len(problems))
    with rendering_code(code) if code is not None else contextlib.nullcontext():
        if kind == "report":
            lines, (headers, rows), drawn = report.render(summaries, out, figures_dir, made, images, no_images)
        else:
            planned = [{**summary, "looks": (looks or {}).get(summary["name"]),
                        "failed": sum(run["name"] == summary["name"] for run in failed_runs)} for summary in summaries]
            lines, (headers, rows), drawn = chapter.render_chapter(planned, out, figures_dir, made, sequential)
    tables.write_tables(summaries, out.parent, prefix=TABLES[kind])
    listed = failures_list(failures)
    lost = "".join(f"- {message}\n" for _, message in problems)
    table = tabulate(rows, headers, tablefmt="github", disable_numparse=True)
    write_text_atomic(out.with_name(out.stem + "-summary.md"),
                      f"{made_by(summaries, made)}; full report: `{out}`.\n\n{table}\n"
                      + (f"\nFailed, not in the table:\n\n{listed}" if listed else "")
                      + (f"\nNot computed, not in the table:\n\n{lost}" if lost else ""))
    if kind == "report":
        write_text_atomic(out.with_name(out.stem + "-counts.md"), counts_table(summaries, made))
    footer = ((f"\n## {RUNS_NOT_COMPUTED}\n\n{lost}" if lost else "")
              + (f"\n## Classifiers that failed\n\n{failures_list(failures, tracebacks)}" if listed else "")
              + (f"\n{last_line}\n" if last_line else ""))
    write_text_atomic(out, "\n".join(lines) + "\n" + footer)
    figures.remove_stale(figures_dir, drawn, figures.FIGURES[kind])
    return Written(tabulate(rows, headers, tablefmt="simple", disable_numparse=True),
                   tuple(sorted({name for name, _ in failures})))
