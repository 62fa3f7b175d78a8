"""Chapter 1 reproduced: the classifiers' summaries -> the markdown of results/chapter1.md and its figures.

The book prints single runs (its networks: the best of three). For each experiment this places the
book's figure among our seeds by the book's own measure, says how often the book's procedure would
reach it (reports/render/verdicts.py), and explains failed runs, ours and the book's, from what was
measured, not from what the book says.
"""

import json
import os
from collections import Counter
from pathlib import Path

import numpy as np
from tabulate import tabulate

from reports.render import figures
from reports.render.book import BOOK, by_the_rule, measured
from reports.render.epochs import CHOSEN_ON_TEST, CHOSEN_ON_VALIDATION, record_epochs
from reports.render.failures import dead_output_groups, diagnose, digit_counts, failing_seeds, one_answer_epochs
from reports.render.header import header_lines
from reports.render.report import format_count
from reports.render.stats import BEST_OF, CONFIDENCE, best_of, predictive_tail
from reports.render.verdicts import (chance_text, confidence_of, confidence_text, decision, deterministic_verdict, expectation_verdict,
                                     one_in, percent, seed_verdict, spending)
from reports.sequential import ERROR, RARE, ROUNDS, looks

measure = measured  # a run's figure as the book measured it (reports/render/book.py)
CHAPTER_TABLES = "chapter-"  # the chapter's CSVs: chapter-runs.csv and chapter-epochs.csv, beside chapter1.md


def values(record):
    """The record's runs by the book's measure, in order of seed."""
    return [measure(run, BOOK[record["name"]].measure) for run in record["runs"]]


def planned(record):
    """The seed counts at which the rule looks for the record's experiment, the last its cap (given to
    the renderer as the summary's "looks"), or those of a cap at its number of seeds (runs and failures)."""
    return record.get("looks") or looks(seeds_planned(record))


def cap(record):
    """The most seeds `make chapter` gives the record's experiment by default."""
    return planned(record)[-1]


def seeds_planned(record):
    """The seeds the record's experiment was given: its runs and its failed runs (the summary's "failed")."""
    return len(record["runs"]) + record.get("failed", 0)


def seeds_text(record, unit=True):
    """"80 seeds", or "79 of 80 seeds (1 failed)": the seeds a verdict rests on, of those planned
    (without the word "seeds", for the table's column of that name)."""
    n, given = len(record["runs"]), seeds_planned(record)
    word = f" seed{'s' if given != 1 else ''}" if unit else ""
    return f"{n}{word}" if n == given else f"{n} of {given}{word} ({given - n} failed)"


def confidence(record, sequential=True):
    """The two-sided confidence of the record's intervals: its look's, under the sequential rule."""
    return confidence_of(planned(record), sequential)


def verdict(record, sequential=True):
    book = BOOK[record["name"]]
    if book.correct is None:
        return book.no_figure or "-"
    if not record["stochastic"]:
        return deterministic_verdict(values(record)[0], book.correct, book.measure)
    if book.procedure == "expectation":
        return expectation_verdict(values(record), book.correct)
    failing = failing_seeds(record)  # said beside the verdict: a spread of failures makes any figure common
    said, n = seed_verdict(values(record), book.correct, book.measure, book.runs, confidence(record, sequential)), \
        len(record["runs"])
    if failing and len(failing) == n:  # consistent with runs that all fail, not a healthy result
        return f"{said}; {'our one run fails' if n == 1 else f'all {n} of our runs fail'}"
    return said + (f"; {len(failing)} of {n} runs fail" if failing else "")


def short_verdict(record, sequential=True):
    """The verdict's first words, for a figure's panel title."""
    return verdict(record, sequential).split(":")[0].split(";")[0]


def short_verdict_sequential(record):
    """The panel title of seeds the sequential rule chose (a named function: the figure's digest reads it)."""
    return short_verdict(record, True)


