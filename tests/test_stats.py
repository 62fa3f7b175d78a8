"""The report's statistics against values worked out by hand."""

import numpy as np
import pytest

from reports.render.stats import best_of, exact_interval, mcnemar_exact, normal_tail, placement, spread, wilson_interval


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


def test_mcnemar_exact_on_a_small_table():
    # A right and B wrong on 1 image, B right and A wrong on 6: p = 2 * P(X <= 1), X ~ Bin(7, 1/2)
    # = 2 * (1 + 7) / 128 = 0.125. Images both get right or both get wrong do not count.
    truth = np.zeros(12, dtype=int)
    a = np.array([0] + [1] * 6 + [0] * 3 + [1] * 2)
    b = np.array([1] + [0] * 6 + [0] * 3 + [1] * 2)
    result = mcnemar_exact(truth, a, b)
    assert (result.only_a, result.only_b) == (1, 6)
    assert result.p_value == pytest.approx(0.125)


def test_mcnemar_of_identical_predictions_is_no_evidence():
    assert mcnemar_exact([1, 2, 3], [1, 2, 0], [1, 2, 0]).p_value == 1.0


def test_spread_uses_the_sample_standard_deviation():
    s = spread([9450, 9500, 9550])
    assert s == {"n": 3, "mean": 9500.0, "std": 50.0, "median": 9500.0, "min": 9450, "max": 9550}
    assert spread([2225])["std"] == 0.0


def test_no_run_reaching_gives_the_rule_of_three_style_bound():
    # 0 of 10: one-sided 95% bound 1 - 0.05^(1/10) = 0.2589; the best of three: 1 - 0.05^(3/10) = 0.5929.
    low, high = exact_interval(0, 10)
    assert low == 0 and high == pytest.approx(0.258866, abs=1e-6)
    place = placement([9500] * 10, 9542)
    assert (place.reaching, place.p1, place.p3) == (0, 0.0, 0.0)
    assert place.p3_interval[1] == pytest.approx(0.592909, abs=1e-6)


def test_placement_of_a_figure_three_seeds_reach_against_a_hand_computation():
    values = [9500] * 7 + [9545, 9550, 9560]
    place = placement(values, 9545)
    assert (place.below, place.equal, place.above, place.reaching) == (7, 1, 2, 3)
    assert place.percentile == pytest.approx(75.0)  # 7 below, the tie counts half: (7 + 0.5) / 10
    assert place.p1 == 0.3 and place.p3 == pytest.approx(1 - 0.7 ** 3)  # 0.657
    # Clopper-Pearson for 3 of 10, as tabulated: (0.0667, 0.6525); mapped through 1 - (1 - p)^3.
    assert place.p1_interval == pytest.approx((0.066739, 0.652453), abs=1e-6)
    assert place.p3_interval == pytest.approx((1 - (1 - 0.066739) ** 3, 1 - (1 - 0.652453) ** 3), abs=1e-5)


def test_best_of_three():
    assert best_of(0.5) == 0.875 and best_of(0.0) == 0.0 and best_of(1.0) == 1.0


def test_normal_tail_with_continuity_correction():
    # mean 15, sd 7.07...: a count reaches 16 from 15.5 up, so the tail is P(Z >= 0.5 / sd).
    values = [10, 20]
    assert normal_tail(values, 15.5) == pytest.approx(0.5)
    assert normal_tail(values, 15 + 1.959964 * np.std(values, ddof=1) + 0.5) == pytest.approx(0.025, abs=1e-6)
