"""Chapter 1 reproduced: verdicts, the book's measures, and measured explanations of failed runs."""

import copy
import dataclasses

import numpy as np
import pytest
from sklearn.datasets import load_digits

from network.classifier import NetworkClassifier
from reports.render.book import BOOK
from reports.render.chapter import experiment_row, failure_lines, measure, note, seeds_lines, verdict_rules
from reports.render.summaries import summary
from reports.render.write import write_report
from reports.runner.evaluate import evaluate
from reports.runner.experiments import BY_NAME
from reports.sequential import looks
from tests.records import runs_of, synthetic_record


def test_measure_takes_the_best_epoch_only_where_the_book_did():
    run = {"correct": 9500, "history": [9100, 9560, 9500]}
    assert measure(run, "best epoch") == 9560
    assert measure(run, "last epoch") == 9500 and measure(run, "final") == 9500


def test_every_book_figure_has_a_known_measure_and_listings_end_where_the_figure_is():
    assert set(BOOK) == set(BY_NAME)  # every experiment is described, and nothing else
    for book in BOOK.values():
        assert book.measure in {"final", "best epoch", "last epoch", "at least"}
        if book.epochs and book.measure == "last epoch":
            assert book.epochs[max(book.epochs)] == book.correct
        if book.epochs and book.measure == "best epoch":
            assert max(book.epochs.values()) == book.correct


def fake_run(seed, predictions, truth, history):
    classes = list(range(10))
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (truth, predictions), 1)
    return {"seed": seed, "classes": classes, "confusion": confusion.tolist(), "n_test": len(truth),
            "test_labels": truth.tolist(),
            "correct": int(np.sum(predictions == truth)), "history": history,
            "diagnostics": {"saturated_outputs": sorted(set(classes) - set(predictions.tolist()))}}


def test_failure_lines_name_the_digits_a_stuck_network_never_answers():
    truth = np.repeat(np.arange(10), 10)
    healthy = fake_run(0, truth.copy(), truth, [90, 100])
    missing_three = truth.copy()
    missing_three[truth == 3] = 5
    collapsed = np.full(100, 9)
    record = {"name": "network-eta100", "n_test": 100,
              "runs": [healthy, fake_run(1, missing_three, truth, [80, 90]), fake_run(2, collapsed, truth, [10, 10])]}
    text = "\n".join(failure_lines(record))
    assert "2 of 3 runs fail (median last-epoch count 50, against 100 for the others)" in text
    assert ("seed 1: 90 correct; saturated output neurons: 3; digits answered less than half as often as they "
            "occur: 3 (never: 3); answers 5 for 20.0% of the images.") in text
    assert "1 run collapsed onto one answer (digit 9: 1 run)" in text
    assert "exactly that digit's number of test images (10 for 9)" in text


def test_a_healthy_network_is_said_to_be_healthy():
    truth = np.repeat(np.arange(10), 10)
    record = {"name": "network", "n_test": 100, "runs": [fake_run(0, truth.copy(), truth, [100])]}
    assert "no run failed" in failure_lines(record)[0]


def test_a_diverging_network_reports_its_saturated_output_neurons():
    digits = load_digits()
    X, y = digits.data / 16, digits.target
    clf = NetworkClassifier(epochs=3, eta=100.0, random_state=0).fit(X, y)
    saturated = clf.diagnose(X)["saturated_outputs"]
    assert len(saturated) >= 8 and set(saturated) <= set(range(10))


@pytest.fixture(scope="module")
def digit_records(digits_mnist):
    dataset = digits_mnist
    records = []
    for name in ("darkness", "network", "network-0-hidden", "network-eta100"):
        experiment = BY_NAME[name]
        if experiment.stochastic:  # fewer epochs: the digits are small and the test is about the report
            experiment = dataclasses.replace(experiment, params=dict(experiment.params, epochs=5))
        runs = [evaluate(experiment, seed, dataset, quiet=True) for seed in range(3 if experiment.stochastic else 1)]
        records.append(summary(runs))
    return records


def test_chapter_report_has_every_row_and_the_figure(digit_records, tmp_path):
    table = write_report("chapter", runs_of(copy.deepcopy(digit_records)), tmp_path / "chapter1.md",
                         tmp_path / "figures", "make chapter", rendered_at="abc").table
    text = (tmp_path / "chapter1.md").read_text()
    for name in ("darkness", "network", "network-0-hidden", "network-eta100"):
        assert f"| {name} " in text
    assert "best of 3" in text and "verdict" in table
    for png in ("chapter1-epochs.png", "chapter1-book.png"):
        assert (tmp_path / "figures" / png).read_bytes()[:4] == b"\x89PNG"
    assert "## Runs that fail, and why" in text
    assert (tmp_path / "chapter1-summary.md").is_file()