def short_verdict_fixed(record):
    """The panel title of seeds fixed by CHAPTER_SEEDS."""
    return short_verdict(record, False)


def chances(record, sequential=True):
    """The table's cells on the book's figure among our seeds: its percentile, how many runs reach it,
    the chance that the book's procedure does, and the chance that one run scores it or lower ("-" for
    a lower bound, which has no low side): the two chances the verdict rests on, each an estimate and
    its two-sided interval."""
    book = BOOK[record["name"]]
    if not judged_by_the_rule(record):
        return ["-", "-", "-", "-"]
    ours = np.asarray(values(record))
    n, below, equal = ours.size, int(np.sum(ours < book.correct)), int(np.sum(ours == book.correct))
    if below == n:
        position = f"above all {n}"
    elif below + equal == 0:
        position = f"below all {n}"
    else:
        position = f"{100 * (below + equal / 2) / n:.0f}"
    found = decision(ours, book.correct, book.measure, book.runs, confidence(record, sequential))
    level = confidence_text(found.high.confidence)
    return [position, f"{found.high.k} of {n}", f"{book.procedure}: {chance_text(found.high)} at {level}",
            "-" if found.low is None else f"{chance_text(found.low)} at {level}"]


def ours_cell(record):
    """Our runs by the book's measure: mean ± sd where the runs form one group, else each group's runs
    and counts (a mean of several groups matches no run)."""
    ours = values(record)
    if len(ours) == 1:
        return f"{ours[0]:,}"
    groups = dead_output_groups(record)
    if len(groups) > 1:
        return "; ".join(group_text(dead, runs, BOOK[record["name"]].measure) for dead, runs in groups.items())
    return f"{np.mean(ours):,.1f} ± {np.std(ours, ddof=1):,.1f}"


def group_text(dead, runs, kind):
    """"1 dead output: 16 runs, median 9,000 (8,700-9,100)": one group of runs by their number of dead
    outputs, and their counts by the measure `kind`."""
    counts = [measure(run, kind) for run in runs]
    return (f"{dead} dead output{'s' if dead != 1 else ''}: {_runs(len(runs))}, "
            + (f"{counts[0]:,}" if len(counts) == 1 else
               f"median {format_count(np.median(counts))} ({min(counts):,}-{max(counts):,})"))


def experiment_row(record, with_training_size=False, sequential=True):
    book = BOOK[record["name"]]
    ours = values(record)
    first = ours[:BEST_OF]  # runs are sorted by seed: the first three seeds, as the book ran three
    best_of = (f"{max(first):,}" if record["stochastic"] and len(ours) >= BEST_OF and book.procedure != "expectation"
               else "-")
    measured_as = (f"nothing (ours: {book.measure})" if book.no_figure
                   else book.measure + (" (assumed)" if book.assumed else ""))
    row = [record["name"], *([f"{record['n_train']:,}"] if with_training_size else []), measured_as, book.printed,
           seeds_text(record, unit=False), ours_cell(record), f"{min(ours):,}-{max(ours):,}", *chances(record, sequential), best_of,
           verdict(record, sequential)]
    return row


def headers(with_training_size=False):
    return ["experiment", *(["trained on"] if with_training_size else []), "book measures", "book", "seeds",
            "ours: mean ± sd, or groups by dead outputs", "our range", "percentile", "runs reaching it",
            "the book's procedure reaches it (two-sided interval)", "one run scores it or lower (two-sided interval)",
            f"first {BEST_OF} seeds' best", "verdict"]


def judged_by_the_rule(record):
    """Whether the sequential rule judges the record's figure (reports/render/book.py's by_the_rule)."""
    return by_the_rule(record["name"], record["stochastic"])


