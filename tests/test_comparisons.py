"""Verdicts between classifiers: each pair over all its seeds, Holm within the family the report asks
about, so that adding a plug-in never changes a verdict between built-ins."""

import pytest

from reports.render.comparisons import compare, family_pairs
from reports.render.stats import holm
from tests.records import synthetic_record


def builtins():
    # darkness (one run) against network (three seeds, 45-75 images better): p near 0.02, significant
    # among three built-in pairs, but not if it had to share a correction with every plug-in's pairs.
    return [synthetic_record("darkness", [9500], stochastic=False), synthetic_record("network", [9555, 9565, 9575]),
            synthetic_record("random", [1000, 1010, 990])]


def plugins():
    return [synthetic_record("knn", [9520], stochastic=False), synthetic_record("mlp", [9520, 9560])]


def test_each_pair_falls_in_the_family_of_the_question_it_answers():
    names = {family: [(a["name"], b["name"]) for a, b in pairs]
             for family, pairs in family_pairs(builtins() + plugins()).items()}
    assert names == {
        "built-ins": [("darkness", "network"), ("darkness", "random"), ("network", "random")],
        "plug-ins against built-ins": [("knn", "darkness"), ("knn", "network"), ("knn", "random"),
                                       ("mlp", "darkness"), ("mlp", "network"), ("mlp", "random")],
        "plug-ins among themselves": [("knn", "mlp")]}


def test_adding_plugins_changes_no_verdict_between_builtins():
    alone = compare(builtins())
    with_plugins = compare(builtins() + plugins())
    assert [pair for pair in with_plugins if pair.family == "built-ins"] == alone
    darkness_network = alone[0]
    assert darkness_network.verdict == "network is better"
    # The rule matters: one correction over every row, as before, would have taken that verdict away.
    everything = holm([pair.comparison.p_value for pair in with_plugins])
    assert everything[0] >= 0.05 > darkness_network.p_holm


def test_holm_is_applied_within_a_family_and_verdicts_name_the_better_one():
    pairs = compare(builtins())
    assert [pair.p_holm for pair in pairs] == pytest.approx(holm([pair.comparison.p_value for pair in pairs]))
    assert [pair.verdict for pair in pairs] == ["network is better", "darkness is better", "network is better"]
    assert pairs[0].comparison.difference == pytest.approx((9500 - 9565) / 10_000)
    assert (pairs[0].comparison.runs_a, pairs[0].comparison.runs_b) == (1, 3)
    knn_mlp = [pair for pair in compare(builtins() + plugins()) if pair.family == "plug-ins among themselves"]
    assert [pair.verdict for pair in knn_mlp] == ["no significant difference"]


def test_a_pair_gets_the_same_numbers_whichever_is_listed_first():
    darkness, network = builtins()[:2]
    forward, backward = compare([darkness, network])[0], compare([network, darkness])[0]
    assert (backward.a, backward.b) == ("network", "darkness")
    assert backward.comparison.difference == pytest.approx(-forward.comparison.difference)
    assert backward.comparison.interval == pytest.approx((-forward.comparison.interval[1],
                                                          -forward.comparison.interval[0]))
    assert (backward.p_holm, backward.verdict) == (forward.p_holm, forward.verdict)
