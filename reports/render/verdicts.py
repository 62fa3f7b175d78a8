"""Verdicts on the book's figures, in words derived from numbers.

A deterministic classifier either reproduces the book's count or differs from it by some number of
images. A figure that depends on the seed is judged by the sequential rule of reports/sequential.py,
from the seeds there are: how likely the book's procedure (the best of 3 runs for its networks) is to
reach the figure, and one run to score it or lower, each with a two-sided Clopper-Pearson interval at
the confidence of the rule's looks, against the threshold RARE (1 in 5):

- "lucky": the book's procedure reaches the figure with chance below 1 in 5 (the whole interval);
- "low": one run scores this low or lower with chance below 1 in 5. One run, not the best of 3: a
  selection of the best could only make a low figure rarer, and a verdict should read the book as
  favourably as the data allow;
- "consistent with our runs": both chances are 1 in 5 or more (the whole intervals);
- "undecided at N seeds": an interval straddles 1 in 5, so N seeds cannot tell; the words give that
  interval, its confidence and its sides, and nothing that sounds decided.

A figure the book gives as an expectation ("about ten percent") is no run at all: it is set beside the
mean over our seeds and its t interval, never beside a best of 3.
"""

import numpy as np

from reports.render.stats import CONFIDENCE
from reports.sequential import ERROR, RARE, decide, look_confidence


def deterministic_verdict(ours, book, kind):
    """A deterministic classifier's count against the book's figure."""
    if kind == "at least":
        return "reached" if ours >= book else f"not reached: {book - ours:,} short"
    if ours == book:
        return "reproduced exactly"
    return f"differs by {abs(ours - book):,} (ours {'higher' if ours > book else 'lower'})"


def n_looks(planned, sequential=True):
    """How many looks shared the error: all the `planned` looks (reports/sequential.py's looks) when the
    rule chose the seeds, whatever count it stopped at (a failed run leaves 79 of 80 seeds, and the rule
    still looked at each planned count before), else one (a fixed count, CHAPTER_SEEDS=N)."""
    return len(planned) if sequential else 1


def decision(values, book, kind, runs, confidence):
    """The sequential rule's decision on `values` (one per seed, by the book's measure)."""
    values = np.asarray(values)
    reaching, at_or_below = int(np.sum(values >= book)), int(np.sum(values <= book))
    return decide(reaching, at_or_below, values.size, runs, confidence, low_side=kind != "at least")


def chance_text(chance):
    """"27% (5%-60%)": an estimate and its interval."""
    return f"{percent(chance.estimate)} ({interval_text(chance)})"


def seed_verdict(values, book, kind, runs, confidence):
    """The words for a figure among the values of several seeds, by the book's own measure. Every chance
    said comes with its interval's level and sides; an undecided verdict names the interval that
    straddles the threshold."""
    found = decision(values, book, kind, runs, confidence)
    n, procedure = len(values), "one run" if runs == 1 else f"the best of {runs}"
    level, rare = confidence_text(confidence), f"1 in {round(1 / RARE)}"
    seeds = f"{n} seed{'s' if n != 1 else ''}"
    if found.verdict == "lucky":
        if found.high.k == 0:
            return (f"lucky: no seed of {n} reaches it; {procedure} does with chance below "
                    f"{percent(found.high.interval[1])} {upper_end(level)}")
        return f"lucky: about 1 in {one_in(found.high.estimate)} ({procedure}; {interval_text(found.high)} at {level})"
    if found.verdict == "low":
        if found.low.k:
            return f"low: about 1 in {one_in(found.low.estimate)} (one run; {interval_text(found.low)} at {level})"
        return (f"low: no seed of {n} scores this low; one run does with chance below "
                f"{percent(found.low.interval[1])} {upper_end(level)}")
    if found.verdict == "consistent":
        return "consistent with our runs"
    # Undecided: an interval has 1 in 5 inside it, so the seeds cannot tell; the words say only what it shows.
    cannot_tell = f"which {seeds} cannot place above or below {rare}"
    if found.high.k == 0:
        return (f"undecided at {seeds}: above all {n} of our runs; {procedure} reaches it with chance "
                f"{interval_text(found.high)} (two-sided, {level}), {cannot_tell}")
    if straddles(found.high):
        return (f"undecided at {seeds}: {procedure} reaches it with chance {interval_text(found.high)} (two-sided, "
                f"{level}), {cannot_tell}")
    return (f"undecided at {seeds}: one run scores this low or lower with chance {interval_text(found.low)} "
            f"(two-sided, {level}), {cannot_tell}")


def straddles(chance):
    """Whether the chance's interval has the threshold RARE inside it: the seeds cannot tell its side."""
    low, high = chance.interval
    return low < RARE <= high


def interval_text(chance):
    """"5%-60%": a chance's two-sided interval."""
    low, high = chance.interval
    return f"{percent(low)}-{percent(high)}"


def upper_end(level):
    """Which end a bound is, and of which interval: a one-sided reading of a two-sided interval."""
    return f"(upper end of the two-sided {level} interval)"


def one_in(p):
    """1/p to two significant figures, as "1 in N" is said: 151 -> 150, 34.4 -> 34."""
    return f"{round(float(f'{1 / p:.2g}')):,}"


def expectation_verdict(values, book):
    """An expected count (the book's "about ten percent") against the mean over our seeds, with its
    two-sided 95% t interval over seeds."""
    values = np.asarray(values, dtype=float)
    low, high = mean_interval(values)
    covers = low <= book <= high
    return (f"{'consistent' if covers else 'differs'}: our mean {values.mean():,.1f}, {confidence_text(CONFIDENCE)} two-sided t interval over "
            f"{values.size} seeds {low:,.1f}-{high:,.1f}, {'covers' if covers else 'misses'} the expected {book:,}")


def mean_interval(values, confidence=CONFIDENCE):
    """The two-sided t interval of the mean of `values` (over seeds)."""
    from scipy.stats import t  # here, not at the top: rendering a report never needs it

    values = np.asarray(values, dtype=float)
    half = t.ppf(1 - (1 - confidence) / 2, df=values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return float(values.mean() - half), float(values.mean() + half)


def confidence_of(planned, sequential=True):
    """Each look's two-sided confidence for an experiment with the `planned` looks."""
    return look_confidence(n_looks(planned, sequential))


def confidence_text(confidence):
    """A confidence as a percentage, with a decimal only where it has one: 95%, 99%, 98.3%."""
    return f"{100 * confidence:.1f}".removesuffix(".0") + "%"


def spending(n, planned, sequential=True):
    """In words: how the error was spent for n seeds of an experiment with the `planned` looks."""
    k = n_looks(planned, sequential)
    if k == 1:
        return f"one look at {n} seed{'s' if n != 1 else ''}: {confidence_text(1 - ERROR)} two-sided"
    return (f"{k} planned looks at {', '.join(map(str, planned))} seeds, {ERROR:.0%} spent over them by "
            f"Bonferroni: {confidence_text(look_confidence(k))} two-sided each")


def percent(p):
    """A probability as a percentage: whole numbers, one significant digit below 1%, and one decimal
    within a point of the threshold RARE, so that an end of 19.6% is not read as 20% beside a verdict."""
    if abs(p - RARE) < 0.01:
        return f"{100 * p:.1f}%"
    return f"{100 * p:.0f}%" if p >= 0.01 or p == 0 else f"{100 * p:.1g}%"
