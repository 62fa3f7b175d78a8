"""The report's statistics against values worked out by hand."""

import numpy as np
import pytest

from reports.render.stats import mcnemar_exact, spread, wilson_interval


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
