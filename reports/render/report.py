"""Render the accuracy report: classifier records (results/NAME.json) -> results/report.md and figures.

Reads only results files; never fits anything. Tables are GitHub-flavoured markdown by tabulate.
"""

import datetime
import os
from pathlib import Path

import numpy as np
from tabulate import tabulate

from common.files import write_text_atomic
from reports.render import figures
from reports.render import comparisons, disagreements, tables
from reports.render.book import BOOK
from reports.render.epochs import CHOSEN_ON_TEST, CHOSEN_ON_VALIDATION, record_epochs
from reports.render.header import commits, header_lines, where
from reports.render.records import deterministic, with_interval

def timestamp():
    return f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}"


def write_summary(out, made_by, table):
    """Write the main `table` alone beside `out` (NAME-summary.md), saying how it was made: the block
    that `make readme` pastes into the README."""
    write_text_atomic(out.with_name(out.stem + "-summary.md"), f"{made_by}; full report: `{out}`.\n\n{table}\n")


def first_failures(failures):
    """The first failure of each classifier, in order of appearance."""
    return list({run["name"]: run for run in reversed(list(failures))}.values())[::-1]


def footer(failures=(), last_line=""):
    """The end of a report: the classifiers that failed, the first failure of each, and `last_line`
    (the runner's fingerprint of the settings). Written with the report's body, in one file, at once."""
    listed = "".join(f"- {run['failed']}\n" for run in first_failures(failures))
    return (f"\n## Classifiers that failed\n\n{listed}" if listed else "") + (f"\n{last_line}\n" if last_line else "")


def add_failures_to_summary(out, failures):
    """List the failures under the summary beside `out` too (it is pasted into the README's sections)."""
    listed = "".join(f"- {run['failed']}\n" for run in first_failures(failures))
    summary = Path(out).with_name(Path(out).stem + "-summary.md")
    if listed and summary.is_file():
        write_text_atomic(summary, summary.read_text(encoding="utf-8") + f"\nFailed, not in the table:\n\n{listed}")


def format_count(value):
    """A count, with one decimal only where it is a mean that needs it."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def seed_spread(record):
    """How the classifier's count varies with the seed, in words."""
    correct = record["summary"]["correct"]
    if not record["stochastic"]:
        given = record["params"].get("random_state")
        return "deterministic" if given is None else f"one run, random_state={given!r} as given"
    if deterministic(record):
        # A plug-in that takes random_state but ignores it: the seeds that told us so (reports/runner/runner.py).
        return f"deterministic: seeds {', '.join(str(seed) for seed in record['seeds'])} predict alike"
    if correct["n"] == 1:
        return f"1 seed ({record['seeds'][0]}): no spread measured"
    return f"{correct['n']} seeds: {correct['min']:,}-{correct['max']:,}, sd {correct['std']:.1f}"


def main_table(records):
    rows = []
    for r in records:
        s = r["summary"]
        correct = s["correct"]
        low, high = s["ci95"]
        seeds = seed_spread(r)
        backend = {run.get("backend") for run in r["runs"]} - {None}
        name = r["name"] + (f" ({', '.join(sorted(backend))})" if backend else "")
        found = record_epochs(r)
        best_epoch = format_count(np.mean([e.best_on_test for e in found])) if found else "-"
        chosen = [e.chosen for e in found if e.chosen is not None]
        rows.append([name, format_count(correct["mean"]), f"{100 * s['accuracy_mean']:.2f}%",
                     f"{100 * low:.2f}-{100 * high:.2f}% ({s['ci95_covers']})", seeds, best_epoch,
                     format_count(np.mean(chosen)) if chosen else "-",
                     BOOK[r["name"]].printed if r["name"] in BOOK else "-",
                     f"{s['fit_seconds_mean']:.1f}", f"{s['predict_seconds_mean']:.1f}"])
    headers = ["classifier", f"correct of {records[0]['n_test']:,}", "accuracy", "95% interval (two-sided)",
               "seed spread",
               f"best epoch, {CHOSEN_ON_TEST}", f"epoch {CHOSEN_ON_VALIDATION}", "book", "fit s", "predict s"]
    return headers, rows


def per_digit_table(records):
    classes = records[0]["runs"][0]["classes"]
    rows = [[r["name"], *(f"{100 * v:.1f}" for v in np.mean([run["per_class_accuracy"] for run in r["runs"]], axis=0))]
            for r in records]
    return ["classifier", *map(str, classes)], rows


def comparison_lines(pairs):
    """The section on which differences are real: the method once, then one table per family asked."""
    lines = ["## Which differences are real", "", comparisons.explanation(), ""]
    for family in comparisons.FAMILIES:
        members = [pair for pair in pairs if pair.family == family]
        if members:
            lines += [f"**{comparisons.TITLES[family]}** ({len(members)} comparison{'s' * (len(members) > 1)}):", "",
                      tabulate(comparisons.rows(members), comparisons.HEADERS, tablefmt="github",
                               disable_numparse=True), ""]
    return lines


