"""The statistics of the reports: how sure a test-set accuracy is, whether two classifiers differ, and
how often our runs reach a figure the book printed.

- Wilson's 95% interval for an accuracy measured on n test images: the uncertainty that comes from
  having only this test set, not from training again (the seed spread is reported beside it).
- McNemar's exact test for two classifiers on the same test images: only the images on which they
  disagree carry information; under "no difference" each such image is a fair coin.
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest


def wilson_interval(correct, n, confidence=0.95):
    """(low, high) bounds on the accuracy correct / n, by Wilson's score method."""
    interval = binomtest(int(correct), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)


@dataclass(frozen=True)
class McNemar:
    """Images only A gets right (`only_a`), only B gets right (`only_b`), and the two-sided exact p."""

    only_a: int
    only_b: int
    p_value: float


def mcnemar_exact(truth, predicted_a, predicted_b):
    """McNemar's exact test on paired predictions of the same images."""
    truth, predicted_a, predicted_b = map(np.asarray, (truth, predicted_a, predicted_b))
    right_a, right_b = predicted_a == truth, predicted_b == truth
    only_a = int(np.sum(right_a & ~right_b))
    only_b = int(np.sum(right_b & ~right_a))
    if only_a + only_b == 0:
        return McNemar(0, 0, 1.0)
    p_value = binomtest(min(only_a, only_b), only_a + only_b, 0.5).pvalue
    return McNemar(only_a, only_b, float(p_value))


def spread(counts):
    """Summary of correct counts over seeds: n, mean, sample standard deviation, median, min, max."""
    counts = np.asarray(counts, dtype=float)
    return {
        "n": int(counts.size),
        "mean": float(counts.mean()),
        "std": float(counts.std(ddof=1)) if counts.size > 1 else 0.0,
        "median": float(np.median(counts)),
        "min": int(counts.min()),
        "max": int(counts.max()),
    }


# ------------------------------------------------------------------ the book's figure among our seeds
#
# The book prints one figure per experiment, and for its networks it kept the best of three runs. Our
# seeds are independent draws of the same procedure, so the share of them that reach the book's figure
# estimates p, the chance that one run does; three independent runs reach it with chance
# 1 - (1 - p)^3. With ten seeds p is known only roughly, so every estimate carries an exact
# (Clopper-Pearson) 95% interval, and where no seed reaches the figure only an upper bound is honest.

CONFIDENCE = 0.95
BEST_OF = 3  # the book: "To generate results in this chapter I've taken best-of-three runs."


def exact_interval(k, n, confidence=CONFIDENCE):
    """Clopper-Pearson interval for a probability seen k times in n trials. At k = 0 (or k = n) the
    interval is one-sided, (0, 1 - alpha^(1/n)), so that its upper bound is the usual 95% bound."""
    if k == 0:
        return 0.0, 1 - (1 - confidence) ** (1 / n)
    if k == n:
        return (1 - confidence) ** (1 / n), 1.0
    interval = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="exact")
    return float(interval.low), float(interval.high)


def best_of(p, runs=BEST_OF):
    """The chance that the best of `runs` independent runs reaches a figure one run reaches with chance p."""
    return 1 - (1 - p) ** runs


@dataclass(frozen=True)
class Placement:
    """Where a figure falls among n values: how many lie below it, equal it and lie above it; the
    share of runs reaching it (value >= figure) with its interval; the same for the best of three."""

    n: int
    below: int
    equal: int
    above: int
    p1: float
    p1_interval: tuple
    p3: float
    p3_interval: tuple

    @property
    def reaching(self):
        return self.equal + self.above

    @property
    def percentile(self):
        """The figure's mid-rank percentile among the values (ties count half)."""
        return 100 * (self.below + self.equal / 2) / self.n


def placement(values, figure, runs=BEST_OF):
    """Place `figure` among `values` (one per seed) and estimate how often a run, and the best of
    `runs`, reaches it."""
    values = np.asarray(values)
    below, equal = int(np.sum(values < figure)), int(np.sum(values == figure))
    n = int(values.size)
    reaching = n - below
    low, high = exact_interval(reaching, n)
    # best_of is increasing in p, so the interval maps through it endpoint by endpoint.
    return Placement(n, below, equal, n - below - equal, reaching / n, (low, high), best_of(reaching / n, runs),
                     (best_of(low, runs), best_of(high, runs)))


def normal_tail(values, figure):
    """P(X >= figure) for a count X drawn from the normal distribution with the values' mean and
    sample standard deviation (with continuity correction: a count reaches 9,542 from 9,541.5 up). A
    model, shown beside the distribution-free estimate, never instead of it."""
    from scipy.stats import norm

    values = np.asarray(values, dtype=float)
    return float(norm.sf(figure - 0.5, loc=values.mean(), scale=values.std(ddof=1)))