def seeds_lines(records, sequential=True):
    """How many seeds each seeded experiment took, and why: decided, its cap, or a fixed count."""
    lines = []
    for record in records:
        book, n = BOOK[record["name"]], len(record["runs"])
        if not record["stochastic"]:
            continue
        if not sequential:
            how = "a fixed count (CHAPTER_SEEDS)"
        elif not judged_by_the_rule(record):
            how = "a fixed count: the rule decides only a figure a run can reach"
        elif decision(values(record), book.correct, book.measure, book.runs, confidence(record, sequential)).decided:
            how = f"decided at {n}; {spending(n, planned(record), sequential)}"
        elif seeds_planned(record) >= cap(record):
            how = f"undecided at its cap; {spending(n, planned(record), sequential)}"
        else:
            how = (f"undecided, below its cap of {cap(record)} (`make chapter` adds seeds up to it); "
                   f"{spending(n, planned(record), sequential)}")
        lines.append(f"- **{record['name']}**: {seeds_text(record)}; {how}.")
    return lines


def verdict_rules(records, sequential=True):
    """The paragraphs that explain the table's chances and verdict words."""
    rounds = ", ".join(map(str, ROUNDS))
    k = sum(map(judged_by_the_rule, records))
    per_experiment = (f"For each experiment, the chance that its verdict, once decided, is wrong stays within "
                      f"{ERROR:.0%}" + (f"; over the {k} experiments decided this way it can reach {k} x {ERROR:.0%} = "
                                        f"{k * ERROR:.0%}." if k > 1 else "."))
    rule = (f"Seeds were added in rounds ({rounds}, from a least count where the plan sets one, up to a cap per "
            f"experiment) until the verdict was decided, every earlier run reused; the {ERROR:.0%} error is spent "
            "over each experiment's planned looks by Bonferroni's inequality, so each look's two intervals (the "
            "book's procedure reaching the figure; one run scoring it or lower) have confidence "
            f"1 - {ERROR} / (planned looks) each. {per_experiment}" if sequential else
            f"The seeds were fixed by CHAPTER_SEEDS: one look, {confidence_text(1 - ERROR)} two-sided intervals. "
            f"{per_experiment}")
    assumption = ("This treats the book's runs as draws from the same distribution as ours (the same "
                  "procedure, settings and data, with another seed); the verdict holds only as far as that does.")
    return [
        f"*percentile*: where the book's figure falls among our runs by the book's measure (ties count half). "
        "*runs reaching it*: how many of our seeds score at least the book's figure; their share p estimates the "
        f"chance that one run does. *the book's procedure reaches it*: for a network, the best of {BEST_OF} "
        f"independent runs, 1 - (1 - p)^{BEST_OF}, as the book took the best of {BEST_OF}; the interval is the "
        "exact (Clopper-Pearson) two-sided interval of p, carried through, at the confidence shown. Where no seed "
        "reaches the figure the estimate is 0, which does not show the chance is 0: the interval's upper end is "
        "what the seeds allow. *one run scores it or lower*: the share of our seeds at or below the book's "
        "figure, with its exact two-sided interval at the same confidence (none for a lower bound). Random guessing's 'about ten percent' is an expectation, not a run: it is set beside our mean "
        f"and its two-sided {confidence_text(CONFIDENCE)} t interval over seeds, with no best of {BEST_OF}. *first {BEST_OF} seeds' best*: "
        f"the book's procedure carried out once, on seeds 0-{BEST_OF - 1}.",
        "",
        f"*verdict*: **reproduced exactly** or **differs by N** for a deterministic classifier (**reached** or "
        f"**not reached: N short** for the book's lower bound); for a figure that depends on the seed, "
        f"**lucky** (the book's procedure reaches it with chance below 1 in {round(1 / RARE)}: the whole interval "
        f"lies below), **low** (one run scores this low or lower with chance below 1 in {round(1 / RARE)}; one run, "
        f"not the best of {BEST_OF}, which reads a low figure as favourably as possible), **consistent with our "
        f"runs** (both chances' intervals lie at or above 1 in {round(1 / RARE)}), and **undecided at N seeds** "
        f"where an interval straddles 1 in {round(1 / RARE)}: N seeds cannot tell. {rule} {assumption} Where some of our runs "
        f"fail (below), the verdict says how many: a figure can be common for the best of {BEST_OF} even when "
        "most single runs fail.",
        "",
        "Seeds per experiment:", "",
        *seeds_lines(records, sequential),
    ]


