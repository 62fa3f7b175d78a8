"""Render chapter 1 reproduced: classifier records -> results/chapter1.md and its figures.

The book prints single runs (its networks: the best of three). For each experiment this places the
book's figure among our seeds by the book's own measure, says how often the book's procedure would
reach it (reports/render/verdicts.py), and explains failed runs, ours and the book's, from what was
measured, not from what the book says.
"""

import os
from collections import Counter
from pathlib import Path

import numpy as np
from tabulate import tabulate

from common.files import write_text_atomic
from network.classifier import SATURATED_ABOVE, SATURATED_BELOW, SATURATED_SHARE
from reports.render import figures
from reports.render.book import BOOK
from reports.render.epochs import CHOSEN_ON_TEST, CHOSEN_ON_VALIDATION, record_epochs
from reports.render.failures import diagnose, digit_counts, failing_seeds, one_answer_epochs
from reports.render.header import commits, header_lines, where
from reports.render.report import format_count, timestamp, write_summary
from reports.render.stats import BEST_OF, CONFIDENCE, best_of, exact_interval, normal_tail, placement
from reports.render.verdicts import RARE, deterministic_verdict, percent, seed_verdict


def measure(run, kind):
    """A run's figure as the book measured it: its best epoch, or its final (= last epoch) count."""
    if kind == "best epoch" and run.get("history"):
        return max(run["history"])
    return run["correct"]


def values(record):
    """The record's runs by the book's measure, in order of seed."""
    return [measure(run, BOOK[record["name"]].measure) for run in record["runs"]]


def verdict(record):
    book = BOOK[record["name"]]
    if book.correct is None:
        return book.no_figure or "-"
    if not record["stochastic"]:
        return deterministic_verdict(values(record)[0], book.correct, book.measure)
    failing = failing_seeds(record)  # said beside the verdict: a spread of failures makes any figure "typical"
    said, n = seed_verdict(values(record), book.correct, book.measure), len(record["runs"])
    if said == "typical" and len(failing) == n:  # typical of runs that all fail, not a healthy result
        return f"typical of our runs, all {n} of which fail"
    return said + (f"; {len(failing)} of {n} runs fail" if failing else "")


def chances(record):
    """The table's cells on the book's figure among our seeds: its percentile, how many runs reach it,
    and the chance that the best of three does (95% interval, or only a bound)."""
    book = BOOK[record["name"]]
    if book.correct is None or not record["stochastic"]:
        return ["-", "-", "-"]
    place = placement(values(record), book.correct)
    if place.reaching == 0:
        position, best = f"above all {place.n}", f"below {percent(place.p3_interval[1])}"
    else:
        position = f"below all {place.n}" if place.below + place.equal == 0 else f"{place.percentile:.0f}"
        low, high = place.p3_interval
        best = f"{percent(place.p3)} ({percent(low)}-{percent(high)})"
    return [position, f"{place.reaching} of {place.n}", best]


def experiment_row(record, with_training_size=False):
    book = BOOK[record["name"]]
    ours = values(record)
    first = ours[:BEST_OF]  # runs are sorted by seed: the first three seeds, as the book ran three
    best_of = f"{max(first):,}" if record["stochastic"] and len(ours) >= BEST_OF else "-"
    measured = (f"nothing (ours: {book.measure})" if book.no_figure
                else book.measure + (" (assumed)" if book.assumed else ""))
    spread = f"{np.mean(ours):,.1f} ± {np.std(ours, ddof=1):,.1f}" if len(ours) > 1 else f"{ours[0]:,}"
    row = [record["name"], *([f"{record['n_train']:,}"] if with_training_size else []), measured, book.printed,
           spread, f"{min(ours):,}-{max(ours):,}", *chances(record), best_of, verdict(record)]
    return row


def headers(with_training_size=False):
    return ["experiment", *(["trained on"] if with_training_size else []), "book measures", "book",
            "ours: mean ± sd", "our range", "percentile", "runs reaching it", f"best of {BEST_OF} reaches it",
            f"first {BEST_OF} seeds' best", "verdict"]


