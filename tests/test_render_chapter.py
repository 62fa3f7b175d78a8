"""Chapter 1 reproduced: verdicts, the book's measures, and measured explanations of failed runs."""

import copy
import dataclasses

import numpy as np
import pytest
from sklearn.datasets import load_digits

from network import NetworkClassifier
from reports.render.book import BOOK
from reports.render.chapter import experiment_row, failure_lines, measure, render_chapter, verdict
from reports.render.records import record
from reports.runner.evaluate import evaluate
from reports.runner.experiments import BY_NAME


def test_verdict_says_inside_or_by_how_much_outside():
    assert verdict(9542, 9500, 9555, "best epoch") == "inside our range"
    assert verdict(9659, 8800, 9650, "best epoch") == "outside: 9 above our best"
    assert verdict(982, 1000, 1135, "last epoch") == "outside: 18 below our worst"
    assert verdict(9850, 9800, 9845, "at least") == "reached by no run (5 short)"
    assert verdict(9850, 9800, 9851, "at least") == "reached by some run"


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
    assert "2 of 3 runs fail (median 50 correct, against 100 for the others)" in text
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
    for name in ("darkness", "network", "network-eta100"):
        experiment = BY_NAME[name]
        if experiment.stochastic:  # fewer epochs: the digits are small and the test is about the report
            experiment = dataclasses.replace(experiment, params=dict(experiment.params, epochs=5))
        runs = [evaluate(experiment, seed, dataset, quiet=True) for seed in range(3 if experiment.stochastic else 1)]
        records.append(record(runs))
    return records


def test_chapter_report_has_every_row_and_the_figure(digit_records, tmp_path):
    table = render_chapter(copy.deepcopy(digit_records), tmp_path / "chapter1.md", tmp_path / "figures", "make chapter")
    text = (tmp_path / "chapter1.md").read_text()
    for name in ("darkness", "network", "network-eta100"):
        assert f"| {name} " in text
    assert "best of 3" in text and "verdict" in table
    assert (tmp_path / "figures" / "chapter1-epochs.png").read_bytes()[:4] == b"\x89PNG"
    assert "## Runs that fail, and why" in text
    assert (tmp_path / "chapter1-summary.md").is_file()


def test_row_of_a_deterministic_classifier(digit_records):
    row = experiment_row(digit_records[0])
    assert row[0] == "darkness" and row[6] == 1 and row[7] == "-"