NORMAL_MIN_SEEDS = 10  # fewer seeds say too little about a spread to fit a model to it


def predictive_note(record):
    """For a figure beyond every seed of a classifier whose runs all train normally, what a normal model
    of our seeds would say of a new run (the predictive t): a model beside the interval, which the
    seeds cannot check in the tail."""
    book = BOOK[record["name"]]
    if not judged_by_the_rule(record) or book.measure == "at least":
        return []
    ours = values(record)
    if (len(ours) < NORMAL_MIN_SEEDS or max(ours) >= book.correct
            or any(diagnose(run).fails for run in record["runs"] if run.get("history"))):
        return []
    p1 = predictive_tail(ours, book.correct)
    p3 = best_of(p1, book.runs)
    odds = f"about 1 in {one_in(p3)}" if p3 >= 1e-3 else "less than 1 in 1,000"
    return [f"  No seed of {len(ours)} reaches the book's {book.correct:,}. If {book.measure}s were normally "
            f"distributed, a new run would reach it with chance {percent(p1)} and the {book.procedure} with "
            f"{percent(p3)} ({odds}), from the predictive distribution of a new run (Student's t with {len(ours) - 1} "
            f"degrees of freedom, centred on our mean {np.mean(ours):,.1f}, scale sd × sqrt(1 + 1/n) = "
            f"{np.std(ours, ddof=1) * np.sqrt(1 + 1 / len(ours)):,.1f}). That rests on the normal tail, which "
            f"{len(ours)} seeds cannot check; the verdict rests on the interval alone."]


def note(record):
    book = BOOK[record["name"]]
    lines = [f"- **{record['name']}**: {record['description']}" + (f". The book: {book.text}." if book.text else ".")]
    if book.assumed:
        lines.append(f"  The measure is an assumption: {book.assumed}. Ours both ways: "
                     + "; ".join(_epochs_summary(record, kind) for kind in ("best epoch", "last epoch")) + ".")
    return lines + predictive_note(record)


def group_lines(records):
    """The groups of each network experiment's runs by their number of dead (saturated) output neurons,
    measured, with each group's counts by the book's measure: the outcome a mean cannot describe."""
    lines = []
    for record in records:
        groups = dead_output_groups(record)
        if not groups:
            continue
        kind = BOOK[record["name"]].measure if record["name"] in BOOK else "final"
        parts = [group_text(dead, runs, kind) for dead, runs in groups.items()]
        lines.append(f"- **{record['name']}** ({len(record['runs'])} seeds, {kind}s): " + "; ".join(parts) + ".")
    return lines


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
            lines.append(f"- **{record['name']}**: {format_count(np.mean(gains))} test images on average over "
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
        "Choosing the epoch on the test set, against choosing it on the validation set, flattered the figures by:",
        "",
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
             + (f" (median last-epoch count {np.median([r['correct'] for r in failed]):,.0f}, against "
                f"{np.median([r['correct'] for r in healthy]):,.0f} for the others)" if healthy else "") + ":"]
    for run in failed[:LISTED_FAILURES]:
        found = diagnose(run)
        top = int(np.argmax(found.answered))
        never = [c for c, a in zip(run["classes"], found.answered) if a == 0]
        lines.append(f"  - seed {run['seed']}: {run['correct']:,} correct; saturated output neurons: "
                     f"{_digits(found.saturated) or 'none'}; digits answered less than half as often as they "
                     f"occur: {_digits(found.rare) or 'none'}" + (f" (never: {_digits(never)})" if never else "")
                     + f"; answers {run['classes'][top]} for {100 * found.answered[top] / run['n_test']:.1f}% "
                       "of the images.")
    if len(failed) > LISTED_FAILURES:
        lines.append(f"  - and {len(failed) - LISTED_FAILURES} more failing seeds, alike (each run's saturated "
                     f"outputs are in {CHAPTER_TABLES}runs.csv).")
    collapsed = [run for run in failed if diagnose(run).collapsed]
    if collapsed:
        answers = Counter(run["classes"][int(np.argmax(diagnose(run).answered))] for run in collapsed)
        in_test = digit_counts(collapsed[0]["test_labels"])
        lines.append(f"  - {_runs(len(collapsed))} collapsed onto one answer "
                     f"({', '.join(f'digit {d}: {_runs(n)}' for d, n in answers.items())}); such a network "
                     f"scores exactly that digit's number of test images "
                     f"({', '.join(f'{in_test[d]:,} for {d}' for d in answers)}).")
    return lines + book_listing_lines(record, collapsed)