def verdict_rules(n):
    """The paragraphs that explain the table's chances and verdict words, for records of up to n seeds."""
    one, three = exact_interval(0, n)[1], best_of(exact_interval(0, n)[1])
    return [
        f"*percentile*: where the book's figure falls among our runs by the book's measure (ties count half). "
        f"*runs reaching it*: how many of our seeds score at least the book's figure; their share p estimates the "
        f"chance that one run does. *best of {BEST_OF} reaches it*: the chance that the best of {BEST_OF} "
        f"independent runs does, 1 - (1 - p)^{BEST_OF}, with an exact (Clopper-Pearson) {CONFIDENCE:.0%} "
        f"interval carried over from p. With {n} seeds these chances are rough: one seed more or less reaching "
        f"the figure moves p by 1/{n}, and the intervals say so. Where no seed reaches the figure, the share is 0 "
        f"but the chance is not: only an upper bound is honest (for one run below 1 - 0.05^(1/n), {one:.0%} for "
        f"n = {n}; for the best of {BEST_OF} below 1 - 0.05^({BEST_OF}/n), {three:.0%}). *first {BEST_OF} "
        f"seeds' best*: the book's procedure carried out once, on seeds 0-{BEST_OF - 1}.",
        "",
        "*verdict*, in words derived from these numbers: **reproduced exactly** or **differs by N** for a "
        "deterministic classifier (**reached** or **not reached: N short** for the book's lower bound); for the "
        f"others **above every run we made** (no seed reaches it; the bound is given), **below every run we "
        f"made**, **lucky: about 1 in N** (the best of {BEST_OF} reaches it with estimated chance below "
        f"1/{round(1 / RARE)}, N = 1/chance), **low: about 1 in N** (one run scores this low or lower with "
        f"estimated chance below 1/{round(1 / RARE)}; one run, not the best of {BEST_OF}, which reads a low "
        "figure as favourably as possible), and **typical** otherwise. Where some of our runs fail (see below), "
        f"the verdict says how many: a figure can be typical of the best of {BEST_OF} even when most single runs "
        "fail.",
    ]


NORMAL_MIN_SEEDS = 10  # fewer seeds say too little about a spread to fit a normal to it


def normal_note(record):
    """For a figure beyond every seed of a classifier whose runs all train normally, what a normal fit
    to our seeds would say: a model beside the bound, as ten seeds cannot check a distribution's tail."""
    book = BOOK[record["name"]]
    if book.correct is None or not record["stochastic"] or book.measure == "at least":
        return []
    ours = values(record)
    if (len(ours) < NORMAL_MIN_SEEDS or placement(ours, book.correct).reaching
            or any(diagnose(run).fails for run in record["runs"] if run.get("history"))):
        return []
    p1 = normal_tail(ours, book.correct)
    p3 = best_of(p1)
    odds = f"about 1 in {round(1 / p3):,}" if p3 >= 1e-3 else "less than 1 in 1,000"
    return [f"  No seed reaches the book's {book.correct:,}. If {book.measure}s were normally distributed "
            f"with our mean and sd ({np.mean(ours):,.1f} ± {np.std(ours, ddof=1):,.1f}), one run would reach it "
            f"with chance {percent(p1)}, the best of {BEST_OF} with {percent(p3)} ({odds}). That rests on "
            f"the normal tail, which {len(ours)} seeds cannot check; the verdict rests on the bound alone."]


def note(record):
    book = BOOK[record["name"]]
    lines = [f"- **{record['name']}**: {book.description}" + (f". The book: {book.text}." if book.text else ".")]
    if book.assumed:
        lines.append(f"  The measure is an assumption: {book.assumed}. Ours both ways: "
                     + "; ".join(_epochs_summary(record, kind) for kind in ("best epoch", "last epoch")) + ".")
    return lines + normal_note(record)


def _epochs_summary(record, kind):
    ours = [measure(run, kind) for run in record["runs"]]
    return f"{kind}s median {format_count(np.median(ours))}, range {min(ours):,}-{max(ours):,}"


def _mean_range(values):
    return f"{format_count(np.mean(values))} ({min(values):,}-{max(values):,})"


def epoch_choice_rows(records):
    """One row per network experiment: the test count after the last epoch, at the best epoch on the
    test set (the book's measure), and at the epoch chosen on the validation set; means over seeds."""
    rows = []
    for record in records:
        found = [e for e in record_epochs(record) if e.chosen is not None]
        if not found:
            continue
        rows.append([record["name"], str(len(found)), _mean_range([e.last for e in found]),
                     _mean_range([e.best_on_test for e in found]),
                     format_count(np.median([e.chosen_epoch for e in found])),
                     _mean_range([e.chosen for e in found]), _mean_range([e.flattery for e in found])])
    return rows


EPOCH_CHOICE_HEADERS = ["experiment", "seeds", "last epoch", f"best epoch, {CHOSEN_ON_TEST}",
                        f"epoch {CHOSEN_ON_VALIDATION} (median)", "its test count", "best on test minus it"]


