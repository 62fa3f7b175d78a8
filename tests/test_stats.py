"""The report's statistics against values worked out by hand."""

import itertools
from collections import Counter

import numpy as np
import pytest

from scipy.stats import beta

from reports.render.stats import (best_of, exact_interval, holm, holm_with_bounds, paired_bootstrap, predictive_tail,
                                  seeds_and_images_interval, spread, wilson_interval)


def test_wilson_interval_of_8_out_of_10_is_the_textbook_value():
    # Wilson (1927) score interval, z = 1.96: 0.8 -> (0.4902, 0.9433), as in every textbook table.
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_interval_matches_the_closed_form():
    k, n, z = 2225, 10_000, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert wilson_interval(k, n) == pytest.approx((centre - half, centre + half), abs=1e-12)


@pytest.mark.parametrize("k, n", [(0, 10), (1, 10), (10, 10), (9542, 10_000), (1, 1)])
def test_wilson_interval_is_scipys_at_the_edges_too(k, n):
    from scipy.stats import binomtest

    scipys = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(k, n) == pytest.approx((scipys.low, scipys.high), abs=1e-12)


def exact_bootstrap(right_a, right_b):
    """The bootstrap distribution of A - B by brute force: every ordered draw of seeds of A, seeds of B
    and test images, each equally likely. {difference: probability}."""
    right_a, right_b = np.asarray(right_a, dtype=float), np.asarray(right_b, dtype=float)
    (m, n), k = right_a.shape, right_b.shape[0]
    outcomes = Counter()
    for seeds_a in itertools.product(range(m), repeat=m):
        for seeds_b in itertools.product(range(k), repeat=k):
            for images in itertools.product(range(n), repeat=n):
                cells = np.ix_(seeds_a, images)
                difference = right_a[cells].mean() - right_b[np.ix_(seeds_b, images)].mean()
                outcomes[round(difference, 12)] += 1
    total = sum(outcomes.values())
    return {difference: count / total for difference, count in outcomes.items()}


def test_bootstrap_p_of_two_deterministic_classifiers_by_hand():
    # A is right on images 0 and 1, B on image 2 only; one run each. Over 3 images drawn with
    # replacement, A - B <= 0 exactly when image 2 is drawn at least twice: P = 3 (1/3)^2 (2/3) + (1/3)^3
    # = 7/27; A - B >= 0 is likelier, so p = 2 * 7/27 = 14/27.
    result = paired_bootstrap([[1, 1, 0]], [[0, 0, 1]], replicates=100_000)
    assert result.difference == pytest.approx(1 / 3) and (result.runs_a, result.runs_b) == (1, 1)
    assert result.p_value == pytest.approx(14 / 27, abs=0.01)


def test_bootstrap_over_seeds_and_images_matches_the_brute_force_distribution():
    # Two runs of A (seeds differ), three of B, on four images: 2^2 * 3^3 * 4^4 = 27,648 equally likely
    # draws, enumerated; the multinomial shortcut over image patterns must give the same distribution.
    right_a = [[1, 1, 0, 1], [0, 1, 0, 0]]
    right_b = [[0, 1, 1, 0], [0, 0, 1, 0], [1, 1, 0, 0]]
    exact = exact_bootstrap(right_a, right_b)
    below = sum(p for d, p in exact.items() if d <= 0)
    above = sum(p for d, p in exact.items() if d >= 0)
    result = paired_bootstrap(right_a, right_b, replicates=100_000)
    assert result.difference == pytest.approx(0.5 * (3 / 4 + 1 / 4) - (2 / 4 + 1 / 4 + 2 / 4) / 3)
    assert result.p_value == pytest.approx(min(1, 2 * min(below, above)), abs=0.01)
    cumulative = np.cumsum([exact[d] for d in sorted(exact)])
    quantile = [sorted(exact)[np.searchsorted(cumulative, q)] for q in (0.025, 0.975)]
    assert result.interval == pytest.approx(quantile, abs=1e-9)


def test_identical_classifiers_differ_by_nothing_and_far_apart_ones_get_the_smallest_p():
    same = paired_bootstrap([[1, 0, 1, 1]], [[1, 0, 1, 1]], replicates=1_000)
    assert (same.difference, same.interval, same.p_value) == (0.0, (0.0, 0.0), 1.0)
    apart = paired_bootstrap([[1] * 50], [[0] * 50, [0] * 50], replicates=1_000)
    assert apart.difference == 1.0 and apart.p_value == pytest.approx(2 / 1_001)  # never 0


