"""The renderer's one entry point: a report (or chapter 1 reproduced) written from its runs.

`write_report` takes Run records (reports/runner/record.py), read once by the caller, and shows
what they hold: nothing is fitted, no data is read (the test images a figure shows are passed in),
and nothing of the runner is asked. It writes, each file atomically:
- the CSV tables beside the report (runs.csv and epochs.csv, the chapter's prefixed `chapter-`),
  before the report, so that a report on disk says everything beside it is written too;
- the summary beside it (NAME-summary.md, the block `make readme` pastes): how it was made, the
  main table and the classifiers that failed, in one write;
- the report: its body, the classifiers that failed and `last_line` (the publish step's
  fingerprint), in one file, at once;
- last, once the report links only the new figures, it removes the stale ones (figures.FIGURES).
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

from tabulate import tabulate

from common.files import write_text_atomic
from reports.render import chapter, figures, report, tables
from reports.render.header import Made, made_by
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


def failures_list(failures):
    return "".join(f"- {message}\n" for _, message in first_failures(failures))


def write_report(kind, runs, out, figures_dir, command, *, rendered_at, history=(), problems=(), last_line="",
                 images=None, no_images="", caps=None, sequential=True):
    """Write the `kind` report ("report" or "chapter") of `runs` to `out`, its figures into
    `figures_dir`, with its summary and CSV tables beside it. `problems` are (classifier, message)
    pairs of runs that could not be computed, listed with the runs that failed; `command` is what a
    reader types to get the same report; `rendered_at`, the commit of this code, and `history`, the
    checkout's commits oldest first (reports/render/header.py orders the runs' by it); `images`, the test
    images the runs were scored on (or None, `no_images` saying why). The chapter's: `caps`, {name:
    the most seeds the request gives it}; `sequential`, whether its seeds were chosen by the rule
    (reports/sequential.py). Returns Written."""
    if kind not in TABLES:
        raise ValueError(f"kind must be one of {tuple(TABLES)}, got {kind!r}")
    out, figures_dir = Path(out), Path(figures_dir)
    summaries, failed_runs = summaries_of(runs)
    failures = [*((run["name"], run["failed"]) for run in failed_runs), *problems]
    made = Made(command, timestamp(), rendered_at, tuple(history))
    if kind == "report":
        lines, (headers, rows), drawn = report.render(summaries, out, figures_dir, made, images, no_images)
    else:
        capped = [{**summary, "cap": (caps or {}).get(summary["name"])} for summary in summaries]
        lines, (headers, rows), drawn = chapter.render_chapter(capped, out, figures_dir, made, sequential)
    tables.write_tables(summaries, out.parent, prefix=TABLES[kind])
    listed = failures_list(failures)
    table = tabulate(rows, headers, tablefmt="github", disable_numparse=True)
    write_text_atomic(out.with_name(out.stem + "-summary.md"),
                      f"{made_by(summaries, made)}; full report: `{out}`.\n\n{table}\n"
                      + (f"\nFailed, not in the table:\n\n{listed}" if listed else ""))
    footer = (f"\n## Classifiers that failed\n\n{listed}" if listed else "") + (f"\n{last_line}\n" if last_line else "")
    write_text_atomic(out, "\n".join(lines) + "\n" + footer)
    figures.remove_stale(figures_dir, drawn, figures.FIGURES[kind])
    return Written(tabulate(rows, headers, tablefmt="simple", disable_numparse=True),
                   tuple(sorted({name for name, _ in failures})))