def flattery_lines(records):
    """A sentence per network experiment, from the numbers: how much choosing the epoch on the test set
    flatters its figure over choosing it on the validation set."""
    lines = []
    for record in records:
        gains = [e.flattery for e in record_epochs(record) if e.flattery is not None]
        if gains:
            lines.append(f"- **{record['name']}**: by {format_count(np.mean(gains))} test images on average over "
                         f"{len(gains)} seeds, from {min(gains):,} to {max(gains):,} (for "
                         f"{sum(g == 0 for g in gains)} of them, the epoch chosen on validation is as good on "
                         "test).")
    return lines


def epoch_choice_section(records):
    rows = epoch_choice_rows(records)
    if not rows:
        return []
    return [
        "## Which epoch: chosen on the test set, or on the validation set", "",
        "The book quotes a network at its best epoch on the test images: the epoch is chosen on the images "
        "it is then scored on. Here the network watches the book's 10,000 validation images while it trains "
        "(they are its `eval_set`) and never sees a test image; the runner scores the test images after every "
        "epoch. *last epoch* is the test count after the last epoch; *best epoch, "
        f"{CHOSEN_ON_TEST}*, the highest test count of any epoch (the measure of the verdicts above, the "
        f"book's); *epoch {CHOSEN_ON_VALIDATION}*, the first epoch with the highest validation count, and "
        "*its test count*, the honest figure. Means over seeds, range in brackets.", "",
        tabulate(rows, EPOCH_CHOICE_HEADERS, tablefmt="github", disable_numparse=True), "",
        "Choosing the epoch on the test set flattered each figure, against choosing it on the validation set:", "",
        *flattery_lines(records), "",
    ]


def failure_lines(record):
    """Measured sentences about the runs of a network that fail: saturated output neurons, and digits
    the network (almost) never answers, whose test images are then (almost) all lost; then the book's
    own listing read the same way."""
    if not any(run.get("history") for run in record["runs"]):
        return []
    failed, healthy = [], []
    for run in sorted(record["runs"], key=lambda r: r["seed"]):
        (failed if diagnose(run).fails else healthy).append(run)
    name = f"**{record['name']}**"
    if not failed:
        return [f"- {name}: no run failed: no output neuron is saturated and every digit is answered at least "
                "half as often as it occurs.", *book_listing_lines(record, [])]
    lines = [f"- {name}: {len(failed)} of {len(record['runs'])} runs fail"
             + (f" (median {np.median([r['correct'] for r in failed]):,.0f} correct, against "
                f"{np.median([r['correct'] for r in healthy]):,.0f} for the others)" if healthy else "") + ":"]
    for run in failed:
        found = diagnose(run)
        top = int(np.argmax(found.answered))
        never = [c for c, a in zip(run["classes"], found.answered) if a == 0]
        lines.append(f"  - seed {run['seed']}: {run['correct']:,} correct; saturated output neurons: "
                     f"{_digits(found.saturated) or 'none'}; digits answered less than half as often as they "
                     f"occur: {_digits(found.rare) or 'none'}" + (f" (never: {_digits(never)})" if never else "")
                     + f"; answers {run['classes'][top]} for {100 * found.answered[top] / run['n_test']:.1f}% "
                       "of the images.")
    collapsed = [run for run in failed if diagnose(run).collapsed]
    if collapsed:
        answers = Counter(run["classes"][int(np.argmax(diagnose(run).answered))] for run in collapsed)
        in_test = digit_counts(collapsed[0]["test_labels"])
        lines.append(f"  - {_runs(len(collapsed))} collapsed onto one answer "
                     f"({', '.join(f'digit {d}: {_runs(n)}' for d, n in answers.items())}); such a network "
                     f"scores exactly that digit's number of test images "
                     f"({', '.join(f'{in_test[d]:,} for {d}' for d in answers)}).")
    return lines + book_listing_lines(record, collapsed)


