"""Failure signs of a run, and the book's listings read against the test set's digit counts."""

import numpy as np

from reports.render.failures import diagnose, digit_counts, one_answer_epochs
from tests.records import MNIST_TEST_COUNTS


def test_a_listing_count_equal_to_a_digits_test_count_names_that_digit():
    labels = np.repeat(np.arange(10), MNIST_TEST_COUNTS)
    assert digit_counts(labels)[9] == 1009
    listing = {0: 1009, 1: 1009, 2: 1009, 3: 1009, 27: 982, 28: 982, 29: 982}
    assert one_answer_epochs(listing, labels) == [(9, 1009, [0, 1, 2, 3]), (4, 982, [27, 28, 29])]
    assert one_answer_epochs({0: 1139, 1: 1136, 2: 1135, 29: 2142}, labels) == [(1, 1135, [2])]
    assert one_answer_epochs({28: 9542}, labels) == []


def test_a_collapsed_run_answers_one_digit():
    confusion = np.zeros((3, 3), dtype=int)
    confusion[:, 2] = 4  # four images of each digit, every one answered 2
    found = diagnose({"confusion": confusion.tolist(), "classes": [0, 1, 2]})
    assert found.collapsed and found.fails and found.rare == [0, 1] and found.saturated == []
