"""Verdict words against the rules of reports/render/verdicts.py, on seed distributions made up to hit
each rule."""

from reports.render.book import BOOK
from reports.render.verdicts import deterministic_verdict, seed_verdict


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


def test_a_figure_beyond_every_seed_gets_a_bound_not_an_estimate():
    assert seed_verdict([9510] * 10, 9542, "best epoch") == "above every run we made (best of 3: below 59% at 95%)"
    assert seed_verdict([1100] * 10, 982, "last epoch") == "below every run we made (one run: below 26% at 95%)"


def test_lucky_low_and_typical():
    # 1 of 20 seeds reaches it: p3 = 1 - 0.95^3 = 0.143, below 1/5: about 1 in 7.
    assert seed_verdict([9500] * 19 + [9550], 9542, "best epoch") == "lucky: about 1 in 7"
    # 2 of 10 reach it: p3 = 1 - 0.8^3 = 0.488: typical, though above our median.
    assert seed_verdict([9500] * 8 + [9550, 9560], 9542, "best epoch") == "typical"
    # 1 of 10 scores this low or lower: one run in 10.
    assert seed_verdict([982] + [1100] * 9, 982, "last epoch") == "low: about 1 in 10"
    assert seed_verdict([1000, 1010, 990, 1005, 995], 1000, "final") == "typical"


def test_a_lower_bound_below_every_seed_is_simply_reached():
    assert seed_verdict([9860] * 5, 9851, "at least") == "typical"