LISTED_FAILURES = 5  # failing seeds described one by one per experiment; the groups above count them all


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
    # Decided digit by digit: a count that repeats over epochs is hardly chance, one that appears once can be.
    repeated = [(digit, epochs) for digit, _, epochs in matches if len(epochs) > 1]
    once = [(digit, epochs) for digit, _, epochs in matches if len(epochs) == 1]
    ours = (f", as {len(collapsed)} of our runs did at the end (seed{'s' if len(collapsed) > 1 else ''} "
            f"{_digits(run['seed'] for run in collapsed)})" if collapsed else "")
    if not repeated:  # say what it would mean, and that it does not show it
        return [f"  - The book's own listing: {told}. A network that answers {answers} for every image prints "
                f"exactly that, but {'one equal count' if len(once) == 1 else 'an equal count at one epoch'} can be "
                "chance: it does not show that the book's run collapsed"
                + (f" (another count of that listing would show it; {_runs(len(collapsed))} of ours collapsed at "
                   "the end)" if collapsed else "") + "."]
    where = " and ".join(f"onto {digit} at {_epochs(epochs)}" for digit, epochs in repeated)
    alone = "".join(f" The count of {digit}s at {_epochs(epochs)} alone can be chance." for digit, epochs in once)
    return [f"  - The book's own listing: {told}. That is what a network prints when it answers one digit for "
            f"every image; a count repeated over epochs is hardly chance: the book's run had collapsed {where}"
            f"{ours}.{alone}"]


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


def saturation_rule(records):
    """The sentence that says when an output neuron counts as saturated, with the thresholds the runs
    were diagnosed with (the network's diagnose() stores them in each run)."""
    rules = {json.dumps(run["diagnostics"]["saturated_when"], sort_keys=True) for r in records for run in r["runs"]
             if (run.get("diagnostics") or {}).get("saturated_when")}
    if len(rules) != 1:
        return ("An output neuron is *saturated* when its activation stays near 0 or 1 on almost every test image "
                "(the thresholds are those of each run's diagnosis)")
    rule = json.loads(rules.pop())
    return (f"An output neuron is *saturated* when its activation stays below {rule['below']} or above "
            f"{rule['above']} on {rule['share']:.0%} of the test images")


def exercise_section(records):
    """The chapter's exercise answered: the groups of its runs, and the sidebar with chapter 3's weights."""
    by_name = {r["name"]: r for r in records}
    if "network-0-hidden" not in by_name:
        return []
    sidebar = by_name.get("network-0-hidden-init3")
    lines = [
        "## The exercise: a network with no hidden layer", "",
        "The chapter asks what accuracy [784, 10] achieves, and prints no figure. Its runs fall into groups by "
        "how many output neurons end saturated (dead: their digit is then almost never answered), and each "
        "group has its own accuracy; a mean over the groups would match no run. Counts are best epochs on the "
        "test images, as the book quotes its networks.", "",
        *group_lines([by_name["network-0-hidden"], *([sidebar] if sidebar else [])]), "",
    ]
    if sidebar:
        healthy = len(dead_output_groups(sidebar).get(0, []))
        lines += [f"The sidebar, **network-0-hidden-init3**, changes only the initial weights, to chapter 3's "
                  "(standard deviation 1/sqrt(n_in) = 1/28 instead of 1; biases unchanged): the weights' part of each "
                  "output neuron's weighted input starts 28 times smaller, near 0, where the sigmoid is steep, "
                  "instead of far out where it is flat and a neuron learns slowly or not at all. "
                  f"{healthy} of its {len(sidebar['runs'])} runs end with no dead output.", ""]
    return lines


