"""The accuracy report's body: the classifiers' summaries -> its markdown, its tables and figures.

Reads only what the runs hold; never fits anything. Tables are GitHub-flavoured markdown by
tabulate. reports/render/write.py writes it, with its summary, tables and footer.
"""

import os
from pathlib import Path

import numpy as np
from tabulate import tabulate

from reports.render import comparisons, disagreements, figures
from reports.render.book import BOOK
from reports.render.epochs import CHOSEN_ON_TEST, CHOSEN_ON_VALIDATION, record_epochs
from reports.render.failures import dead_output_groups
from reports.render.header import header_lines
from reports.render.summaries import deterministic, with_interval


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
        seeds = [str(seed) for seed in record["seeds"]]
        return f"deterministic: seeds {', '.join(seeds[:-1])} and {seeds[-1]} predict alike"
    if correct["n"] == 1:
        return f"1 seed ({record['seeds'][0]}): no spread measured"
    groups = dead_output_groups(record)
    if len(groups) > 1:  # an sd of two groups describes neither
        healthy, failing = groups.get(0, []), [run for dead, runs in groups.items() if dead for run in runs]
        return (f"{correct['n']} seeds, {len(failing)} fail (dead outputs): "
                + ", ".join(f"{label} {_count_range(runs)}" for label, runs in (("healthy", healthy),
                                                                               ("failing", failing)) if runs))
    return f"{correct['n']} seeds: {correct['min']:,}-{correct['max']:,}, sd {correct['std']:.1f}"


def _count_range(runs):
    counts = [run["correct"] for run in runs]
    return f"{min(counts):,}" if min(counts) == max(counts) else f"{min(counts):,}-{max(counts):,}"


def _mean_count(r):
    """The mean count over seeds, marked where the seeds form groups (a mean of groups matches no run)."""
    mean, groups = format_count(r["summary"]["correct"]["mean"]), dead_output_groups(r)
    return f"{mean} (mean of {len(groups)} groups)" if len(groups) > 1 else mean


def _named_with_backend(r):
    backend = {run.get("backend") for run in r["runs"]} - {None}
    return r["name"] + (f" ({', '.join(sorted(backend))})" if backend else "")


def _interval(r):
    low, high = r["summary"]["ci95"]
    return f"{100 * low:.2f}-{100 * high:.2f}% ({r['summary']['ci95_covers']})"


def _best_epoch(r):
    found = record_epochs(r)
    return format_count(np.mean([e.best_on_test for e in found])) if found else "-"


def _chosen_epoch(r):
    chosen = [e.chosen for e in record_epochs(r) if e.chosen is not None]
    return format_count(np.mean(chosen)) if chosen else "-"


# The main table, one (header, value of a classifier's summary) pair per column; {n_test} in a header
# is the number of test images.
MAIN_COLUMNS = (
    ("classifier", _named_with_backend),
    ("correct of {n_test:,}", _mean_count),
    ("accuracy", lambda r: f"{100 * r['summary']['accuracy_mean']:.2f}%"),
    ("95% interval (two-sided)", _interval),
    ("seed spread", seed_spread),
    (f"best epoch, {CHOSEN_ON_TEST}", _best_epoch),
    (f"epoch {CHOSEN_ON_VALIDATION}", _chosen_epoch),
    ("book", lambda r: BOOK[r["name"]].printed if r["name"] in BOOK else "-"),
    ("fit s", lambda r: f"{r['summary']['fit_seconds_mean']:.1f}"),
    ("predict s", lambda r: f"{r['summary']['predict_seconds_mean']:.1f}"),
)


def main_table(records):
    """(headers, rows) of the main table: MAIN_COLUMNS applied to each classifier's summary."""
    headers = [header.format(n_test=records[0]["n_test"]) for header, _ in MAIN_COLUMNS]
    return headers, [[value(r) for _, value in MAIN_COLUMNS] for r in records]


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


