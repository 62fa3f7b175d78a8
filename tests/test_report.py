"""The report's words for how a classifier varies with its seed."""

from reports.render.report import seed_spread
from tests.records import synthetic_record


def test_seed_spread_in_words():
    assert seed_spread(synthetic_record("network", [9500, 9520, 9510])) == "3 seeds: 9,500-9,520, sd 10.0"
    assert seed_spread(synthetic_record("network", [9500])) == "1 seed (0): no spread measured"  # not "1 seeds"
    assert seed_spread(synthetic_record("darkness", [2225], stochastic=False)) == "deterministic"
    assert seed_spread(synthetic_record("knn", [9000, 9000])) == "deterministic: seeds 0 and 1 predict alike"