def test_the_chapters_csvs_hold_every_run_of_its_table_and_are_documented(digit_records, tmp_path):
    import csv
    from pathlib import Path

    write_report("chapter", runs_of(copy.deepcopy(digit_records)), tmp_path / "chapter1.md", tmp_path / "figures",
                 "make chapter", rendered_at="abc")
    with open(tmp_path / "chapter-runs.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    text = (tmp_path / "chapter1.md").read_text(encoding="utf-8")
    for record in digit_records:  # the table's seeds column, and each run's count, from the same runs
        mine = [row for row in rows if row["classifier"] == record["name"]]
        assert f"| {record['name']} " in text and len(mine) == len(record["runs"])
        assert [int(row["correct"]) for row in mine] == [run["correct"] for run in record["runs"]]
    with open(tmp_path / "chapter-epochs.csv", newline="", encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == sum(len(run.get("history") or []) for r in digit_records
                                                        for run in r["runs"])
    assert not (tmp_path / "runs.csv").exists()  # the report's own tables are left alone
    docs = (Path(__file__).parents[1] / "docs" / "results-files.md").read_text(encoding="utf-8")
    assert "chapter-runs.csv" in docs and "chapter-epochs.csv" in docs
    assert "- Test images used only for scoring: no classifier's fit was given a test image" in text
    assert "## Which epoch: chosen on the test set, or on the validation set" in text
    flattered = text.split("flattered the figures by:")[1]
    assert "test images on average over" in flattered
    exercise = next(line for line in text.splitlines() if line.startswith("| network-0-hidden "))
    assert exercise.rstrip(" |").endswith("the book asks, prints no figure")


def test_the_exercise_has_our_figures_beside_the_network(digit_records):
    exercise, network = experiment_row(digit_records[2]), experiment_row(digit_records[1])
    assert exercise[2] == "-" and exercise[3] != "-" and exercise[-1] == "the book asks, prints no figure"
    assert network[2] == "9,542"


def test_row_of_a_deterministic_classifier(digit_records):
    row = experiment_row(digit_records[0])
    assert row[0] == "darkness" and row[6:10] == ["-", "-", "-", "-"] and row[-1].startswith("differs by ")


def test_the_tuned_svc_rows_say_their_training_set_and_the_bound_of_9851():
    tuned = synthetic_record("svc-tuned", [9850], stochastic=False)
    mueller = synthetic_record("svc-mueller", [9851], n_train=60_000, stochastic=False)
    tuned_row, mueller_row = experiment_row(tuned, True), experiment_row(mueller, True)
    assert tuned_row[:4] == ["svc-tuned", "50,000", "at least", "≥ 9,851"]
    assert tuned_row[-1] == "not reached: 1 short"
    assert mueller_row[:2] == ["svc-mueller", "60,000"] and mueller_row[-1] == "reached"


def test_network_100_states_its_measure_as_an_assumption_and_shows_both_epochs():
    histories = [[9000, 9660, 9650], [7000, 8100, 8000]]
    network = synthetic_record("network-100", [h[-1] for h in histories], histories)
    assert experiment_row(network)[1] == "best epoch (assumed)"
    text = "\n".join(note(network))
    assert "we assume its 96.59% is a best epoch" in text
    assert "best epochs median 8,880, range 8,100-9,660; last epochs median 8,825, range 8,000-9,650" in text
    assert '"some training runs give results quite a bit worse"' in text


def test_the_books_listing_is_explained_by_the_digit_counts_beside_our_collapsed_runs():
    collapsed = synthetic_record("network-eta100", [1009], [[1009, 1009]], answer=9)
    text = "\n".join(failure_lines(collapsed))
    assert "1 run collapsed onto one answer (digit 9: 1 run)" in text
    assert ("The book's own listing: epochs 0-3 print 1,009, exactly the number of 9s among the test images; "
            "epochs 27-29 print 982, exactly the number of 4s among the test images.") in text
    assert ("the book's run had collapsed onto 9 at epochs 0-3 and onto 4 at epochs 27-29, as 1 of our runs did at "
            "the end (seed 0).") in text


def test_the_books_listing_is_read_digit_by_digit(monkeypatch):
    # 9s' count printed at two epochs, 4s' at one: only the repeated count says the run collapsed.
    monkeypatch.setitem(BOOK, "network-eta100", dataclasses.replace(
        BOOK["network-eta100"], epochs={0: 1009, 1: 1009, 2: 5000, 3: 982}))
    text = "\n".join(failure_lines(synthetic_record("network-eta100", [5000], [[5000, 5000]])))
    assert "the book's run had collapsed onto 9 at epochs 0-1." in text
    assert "The count of 4s at epoch 3 alone can be chance." in text and "onto 4" not in text


def test_the_verdict_of_a_seed_dependent_figure_uses_the_books_measure():
    histories = [[9400, 9500 + k, 9490] for k in range(10)]  # best epochs 9,500-9,509, none reaches 9,542
    network = {**synthetic_record("network", [h[-1] for h in histories], histories), "looks": looks(160)}  # the request's
    row = experiment_row(network)
    # 10 seeds is the first of the network's 5 planned looks (cap 160): 99% two-sided. 0 of 10: one run
    # below 1 - 0.005^(1/10) = 41%, the best of 3 below 1 - 0.59^3 = 80%.
    assert row[6:10] == ["above all 10", "0 of 10", "best of 3: 0% (0%-80%) at 99%", "100% (59%-100%) at 99%"]
    assert row[-1].startswith("undecided at 10 seeds: above all 10 of our runs; the best of 3 reaches it with chance "
                              "0%-80% (two-sided, 99%)")
    text = "\n".join(note(network))
    assert "If best epochs were normally distributed" in text and "Student's t with 9 degrees of freedom" in text


def test_a_failed_run_leaves_the_looks_planned_and_is_counted_among_the_seeds():
    # The rule looked at 10, 20, 40 and 80 seeds of 160 planned; one run of 80 failed: 79 are left, and
    # each interval keeps the 99% of 5 looks, not the 95% of one.
    histories = [[9400, 9500 + k % 30, 9490] for k in range(79)]
    network = {**synthetic_record("network", [h[-1] for h in histories], histories), "looks": looks(160), "failed": 1}
    row = experiment_row(network)
    assert row[3] == "79 of 80 (1 failed)" and row[8].endswith("at 99%")
    (line,) = seeds_lines([network])
    assert line.startswith("- **network**: 79 of 80 seeds (1 failed); ") and "5 planned looks at 10, 20, 40, 80, 160" in line
    assert "decided at 79" in line


def test_the_error_is_said_per_experiment_and_over_the_experiments_the_rule_decides():
    records = [synthetic_record(name, [9500] * 3, [[9500]] * 3) for name in ("network", "network-100")]
    records.append(synthetic_record("random", [1000] * 3))  # an expectation: not decided by the rule
    text = " ".join(verdict_rules(records))
    assert "each look's two intervals" in text and "within 5%" in text
    assert "over the 2 experiments decided this way it can reach 2 x 5% = 10%" in text
    assert "the verdict holds only as far as that does" in text


def test_a_verdict_says_how_many_runs_fail():
    histories = [[9000, 9665, 9660], [9000, 9670, 9665]] + [[7000, 8000, 8000]] * 3
    network = synthetic_record("network-100", [h[-1] for h in histories], histories)
    for run in network["runs"][2:]:
        run["diagnostics"] = {"saturated_outputs": [3]}
    # 2 of 5 reach 9,659: p3 = 1 - 0.6^3 = 0.784, but 5 seeds' interval reaches below 1 in 5.
    verdict = experiment_row(network)[-1]
    assert verdict.startswith("undecided at 5 seeds") and verdict.endswith("; 3 of 5 runs fail")
    # No mean of two groups: each group's runs and counts by the book's measure (best epochs).
    assert experiment_row(network)[4] == ("0 dead outputs: 2 runs, median 9,667.5 (9,665-9,670); "
                                          "1 dead output: 3 runs, median 8,000 (8,000-8,000)")


def test_a_figure_common_among_runs_that_all_fail_says_so_without_a_contradiction():
    # Every run collapses onto 4s and scores their 982 images, as the book's eta = 100 run printed.
    network = synthetic_record("network-eta100", [982] * 4, [[1009, 982]] * 4, answer=4)
    assert all(run["correct"] == 982 for run in network["runs"])
    assert experiment_row(network)[-1] == "consistent with our runs; all 4 of our runs fail"


def test_the_chapters_exercise_is_in_the_chapter_plan_with_the_chapters_training_settings():
    from reports.runner.experiments import experiments_of
    chapter = {experiment.name: experiment for experiment in experiments_of("chapter")}
    exercise, network = chapter["network-0-hidden"], chapter["network"]
    assert exercise.params == {**network.params, "hidden_sizes": ()} and exercise.stochastic
    assert list(chapter).index("network-0-hidden") == list(chapter).index("network") + 1  # beside it, for contrast
