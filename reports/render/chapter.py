"""Render chapter 1 reproduced: classifier records (results/chapter1/NAME.json) -> results/chapter1.md.

The book prints single runs (its networks: the best of three). For each experiment this sets the
book's figure beside the distribution over seeds, says whether the figure lies inside the observed
range, and explains failed runs from what was measured, not from what the book says.
"""

import os
from collections import Counter
from pathlib import Path

import numpy as np
from tabulate import tabulate

from data.files import write_text_atomic
from reports.render import figures
from reports.render.book import BOOK
from reports.render.report import format_count, header_lines, provenance, timestamp, write_summary

BEST_OF = 3  # the book: "To generate results in this chapter I've taken best-of-three runs."


def measure(run, kind):
    """A run's figure as the book measured it: its best epoch, or its final (= last epoch) count."""
    if kind == "best epoch" and run.get("history"):
        return max(run["history"])
    return run["correct"]


def verdict(book, low, high, kind):
    if kind == "at least":
        return f"reached by {'some' if high >= book else 'no'} run" + ("" if high >= book else f" ({book - high:,} short)")
    if low <= book <= high:
        return "inside our range"
    return f"outside: {book - high:,} above our best" if book > high else f"outside: {low - book:,} below our worst"


def experiment_row(record):
    book = BOOK[record["name"]]
    values = [measure(run, book.measure) for run in record["runs"]]
    low, high = min(values), max(values)
    seeds_in_order = [measure(run, book.measure) for run in sorted(record["runs"], key=lambda r: r["seed"])]
    best_of = f"{max(seeds_in_order[:BEST_OF]):,}" if record["stochastic"] and len(values) >= BEST_OF else "-"
    printed = "-" if book.correct is None else (
        f"≥ {book.correct:,}" if book.measure == "at least" else f"{book.correct:,}")
    return [record["name"], book.measure, printed, format_count(np.median(values)),
            f"{np.mean(values):,.1f} ± {np.std(values, ddof=1):,.1f}" if len(values) > 1 else f"{values[0]:,}",
            f"{low:,}-{high:,}", len(values), best_of,
            verdict(book.correct, low, high, book.measure)
            if book.correct is not None else "-"]


def failure_lines(record):
    """Measured sentences about the runs of a network that fail: saturated output neurons, and digits
    the network (almost) never answers, whose test images are then (almost) all lost."""
    if not any(run.get("history") for run in record["runs"]):
        return []
    failed, healthy = [], []
    for run in sorted(record["runs"], key=lambda r: r["seed"]):
        answered = np.sum(run["confusion"], axis=0)  # column sums: how often each digit is answered
        occurring = np.sum(run["confusion"], axis=1)  # row sums: how often it is the true digit
        rare = [c for c, a, o in zip(run["classes"], answered, occurring) if a < o / 2]
        saturated = (run.get("diagnostics") or {}).get("saturated_outputs", [])
        (failed if rare or saturated else healthy).append((run, rare, saturated, answered))
    name = f"**{record['name']}**"
    if not failed:
        return [f"- {name}: no run failed: no output neuron is saturated and every digit is answered at least "
                "half as often as it occurs."]
    lines = [f"- {name}: {len(failed)} of {len(record['runs'])} runs fail"
             + (f" (median {np.median([r['correct'] for r, *_ in failed]):,.0f} correct, against "
                f"{np.median([r['correct'] for r, *_ in healthy]):,.0f} for the others)" if healthy else "") + ":"]
    for run, rare, saturated, answered in failed:
        top = int(np.argmax(answered))
        never = [c for c, a in zip(run["classes"], answered) if a == 0]
        lines.append(f"  - seed {run['seed']}: {run['correct']:,} correct; saturated output neurons: "
                     f"{_digits(saturated) or 'none'}; digits answered less than half as often as they occur: "
                     f"{_digits(rare) or 'none'}" + (f" (never: {_digits(never)})" if never else "")
                     + f"; answers {run['classes'][top]} for {100 * answered[top] / run['n_test']:.1f}% of the images.")
    collapsed = [run for run, *_ in failed if np.count_nonzero(np.sum(run["confusion"], axis=0)) == 1]
    if collapsed:
        answers = Counter(run["classes"][int(np.argmax(np.sum(run["confusion"], axis=0)))] for run in collapsed)
        in_test = dict(zip(collapsed[0]["classes"], np.sum(collapsed[0]["confusion"], axis=1)))
        lines.append(f"  - {_runs(len(collapsed))} collapsed onto one answer "
                     f"({', '.join(f'digit {d}: {_runs(n)}' for d, n in answers.items())}); such a network "
                     f"scores exactly that digit's number of test images "
                     f"({', '.join(f'{int(in_test[d]):,} for {d}' for d in answers)}).")
    return lines


def _runs(n):
    return f"{n} run" if n == 1 else f"{n} runs"


def _digits(values):
    return ", ".join(str(v) for v in values)


def render_chapter(records, out, figures_dir, command):
    out, figures_dir = Path(out), Path(figures_dir)
    generated = timestamp()
    relative = os.path.relpath(figures_dir, out.parent)
    png = figures.chapter_figure([r for r in records if any(run.get("history") for run in r["runs"])],
                                 figures_dir / "chapter1-epochs.png")
    headers = ["experiment", "book measures", "book", "our median", "mean ± sd", "our range", "seeds",
               f"best of {BEST_OF}", "verdict"]
    rows = [experiment_row(r) for r in records]
    table = tabulate(rows, headers, tablefmt="github", disable_numparse=True)
    notes = [f"- **{r['name']}**: {BOOK[r['name']].description}. The book: {BOOK[r['name']].text}."
             for r in records]
    failures = [line for r in records for line in failure_lines(r)]
    lines = [
        "# Chapter 1, reproduced", "",
        *header_lines(records, command, generated), "",
        "The chapter prints one run per experiment, the best of three for its networks. Here every "
        "experiment runs over several seeds, and each figure of the book is set against the spread. Counts "
        "are of the 10,000 test images; *book measures* says which count the book printed: a network's best "
        "epoch, its last epoch, or a classifier's final count. *best of 3* takes the first three seeds, as "
        "the book did. *verdict*: does the book's figure lie inside the range we observed?", "",
        table, "",
        *notes, "",
        "## Every epoch of every seed", "",
        "The book's listings (\"Epoch j: n / 10000\") are the red crosses; each line is one seed.", "",
        f"![test accuracy per epoch, every network experiment]({relative}/{png.name})", "",
        "## Runs that fail, and why", "",
        "Measured on each run's test predictions and its trained output neurons. An output neuron is "
        "*saturated* when its activation stays below 0.01 or above 0.99 on 99% of the test images: there the "
        "sigmoid is flat, the quadratic cost's gradient (a - y) σ'(z) all but vanishes, and gradient descent "
        "can no longer move it, so the digit it stands for is (almost) never answered. A run *fails* when it "
        "has a saturated output neuron or answers some digit less than half as often as it occurs.", "",
        *failures, "",
    ]
    write_text_atomic(out, "\n".join(lines) + "\n")
    write_summary(out, f"Made by `{command}` on {generated} ({provenance(records)})", table)
    return tabulate(rows, headers, tablefmt="simple", disable_numparse=True)
