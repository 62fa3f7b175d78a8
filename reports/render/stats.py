"""The statistics of the reports: how sure a test-set accuracy is, whether two classifiers differ, and
how often our runs reach a figure the book printed.

- Wilson's 95% interval for an accuracy measured on n test images: the uncertainty that comes from
  having only this test set, not from training again (the seed spread is reported beside it).
- A paired two-level bootstrap for two classifiers over all their seeds, and Holm's adjustment for a
  family of such comparisons (explained where they are defined, below).
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest


def wilson_interval(correct, n, confidence=0.95):
    """(low, high) bounds on the accuracy correct / n, by Wilson's score method."""
    interval = binomtest(int(correct), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)


# ------------------------------------------------------------------ two classifiers over all their seeds
#
# The question a reader asks of two classifiers is whether one is more accurate than the other as a
# procedure: trained again with another seed, and tested on other images drawn like these. So the
# difference is the mean accuracy of A over its seeds minus that of B over its seeds, and its
# uncertainty has two sources: the seeds (another seed, another network) and the test images (another
# test set, other errors). A paired two-level bootstrap carries both. Each replicate draws the test
# images with replacement, the same images for A and B (paired: an image hard for one is often hard
# for the other, and pairing cancels that), and independently each classifier's seeds with replacement;
# the difference is recomputed on what was drawn. Seeds and images are crossed, not nested (every seed
# is scored on every image), so they are drawn independently of each other (Owen's "pigeonhole"
# bootstrap for crossed factors, which errs on the wide side). A deterministic classifier has one run:
# only its test images vary.
#
# The 95% interval is the 2.5th to 97.5th percentile of the replicates; p is the two-sided p of the test
# that interval inverts: twice the share of replicates on the far side of zero, counted as
# (1 + k) / (1 + replicates) so that it is never 0 (Davison and Hinkley, 1997). The generator's seed is
# fixed, so a report says the same every time it is rendered from the same runs.
#
# Drawing 10,000 images 10,000 times would be 10^8 draws per pair. But images on which every run of A
# and B is right (or wrong) alike are interchangeable: only an image's pattern, which runs get it
# right, matters. Drawing n images with replacement is drawing how many of each pattern, a multinomial
# over the patterns with their shares as probabilities: the same distribution, at the cost of the
# (usually few hundred) patterns instead of the images.

BOOTSTRAP_REPLICATES = 10_000
BOOTSTRAP_SEED = 0
_CHUNK = 1_000  # replicates drawn at once: bounds the memory to chunk x patterns counts


@dataclass(frozen=True)
class Comparison:
    """A minus B: the difference in mean accuracy over their seeds (a share, -1 to 1), its 95% bootstrap
    interval, the two-sided bootstrap p, and how many runs of each went into it."""

    difference: float
    interval: tuple
    p_value: float
    runs_a: int
    runs_b: int


def paired_bootstrap(right_a, right_b, replicates=BOOTSTRAP_REPLICATES, seed=BOOTSTRAP_SEED):
    """Compare A and B from their runs' correctness on the same test images: `right_a` has one row of
    booleans per run of A (True where the run is right), one column per test image; `right_b` likewise."""
    right_a, right_b = np.atleast_2d(np.asarray(right_a, dtype=bool)), np.atleast_2d(np.asarray(right_b, dtype=bool))
    (m, n), k = right_a.shape, right_b.shape[0]
    if right_b.shape[1] != n:
        raise ValueError(f"A is scored on {n} images, B on {right_b.shape[1]}: compare them on the same images")
    patterns, counts = np.unique(np.vstack([right_a, right_b]).T, axis=0, return_counts=True)
    patterns = patterns.astype(np.int64)  # one row per pattern: which of the m + k runs get such an image right
    rng = np.random.default_rng(seed)
    differences = np.empty(replicates)
    for start in range(0, replicates, _CHUNK):
        size = min(_CHUNK, replicates - start)
        images = rng.multinomial(n, counts / n, size=size)  # how many images of each pattern are drawn
        seeds_a = rng.multinomial(m, np.full(m, 1 / m), size=size)  # how often each run of A is drawn
        seeds_b = rng.multinomial(k, np.full(k, 1 / k), size=size)
        correct = images @ patterns  # each run's correct count on the drawn images
        differences[start:start + size] = (np.sum(seeds_a * correct[:, :m], axis=1) / m
                                           - np.sum(seeds_b * correct[:, m:], axis=1) / k) / n
    far_side = min(np.sum(differences <= 0), np.sum(differences >= 0))
    low, high = np.quantile(differences, [0.025, 0.975])
    return Comparison(float(right_a.mean() - right_b.mean()), (float(low), float(high)),
                      min(1.0, 2 * (1 + int(far_side)) / (1 + replicates)), m, k)


def holm(p_values):
    """Holm's step-down adjustment of a family of p-values, in their order: the smallest is multiplied
    by the family's size F, the next by F - 1, and so on, each kept at least as large as the one before
    it. Calling those below alpha significant keeps the chance of any false call in the family below
    alpha, as Bonferroni's does, and calls every difference Bonferroni calls, often more."""
    p_values = np.asarray(p_values, dtype=float)
    order = np.argsort(p_values, kind="stable")
    scaled = p_values[order] * (len(p_values) - np.arange(len(p_values)))
    adjusted = np.empty_like(p_values)
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return adjusted.tolist()


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