def render_chapter(records, out, figures_dir, made, sequential=True):
    """Chapter 1 reproduced, for `records` (the classifiers' summaries), as (its markdown lines, the
    main table's headers and rows, the figures drawn), its figures drawn into `figures_dir`;
    `sequential`: whether the seeds were chosen by the rule (False: fixed by CHAPTER_SEEDS)."""
    out, figures_dir = Path(out), Path(figures_dir)
    relative = os.path.relpath(figures_dir, out.parent)
    networks = [r for r in records if any(run.get("history") for run in r["runs"])]
    epochs_png = figures.chapter_figure(networks, figures.CHAPTER_EPOCHS.path(figures_dir)) if networks else None
    placed = [r for r in records if BOOK[r["name"]].correct is not None]
    book_png = figures.book_figure(placed, figures.CHAPTER_BOOK.path(figures_dir), measure,
                                   short_verdict_sequential if sequential else short_verdict_fixed)
    sizes = len({r["n_train"] for r in records}) > 1
    rows = [experiment_row(r, sizes, sequential) for r in records]
    table = tabulate(rows, headers(sizes), tablefmt="github", disable_numparse=True)
    failures = [line for r in records for line in failure_lines(r)]
    lines = [
        "# Chapter 1, reproduced", "",
        *header_lines(records, made), "",
        "The chapter prints one run per experiment, the best of three for its networks. Here every "
        "experiment runs over several seeds, and each figure of the book is placed among them. Counts are of "
        "the 10,000 test images; *book measures* says which count the book printed: a network's best epoch, "
        "its last epoch, a classifier's final count, or a lower bound (\"above 98.5 percent\" is 9,851 or "
        "more). Our runs are measured the same way.", "",
        table, "",
        *verdict_rules(records, sequential), "",
        *[line for r in records for line in note(r)], "",
        "## The book's figures among our seeds", "",
        "Each dot is one seed, measured as the book measured its figure; below the dots, the book's figure (a "
        "red cross; an arrow for a lower bound), and above each panel its verdict. Failing seeds have the "
        "colours of the epoch figure; a deterministic classifier has one black dot.", "",
        f"![the book's figures among our seeds]({relative}/{book_png.name})", "",
        *([] if epochs_png is None else [
            "## Every epoch of every seed", "",
            "The book's listings (\"Epoch j: n / 10000\") are the red crosses; each line is one seed. Runs that "
            "fail (below) are drawn in colour and named; the others in grey.", "",
            f"![test accuracy per epoch, every network experiment]({relative}/{epochs_png.name})", ""]),
        *exercise_section(records),
        *epoch_choice_section(networks),
        "## Runs that fail, and why", "",
        "Measured on each run's test predictions and its trained output neurons. "
        f"{saturation_rule(networks)}: there the "
        "sigmoid is flat, the quadratic cost's gradient (a - y) σ'(z) all but vanishes, and gradient descent "
        "can no longer move it, so the digit it stands for is (almost) never answered. A run *fails* when it "
        "has a saturated output neuron or answers some digit less than half as often as it occurs. A network "
        "that answers one digit for every image scores exactly that digit's number of test images "
        f"({', '.join(f'{n:,} {d}s' for d, n in digit_counts(records[0]['runs'][0]['test_labels']).items())}); "
        "the book's listings are read the same way.", "",
        *failures, "",
    ]
    return lines, (headers(sizes), rows), [epochs_png, book_png]