def test_the_bootstrap_is_the_same_every_time_and_antisymmetric_in_its_difference():
    rng = np.random.default_rng(3)
    a, b = rng.random((3, 200)) < 0.8, rng.random((2, 200)) < 0.7
    assert paired_bootstrap(a, b) == paired_bootstrap(a, b)
    assert paired_bootstrap(b, a).difference == pytest.approx(-paired_bootstrap(a, b).difference)


def test_holm_by_hand():
    # Sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> kept at 0.06.
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == [1.0, 1.0] and holm([]) == []


def test_spread_uses_the_sample_standard_deviation():
    s = spread([9450, 9500, 9550])
    assert s == {"n": 3, "mean": 9500.0, "std": 50.0, "median": 9500.0, "min": 9450, "max": 9550}
    assert spread([2225])["std"] == 0.0


@pytest.mark.parametrize("k, n, confidence", [(0, 10, 0.95), (3, 10, 0.95), (10, 10, 0.95), (1, 80, 0.99),
                                            (0, 160, 0.99)])
def test_exact_interval_is_two_sided_clopper_pearson_as_beta_quantiles_give_it(k, n, confidence):
    tail = (1 - confidence) / 2  # each side misses with at most this chance: two-sided
    low = 0.0 if k == 0 else beta.ppf(tail, k, n - k + 1)
    high = 1.0 if k == n else beta.ppf(1 - tail, k + 1, n - k)
    assert exact_interval(k, n, confidence) == pytest.approx((low, high), abs=1e-9)


def test_exact_interval_of_3_of_10_is_the_tabulated_value_and_0_of_10_the_two_sided_bound():
    assert exact_interval(3, 10) == pytest.approx((0.066739, 0.652453), abs=1e-6)
    assert exact_interval(0, 10)[1] == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-12)  # 0.3085, not 0.2589


def test_best_of_three():
    assert best_of(0.5) == 0.875 and best_of(0.0) == 0.0 and best_of(1.0) == 1.0


def test_predictive_tail_is_students_t_with_the_new_runs_scale():
    # Two values, 10 and 20: mean 15, sd 50 ** 0.5, scale sd * sqrt(1 + 1/2); t with 1 degree of freedom
    # is Cauchy, P(T >= x) = 1/2 - arctan(x) / pi: 1/2 at x = 0 and 1/4 at x = 1 (with continuity correction).
    values = [10, 20]
    scale = 50 ** 0.5 * 1.5 ** 0.5
    assert predictive_tail(values, 15.5) == pytest.approx(0.5)
    assert predictive_tail(values, 15 + scale + 0.5) == pytest.approx(0.25)


def test_holm_agrees_with_statsmodels_where_installed():
    p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.0002]
    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1].tolist())


def test_a_holm_p_taken_from_a_floored_p_is_marked_as_a_bound():
    floor = 2 / 10_001
    adjusted = holm_with_bounds([floor, floor, 0.3], [True, True, False])
    assert adjusted[0] == (pytest.approx(3 * floor), True) and adjusted[1] == (pytest.approx(3 * floor), True)
    assert adjusted[2] == (pytest.approx(0.3), False)
    # The floored p's scaled value is below the exact one's, so the running maximum is exact there.
    assert holm_with_bounds([floor, 0.01], [True, False]) == [(pytest.approx(2 * floor), True), (0.01, False)]


def test_seeds_and_images_interval_is_wilsons_when_seeds_agree_and_wider_when_they_do_not():
    rng = np.random.default_rng(0)
    one = rng.random(2_000) < 0.8
    alike = seeds_and_images_interval(np.vstack([one] * 5), replicates=4_000)
    wilson = wilson_interval(int(one.sum()), one.size)
    assert alike == pytest.approx(wilson, abs=0.004)  # only the images vary
    apart = seeds_and_images_interval(np.vstack([rng.random(2_000) < p for p in (0.6, 0.7, 0.8, 0.9, 0.95)]),
                                      replicates=4_000)
    assert apart[1] - apart[0] > 3 * (wilson[1] - wilson[0])  # the seeds' spread dominates