def render(records, out, figures_dir, made, images, no_images=""):
    """The report of `records` (the classifiers' summaries) as (its markdown lines, the main table's
    headers and rows, the figures drawn), its figures drawn into `figures_dir`. `images` are the test
    images the runs were scored on, or None and `no_images` saying why."""
    out, figures_dir = Path(out), Path(figures_dir)
    records = [with_interval(r) for r in records]
    relative = os.path.relpath(figures_dir, out.parent)

    accuracy_png = figures.accuracy_figure(records, figures.ACCURACY.path(figures_dir))
    epochs_png = figures.epochs_figure(records, figures.EPOCHS.path(figures_dir))
    confusion_pngs = [figures.confusion_figure(r, figures.CONFUSION.path(figures_dir, r["name"])) for r in records]

    headers, rows = main_table(records)
    table = tabulate(rows, headers, tablefmt="github", disable_numparse=True)
    digit_headers, digit_rows = per_digit_table(records)
    pairs = comparisons.compare(records)
    lines = [
        "# MNIST accuracy report", "",
        *header_lines(records, made), "",
        "## Accuracy on the test images", "",
        "Correct counts are after the last epoch, and the mean over seeds for stochastic classifiers. The 95% "
        "interval is two-sided and says what it covers. For a classifier run over several seeds (*seeds and "
        "images*) it is the interval of the mean accuracy over seeds from both sources of uncertainty, training "
        "again with another seed and testing on other images: the two-level bootstrap of the comparisons "
        "below, on one classifier. For a deterministic classifier, or a single run (*one run's, images*), it is "
        "Wilson's interval from the test images alone. The seeds-and-images interval errs wide: drawing seeds and "
        "images independently counts what is particular to one run on one image up to three times, so where "
        f"that is all there is (random guessing) it is up to sqrt(3), about {np.sqrt(3):.1f} times, too wide, and with few "
        "seeds its seed part is rough. The seed spread is the variation of single runs; where a network's "
        "runs form groups (some end with dead, saturated output neurons), it gives each group's range instead, "
        "and the figure draws no mean for them. "
        "*best epoch* is the mean over seeds of the best "
        "per-epoch test count, which is how the book quotes its networks: the epoch is chosen on the images it "
        "is scored on, which flatters. *epoch chosen on the validation set* is the mean test count at the "
        "epoch with the best count on the book's validation images, which the network watches while it "
        "trains: the honest figure (for a boosting plug-in, its rounds stand for epochs). *book* is the figure "
        "printed in chapter 1 of Nielsen's *Neural Networks and Deep Learning*. *fit s* and *predict s* are the "
        "mean wall-clock seconds of the runs as each was made, at whatever load the machine had then (runs "
        "reused from earlier commands were timed then): a guide to the order of magnitude, not a benchmark "
        "(`make bench` measures side by side).", "",
        table, "",
        f"![accuracy per classifier]({relative}/{accuracy_png.name})", "",
        *book_notes(records),
        "## Accuracy per digit (%)", "",
        "Mean over seeds of the share of each digit's test images classified correctly.", "",
        tabulate(digit_rows, digit_headers, tablefmt="github", disable_numparse=True), "",
        *comparison_lines(pairs),
    ]
    disagreement_lines, disagreement_pngs = disagreements.section(records, pairs, figures_dir, relative, images,
                                                                  no_images)
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
    return lines, (headers, rows), [accuracy_png, epochs_png, *confusion_pngs, *disagreement_pngs]


def book_notes(records):
    notes = [f"- **{r['name']}**: {r['description']}"
             + (f"; the book: {BOOK[r['name']].text}." if BOOK[r["name"]].text else ".")
             for r in records if r["name"] in BOOK]
    notes += [f"- **{r['name']}**: {r['description']}, parameters {r['params']}." for r in records
              if r["name"] not in BOOK]
    return notes + [""] if notes else []
