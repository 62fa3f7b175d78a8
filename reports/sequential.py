"""How many seeds settle a verdict: the sequential rule of `make chapter`, pure and small.

A verdict on a figure the book printed asks how likely the book's procedure (the best of 3 runs, or
one run) is to reach it, against one threshold, RARE: below it the figure is "lucky" (high) or "low";
at or above it on both sides, the figure is one our runs make routinely. Our seeds estimate the chance
of one run, k reaching of n; the chance of the best of 3 follows from it, 1 - (1 - p)^3.

Seeds are added in rounds (10, 20, 40, ... up to a cap per experiment, from a least count where an
experiment sets one: a look below it is no look). After each round the rule looks: the verdict is decided when the two-sided Clopper-Pearson interval of each chance lies wholly on
one side of the threshold; else the next round runs, until the cap. Looking several times gives
several chances to be wrong, so each experiment's 5% error is spent over its planned looks by
Bonferroni's inequality: each look's interval has confidence 1 - 0.05 / L, for L looks planned (with 5
looks, 99%). Whatever the true chance, a wrong decided verdict needs one of those intervals to miss it
on the side the verdict rests on, and the chances of that add up to at most 5% over the experiment's
looks (the proof is a union bound; tests/test_sequential.py checks it by simulation). The 5% is per
experiment: over K experiments decided this way, the chance that some verdict is wrong can reach K x 5%.
A fixed count of seeds is one look, at 95%.
"""

from dataclasses import dataclass

from reports.render.stats import best_of, exact_interval

ROUNDS = (10, 20, 40, 80, 160)  # seeds after each round; an experiment stops at its cap
ERROR = 0.05  # the chance that one experiment's decided verdict is wrong, spent over its planned looks
RARE = 1 / 5  # a chance below this is rare: the figure is "lucky" (high) or "low"


def looks(cap, least=0):
    """The seed counts at which the rule looks, for an experiment capped at `cap` seeds that must have at
    least `least` before the rule may stop: its first look is at `least` (or the first round), and no
    count below it is a look."""
    return sorted({n for n in (max(least, ROUNDS[0]), *ROUNDS) if least <= n < cap} | {cap})


def planned_looks(experiment):
    """An experiment's planned looks, from its cap and least count (reports/runner/experiments.py)."""
    return looks(experiment.chapter_seeds, experiment.chapter_min_seeds)


def look_confidence(n_looks):
    """The confidence of each look's interval, when `n_looks` looks share the error (Bonferroni)."""
    return 1 - ERROR / n_looks


@dataclass(frozen=True)
class Chance:
    """The estimated chance that `runs` runs (their best) reach a figure, from k of n seeds, and its
    two-sided interval at `confidence` (Clopper-Pearson on one run's chance, carried through best_of,
    which is increasing)."""

    k: int
    n: int
    runs: int
    confidence: float

    @property
    def estimate(self):
        return best_of(self.k / self.n, self.runs)

    @property
    def interval(self):
        low, high = exact_interval(self.k, self.n, self.confidence)
        return best_of(low, self.runs), best_of(high, self.runs)


@dataclass(frozen=True)
class Decision:
    """A look's outcome: `verdict`, "lucky", "low", "consistent" or "undecided"; `high`, the chance that the
    book's procedure reaches the figure; `low`, the chance that one run scores it or lower (None for a
    lower bound such as "above 98.5 percent", which has no low side)."""

    verdict: str
    high: Chance
    low: Chance | None

    @property
    def decided(self):
        return self.verdict != "undecided"


def decide(reaching, at_or_below, n, runs, confidence, threshold=RARE, low_side=True):
    """The verdict of one look: `reaching` of `n` seeds score at least the figure, `at_or_below` of
    them at most it; the book's procedure is the best of `runs`."""
    high = Chance(reaching, n, runs, confidence)
    low = Chance(at_or_below, n, 1, confidence) if low_side else None
    if high.interval[1] < threshold:
        verdict = "lucky"
    elif low is not None and low.interval[1] < threshold:
        verdict = "low"
    elif high.interval[0] >= threshold and (low is None or low.interval[0] >= threshold):
        verdict = "consistent"
    else:
        verdict = "undecided"
    return Decision(verdict, high, low)


def next_count(n, cap, least=0):
    """The seeds after the next round, or None when `n` seeds reached the cap."""
    later = [count for count in looks(cap, least) if count > n]
    return later[0] if later else None
