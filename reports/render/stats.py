"""The statistics of the reports: how sure a test-set accuracy is, whether two classifiers differ, and
how often our runs reach a figure the book printed.

- Wilson's 95% interval for an accuracy measured on n test images: the uncertainty that comes from
  having only this test set, not from training again: the interval of a classifier with one run.
- For a classifier run over several seeds, the interval of its mean accuracy from seeds and test
  images together: a two-level bootstrap, the same as the comparisons' (below).
- A paired two-level bootstrap for two classifiers over all their seeds, and Holm's adjustment for a
  family of such comparisons (explained where they are defined, below).
"""

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np

# scipy is imported inside the functions that need it (the chapter's exact intervals and t
# distributions): importing scipy.stats costs about a CPU-second, most of a report's render.


def wilson_interval(correct, n, confidence=0.95):
    """(low, high) bounds on the accuracy correct / n, by Wilson's score method: the proportions p whose
    score test |p_hat - p| / sqrt(p (1 - p) / n) <= z does not reject, z the normal quantile."""
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    share, z2 = correct / n, z * z / n
    centre = (share + z2 / 2) / (1 + z2)
    half = z / (1 + z2) * math.sqrt(share * (1 - share) / n + z2 / (4 * n))
    return max(0.0, centre - half), min(1.0, centre + half)


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


def _replicate_means(groups, replicates, seed):
    """The two-level bootstrap's replicates of each group's mean accuracy over its runs: an array of
    shape (replicates, len(groups)). `groups` are arrays of correctness, one row per run, one column per
    test image, all on the same images (drawn alike for every group: paired)."""
    sizes = [group.shape[0] for group in groups]
    n = groups[0].shape[1]
    patterns, counts = np.unique(np.vstack(groups).T, axis=0, return_counts=True)
    patterns = patterns.astype(np.float64)  # one row per pattern: which runs get it right (float: BLAS, exact counts)
    bounds = np.cumsum([0, *sizes])
    rng = np.random.default_rng(seed)
    means = np.empty((replicates, len(groups)))
    for start in range(0, replicates, _CHUNK):
        size = min(_CHUNK, replicates - start)
        images = rng.multinomial(n, counts / n, size=size)  # how many images of each pattern are drawn
        draws = [rng.multinomial(m, np.full(m, 1 / m), size=size) for m in sizes]  # how often each run is drawn
        correct = images @ patterns  # each run's correct count on the drawn images
        for g, (m, drawn) in enumerate(zip(sizes, draws)):
            means[start:start + size, g] = np.sum(drawn * correct[:, bounds[g]:bounds[g + 1]], axis=1) / m / n
    return means


def paired_bootstrap(right_a, right_b, replicates=BOOTSTRAP_REPLICATES, seed=BOOTSTRAP_SEED):
    """Compare A and B from their runs' correctness on the same test images: `right_a` has one row of
    booleans per run of A (True where the run is right), one column per test image; `right_b` likewise."""
    right_a, right_b = np.atleast_2d(np.asarray(right_a, dtype=bool)), np.atleast_2d(np.asarray(right_b, dtype=bool))
    if right_b.shape[1] != right_a.shape[1]:
        raise ValueError(f"A is scored on {right_a.shape[1]} images, B on {right_b.shape[1]}: compare them on the "
                         "same images")
    means = _replicate_means([right_a, right_b], replicates, seed)
    differences = means[:, 0] - means[:, 1]
    far_side = min(np.sum(differences <= 0), np.sum(differences >= 0))
    low, high = np.quantile(differences, [0.025, 0.975])
    return Comparison(float(right_a.mean() - right_b.mean()), (float(low), float(high)),
                      min(1.0, 2 * (1 + int(far_side)) / (1 + replicates)), right_a.shape[0], right_b.shape[0])


