"""Which epoch a report quotes: the last, the best on the test set, and the one chosen on validation."""

from reports.render.chapter import epoch_choice_rows, flattery_lines
from reports.render.epochs import epochs
from tests.records import synthetic_record


def test_the_epoch_is_chosen_on_the_validation_history_and_scored_on_the_test_history():
    run = {"history": [9100, 9560, 9500, 9530], "validation_history": [9200, 9400, 9650, 9650]}
    found = epochs(run)
    assert (found.last, found.best_on_test_epoch, found.best_on_test) == (9530, 1, 9560)
    assert (found.chosen_epoch, found.chosen, found.flattery) == (2, 9500, 60)  # the first of two tied epochs


def test_without_a_validation_history_only_the_test_measures_exist():
    found = epochs({"history": [10, 30, 20], "validation_history": None})
    assert (found.last, found.best_on_test, found.chosen, found.flattery) == (20, 30, None, None)
    assert epochs({"history": None}) is None and epochs({"history": []}) is None


def test_the_chapter_says_how_much_choosing_on_test_flatters_from_the_numbers():
    histories = [[9400, 9500, 9450], [9400, 9480, 9490], [9300, 9520, 9420]]
    network = synthetic_record("network", [h[-1] for h in histories], histories)
    for run, validation in zip(network["runs"], [[1, 3, 2], [1, 2, 3], [1, 2, 3]]):
        run["validation_history"] = validation  # seed 0 chooses epoch 1, the others epoch 2
    # best on test minus chosen on validation: 9500-9500 = 0, 9490-9490 = 0, 9520-9420 = 100
    [row] = epoch_choice_rows([network])
    assert row == ["network", "3", "9,453.3 (9,420-9,490)", "9,503.3 (9,490-9,520)", "2", "9,470 (9,420-9,500)",
                   "33.3 (0-100)"]
    [line] = flattery_lines([network])
    assert line == ("- **network**: 33.3 test images on average over 3 seeds, from 0 to 100 (for 2 of them, "
                    "the epoch chosen on validation is as good on test).")