def render(records, out, figures_dir, command, footer=""):
    """Write the report for `records` to `out` and its figures to `figures_dir`; return the main table
    as plain text for the terminal."""
    out, figures_dir = Path(out), Path(figures_dir)
    records = [with_interval(r) for r in records]
    relative = os.path.relpath(figures_dir, out.parent)
    generated = timestamp()

    accuracy_png = figures.accuracy_figure(records, figures_dir / "accuracy.png")
    epochs_png = figures.epochs_figure(records, figures_dir / "epochs.png")
    confusion_pngs = [figures.confusion_figure(r, figures_dir / f"confusion-{r['name']}.png") for r in records]

    headers, rows = main_table(records)
    table = tabulate(rows, headers, tablefmt="github", disable_numparse=True)
    digit_headers, digit_rows = per_digit_table(records)
    pairs = comparisons.compare(records)
    lines = [
        "# MNIST accuracy report", "",
        *header_lines(records, command, generated), "",
        "## Accuracy on the test images", "",
        "Correct counts are after the last epoch, and the mean over seeds for stochastic classifiers. The 95% "
        "interval is two-sided and says what it covers. For a classifier run over several seeds (*seeds and "
        "images*) it is the interval of the mean accuracy over seeds from both sources of uncertainty, training "
        "again with another seed and testing on other images: the two-level bootstrap of the comparisons "
        "below, on one classifier. For a deterministic classifier, or a single run (*one run's, images*), it is "
        "Wilson's interval from the test images alone. The seed spread is the variation of single runs. "
        "*best epoch* is the mean over seeds of the best "
        "per-epoch test count, which is how the book quotes its networks: the epoch is chosen on the images it "
        "is scored on, which flatters. *epoch chosen on the validation set* is the mean test count at the "
        "epoch with the best count on the book's validation images, which the network watches while it "
        "trains: the honest figure. *book* is the figure printed in chapter 1 of Nielsen's "
        "*Neural Networks and Deep Learning*.", "",
        table, "",
        f"![accuracy per classifier]({relative}/{accuracy_png.name})", "",
        *book_notes(records),
        "## Accuracy per digit (%)", "",
        "Mean over seeds of the share of each digit's test images classified correctly.", "",
        tabulate(digit_rows, digit_headers, tablefmt="github", disable_numparse=True), "",
        *comparison_lines(pairs),
    ]
    disagreement_lines, disagreement_pngs = disagreements.section(records, pairs, figures_dir, relative)
    lines += disagreement_lines
    if epochs_png is not None:
        lines += ["## Test accuracy after every epoch", "",
                  "One line per seed, failing seeds in colour and named; every panel on one accuracy scale. The "
                  "book's \"Epoch j: n / 10000\" lines are the red crosses, its figure the dashed line (labelled with "
                  "what it measures); where that is a best epoch, each seed's best epoch is a dot. A plug-in's steps "
                  "are what its estimator reports (boosting rounds, iterations or epochs).", "",
                  f"![test accuracy per epoch]({relative}/{epochs_png.name})", ""]
    lines += ["## Confusion matrices", "",
              "Rows are the true digit, columns the prediction (median-seed run); each cell is the share of the "
              "row's test images in percent, rounded. The colour scale is the same for every classifier and is a "
              "square root, not linear, so that errors of 1-5% stand out from the white of no error; the colour "
              f"bar's ticks are the percentages. A `·` marks a cell with at least one image but under "
              f"{figures.SMALL}%, which would round to 0; a blank cell has no image.", ""]
    lines += [f"![confusion matrix of {r['name']}]({relative}/{png.name})" for r, png in zip(records, confusion_pngs)]
    tables.write_tables(records, out.parent)  # before the report, which make takes as the sign that all is written
    write_summary(out, f"Made by `{command}` on {generated} ({commits(records)}; {where(records)})", table)
    write_text_atomic(out, "\n".join(lines) + "\n" + footer)  # the body and its footer, in one file, at once
    # Last, once the report links only the new figures: those of classifiers no longer in it go.
    figures.remove_stale(figures_dir, [accuracy_png, epochs_png, *confusion_pngs, *disagreement_pngs])
    return tabulate(rows, headers, tablefmt="simple", disable_numparse=True)


def book_notes(records):
    notes = [f"- **{r['name']}**: {BOOK[r['name']].description}"
             + (f"; the book: {BOOK[r['name']].text}." if BOOK[r["name"]].text else ".")
             for r in records if r["name"] in BOOK]
    notes += [f"- **{r['name']}**: {r['description']}, parameters {r['params']}." for r in records
              if r["name"] not in BOOK]
    return notes + [""] if notes else []
