"""The statistics of the reports: how sure a test-set accuracy is, and whether two classifiers differ.

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
