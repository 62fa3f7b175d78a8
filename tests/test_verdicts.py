"""Verdict words against the rules of reports/render/verdicts.py, on seed distributions made up to hit
each rule."""

from reports.render.book import BOOK
import pytest

from reports.sequential import looks
from reports.render.verdicts import (confidence_of, one_in, percent, deterministic_verdict, expectation_verdict, n_looks, seed_verdict,
                                     spending)


def test_a_deterministic_classifier_reproduces_or_differs_by_a_count():
    assert deterministic_verdict(2225, 2225, "final") == "reproduced exactly"
    assert deterministic_verdict(9445, 9435, "final") == "differs by 10 (ours higher)"
    assert deterministic_verdict(9430, 9435, "final") == "differs by 5 (ours lower)"


def test_above_98_5_percent_means_9851_or_more():
    # "above 98.5 percent" of 10,000: more than 9,850, so the smallest such count is 9,851.
    assert BOOK["svc-tuned"].correct == BOOK["svc-mueller"].correct == 985 * 10_000 // 1000 + 1
    assert BOOK["svc-tuned"].printed == "≥ 9,851"
    assert deterministic_verdict(9850, 9851, "at least") == "not reached: 1 short"
    assert deterministic_verdict(9851, 9851, "at least") == "reached"
    assert deterministic_verdict(9845, 9851, "at least") == "not reached: 6 short"


def test_no_seed_reaching_the_figure_is_lucky_only_once_the_seeds_bound_the_chance_below_1_in_5():
    # 0 of 10 at 95% (two-sided): one run below 1 - 0.025^(1/10) = 31%, the best of 3 below 67%: undecided.
    # Above every run is not "consistent with our runs": the verdict says so, and which interval straddles.
    assert seed_verdict([9510] * 10, 9542, "best epoch", 3, 0.95) == (
        "undecided at 10 seeds: above all 10 of our runs; the best of 3 reaches it with chance 0%-67% (two-sided, "
        "95%), which 10 seeds cannot place above or below 1 in 5")
    # 0 of 80 at 99%: one run below 1 - 0.005^(1/80) = 6.4%, the best of 3 below 18%: decided.
    assert seed_verdict([9510] * 80, 9542, "best epoch", 3, 0.99) == (
        "lucky: no seed of 80 reaches it; the best of 3 does with chance below 18% (upper end of the two-sided "
        "99% interval)")
    assert seed_verdict([1100] * 40, 982, "last epoch", 3, 0.95) == (
        "low: no seed of 40 scores this low; one run does with chance below 9% (upper end of the two-sided 95% "
        "interval)")


def test_lucky_low_consistent_and_undecided():
    # 1 of 100 reaches it: the best of 3, 3.0%, within (0.08%, 15%) at 95%: about 1 in 34.
    assert seed_verdict([9500] * 99 + [9550], 9542, "best epoch", 3, 0.95) == (
        "lucky: about 1 in 34 (the best of 3; 0.08%-15% at 95%)")
    # 1 of 60 scores this low or lower: one run's chance 1.7% (0.04%-8.9%): about 1 in 60.
    assert seed_verdict([982] + [1100] * 59, 982, "last epoch", 3, 0.95) == "low: about 1 in 60 (one run; 0.04%-9% at 95%)"
    # Half of 40 reach it: both chances far above 1 in 5.
    assert seed_verdict([9500] * 20 + [9550] * 20, 9542, "best epoch", 3, 0.99) == "consistent with our runs"
    # 2 of 10 reach it: the best of 3's interval straddles 1 in 5. The data cannot tell, so the verdict says
    # only what that interval shows, never "consistent with our runs".
    assert seed_verdict([9500] * 8 + [9550, 9560], 9542, "best epoch", 3, 0.95) == (
        "undecided at 10 seeds: the best of 3 reaches it with chance 7%-91% (two-sided, 95%), which 10 seeds "
        "cannot place above or below 1 in 5")
    # 6 of 10 score it or lower, 4 reach it: it is one run's low side that straddles 1 in 5, and the verdict says that.
    assert seed_verdict([9500] * 6 + [9550] * 4, 9542, "best epoch", 3, 0.99) == (
        "undecided at 10 seeds: one run scores this low or lower with chance 19.1%-92% (two-sided, 99%), which "
        "10 seeds cannot place above or below 1 in 5")
    for undecided, confidence in (([9500] * 8 + [9550, 9560], 0.95), ([9500] * 6 + [9550] * 4, 0.99),
                                  ([9510] * 10, 0.95)):
        assert "consistent" not in seed_verdict(undecided, 9542, "best epoch", 3, confidence)


def test_a_percentage_near_the_threshold_keeps_a_decimal_and_one_in_n_two_figures():
    assert percent(0.196) == "19.6%" and percent(0.204) == "20.4%" and percent(0.18) == "18%"
    assert one_in(1 / 151) == "150" and one_in(1 / 34.4) == "34" and one_in(1 / 1234) == "1,200"


def test_a_lower_bound_has_no_low_side():
    assert seed_verdict([9860] * 20, 9851, "at least", 1, 0.95) == "consistent with our runs"


def test_an_expectation_is_set_beside_our_mean_and_its_t_interval():
    said = expectation_verdict([990, 1010, 1000, 995, 1005], 1000)
    # mean 1000, sd 7.9, t(4) 2.776: half-width 2.776 * 7.906 / sqrt(5) = 9.8
    assert said == "consistent: our mean 1,000.0, 95% two-sided t interval over 5 seeds 990.2-1,009.8, covers the expected 1,000"
    assert expectation_verdict([950, 960, 955], 1000).startswith("differs: our mean 955.0")


def test_the_error_is_spent_over_the_looks_the_cap_plans():
    assert n_looks(looks(160)) == 5 and n_looks(looks(160), sequential=False) == 1
    # 79 seeds, one of 80 failed: the rule still looked at each of its 5 planned counts, 99% each.
    assert confidence_of(looks(160)) == pytest.approx(0.99)
    assert confidence_of(looks(40)) == pytest.approx(1 - 0.05 / 3)
    assert "Bonferroni: 99% two-sided each" in spending(160, looks(160))
    # A least count of 80: the looks below it are no looks, two remain, 97.5% each.
    assert "2 planned looks at 80, 160 seeds" in spending(80, looks(160, least=80))
