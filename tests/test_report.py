"""The report's words for how a classifier varies with its seed."""

from reports.render.report import seed_spread
from tests.records import synthetic_record


def test_seed_spread_in_words():
    assert seed_spread(synthetic_record("network", [9500, 9520, 9510])) == "3 seeds: 9,500-9,520, sd 10.0"
    assert seed_spread(synthetic_record("network", [9500])) == "1 seed (0): no spread measured"  # not "1 seeds"
    assert seed_spread(synthetic_record("darkness", [2225], stochastic=False)) == "deterministic"
    assert seed_spread(synthetic_record("knn", [9000, 9000])) == "deterministic: seeds 0 and 1 predict alike"


def test_a_network_whose_runs_form_groups_is_described_by_them_not_by_a_mean():
    from reports.render.report import main_table
    from reports.render.summaries import with_interval

    record = synthetic_record("network-100", [9660, 9670, 8000, 7000, 9100], [[9660], [9670], [8000], [7000], [9100]])
    for run in record["runs"][2:]:
        run["diagnostics"] = {"saturated_outputs": [3]}
    assert seed_spread(record) == "5 seeds, 3 fail (dead outputs): healthy 9,660-9,670, failing 7,000-9,100"
    _, (row,) = main_table([with_interval(record)])
    assert row[1] == "8,686 (mean of 2 groups)"