def seeds_and_images_interval(right, replicates=BOOTSTRAP_REPLICATES, seed=BOOTSTRAP_SEED):
    """The two-sided 95% interval of one classifier's mean accuracy over its seeds, from both sources of
    uncertainty, seeds and test images: the same two-level bootstrap as `paired_bootstrap`, on one
    classifier. `right`: one row of booleans per run, one column per test image."""
    means = _replicate_means([np.atleast_2d(np.asarray(right, dtype=bool))], replicates, seed)[:, 0]
    low, high = np.quantile(means, [0.025, 0.975])
    return float(low), float(high)


def holm(p_values):
    """Holm's step-down adjustment of a family of p-values, in their order: the smallest is multiplied
    by the family's size F, the next by F - 1, and so on, each kept at least as large as the one before
    it. Calling those below alpha significant keeps the chance of any false call within the family
    below alpha, as Bonferroni's does, and calls every difference Bonferroni calls, often more."""
    return [adjusted for adjusted, _ in holm_with_bounds(p_values, [False] * len(p_values))]


def holm_with_bounds(p_values, bounds):
    """Holm's adjustment where some p-values are only upper bounds (`bounds[i]` True: the bootstrap's
    floor, the true p is at most that): [(adjusted p, whether it too is only an upper bound)]. An
    adjusted p is a bound when the scaled p it was taken from is one: a smaller true p there could
    only lower it."""
    p_values = np.asarray(p_values, dtype=float)
    order = np.argsort(p_values, kind="stable")
    scaled = p_values[order] * (len(p_values) - np.arange(len(p_values)))
    source = np.zeros(len(p_values), dtype=int)  # for each position, where its running maximum comes from
    for i in range(1, len(p_values)):
        source[i] = i if scaled[i] >= scaled[source[i - 1]] else source[i - 1]
    result = [None] * len(p_values)
    for position, index in enumerate(order):
        adjusted = min(1.0, float(scaled[source[position]]))
        is_bound = bool(bounds[order[source[position]]]) and adjusted < 1.0
        result[index] = (adjusted, is_bound)
    return result


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
# 1 - (1 - p)^3. Every estimate carries an exact (Clopper-Pearson) two-sided interval; how many seeds
# are enough, and at which confidence each look is made, is the sequential rule's (reports/sequential.py).

CONFIDENCE = 0.95
BEST_OF = 3  # the book: "To generate results in this chapter I've taken best-of-three runs."


@lru_cache(maxsize=4096)  # pure, and the sequential rule asks the same counts again and again
def exact_interval(k, n, confidence=CONFIDENCE):
    """The two-sided Clopper-Pearson interval for a probability seen k times in n trials: each side
    misses with chance at most (1 - confidence) / 2. At k = 0 it is (0, 1 - ((1 - confidence)/2)^(1/n)),
    at k = n its mirror image. Its bounds are quantiles of beta distributions, B(k, n - k + 1) and
    B(k + 1, n - k) (scipy.special's inverse of the incomplete beta, far cheaper to import than
    scipy.stats)."""
    from scipy.special import betaincinv

    k, n, tail = int(k), int(n), (1 - confidence) / 2
    low = 0.0 if k == 0 else float(betaincinv(k, n - k + 1, tail))
    high = 1.0 if k == n else float(betaincinv(k + 1, n - k, 1 - tail))
    return low, high


def best_of(p, runs=BEST_OF):
    """The chance that the best of `runs` independent runs reaches a figure one run reaches with chance p."""
    return 1 - (1 - p) ** runs


def predictive_tail(values, figure):
    """P(X >= figure) for the count X of one new run, if runs were normally distributed: the
    predictive distribution from the values' mean m and sample sd s, m + s sqrt(1 + 1/n) t with n - 1
    degrees of freedom (it carries the uncertainty of m and s, which plugging them into a normal would
    ignore), with continuity correction (a count reaches 9,542 from 9,541.5 up). A model, shown beside
    the distribution-free estimate, never instead of it."""
    from scipy.stats import t

    values = np.asarray(values, dtype=float)
    n = values.size
    scale = values.std(ddof=1) * np.sqrt(1 + 1 / n)
    return float(t.sf((figure - 0.5 - values.mean()) / scale, df=n - 1))