def book_listing_lines(record, collapsed):
    """The book's listing read like our runs: an epoch whose count equals one digit's number of test
    images is what a network that answers that digit for every image prints. `collapsed`: our runs
    that collapsed, to set beside it."""
    book = BOOK.get(record["name"])
    matches = one_answer_epochs(book.epochs, record["runs"][0]["test_labels"]) if book and book.epochs else []
    if not matches:
        return []
    told = "; ".join(f"{_epochs(epochs)} {'prints' if len(epochs) == 1 else 'print'} {count:,}, exactly the "
                     f"number of {digit}s among the test images" for digit, count, epochs in matches)
    answers = ", later ".join(str(digit) for digit, _, _ in matches)
    times = sum(len(epochs) for _, _, epochs in matches)
    ours = (f", as {len(collapsed)} of our runs did at the end (seed{'s' if len(collapsed) > 1 else ''} "
            f"{_digits(run['seed'] for run in collapsed)})" if collapsed else "")
    chance = ("one equal count could be chance" if times == 1
              else f"one equal count could be chance, {times} hardly")
    return [f"  - The book's own listing: {told}. That is what a network prints when it answers one digit for "
            f"every image ({answers}): at {'that epoch' if times == 1 else 'those epochs'} the book's run had "
            f"collapsed{ours} ({chance})."]


def _epochs(epochs):
    if len(epochs) == 1:
        return f"epoch {epochs[0]}"
    if epochs == list(range(epochs[0], epochs[-1] + 1)):
        return f"epochs {epochs[0]}-{epochs[-1]}"
    return "epochs " + ", ".join(map(str, epochs))


def _runs(n):
    return f"{n} run" if n == 1 else f"{n} runs"


def _digits(values):
    return ", ".join(str(v) for v in values)


def render_chapter(records, out, figures_dir, command, footer=""):
    out, figures_dir = Path(out), Path(figures_dir)
    generated = timestamp()
    relative = os.path.relpath(figures_dir, out.parent)
    networks = [r for r in records if any(run.get("history") for run in r["runs"])]
    epochs_png = figures.chapter_figure(networks, figures_dir / "chapter1-epochs.png")
    placed = [r for r in records if BOOK[r["name"]].correct is not None]
    book_png = figures.book_figure(placed, figures_dir / "chapter1-book.png", measure, verdict)
    sizes = len({r["n_train"] for r in records}) > 1
    rows = [experiment_row(r, sizes) for r in records]
    table = tabulate(rows, headers(sizes), tablefmt="github", disable_numparse=True)
    failures = [line for r in records for line in failure_lines(r)]
    lines = [
        "# Chapter 1, reproduced", "",
        *header_lines(records, command, generated), "",
        "The chapter prints one run per experiment, the best of three for its networks. Here every "
        "experiment runs over several seeds, and each figure of the book is placed among them. Counts are of "
        "the 10,000 test images; *book measures* says which count the book printed: a network's best epoch, "
        "its last epoch, a classifier's final count, or a lower bound (\"above 98.5 percent\" is 9,851 or "
        "more). Our runs are measured the same way.", "",
        table, "",
        *verdict_rules(max(len(r["runs"]) for r in records)), "",
        *[line for r in records for line in note(r)], "",
        "## The book's figures among our seeds", "",
        "Each dot is one seed, measured as the book measured its figure; below the dots, the book's figure (a "
        "red cross; an arrow for a lower bound), and above each panel its verdict. Failing seeds have the "
        "colours of the epoch figure; a deterministic classifier has one black dot.", "",
        f"![the book's figures among our seeds]({relative}/{book_png.name})", "",
        "## Every epoch of every seed", "",
        "The book's listings (\"Epoch j: n / 10000\") are the red crosses; each line is one seed. Runs that "
        "fail (below) are drawn in colour and named; the others in grey.", "",
        f"![test accuracy per epoch, every network experiment]({relative}/{epochs_png.name})", "",
        *epoch_choice_section(networks),
        "## Runs that fail, and why", "",
        "Measured on each run's test predictions and its trained output neurons. An output neuron is "
        f"*saturated* when its activation stays below {SATURATED_BELOW} or above {SATURATED_ABOVE} on "
        f"{SATURATED_SHARE:.0%} of the test images: there the "
        "sigmoid is flat, the quadratic cost's gradient (a - y) σ'(z) all but vanishes, and gradient descent "
        "can no longer move it, so the digit it stands for is (almost) never answered. A run *fails* when it "
        "has a saturated output neuron or answers some digit less than half as often as it occurs. A network "
        "that answers one digit for every image scores exactly that digit's number of test images "
        f"({', '.join(f'{n:,} {d}s' for d, n in digit_counts(records[0]['runs'][0]['test_labels']).items())}); "
        "the book's listings are read the same way.", "",
        *failures, "",
    ]
    write_summary(out, f"Made by `{command}` on {generated} ({commits(records)}; {where(records)})", table)
    write_text_atomic(out, "\n".join(lines) + "\n" + footer)  # the body and its footer, in one file, at once
    return tabulate(rows, headers(sizes), tablefmt="simple", disable_numparse=True)
