"""Which epoch of a network's run the reports quote: the last, the best on the test set, the one chosen
on the validation set.

The book quotes its network at its best epoch on the test images ("95.42 percent at its peak"): the
epoch is chosen on the very images it is then scored on, which flatters the figure. The honest choice
(the book's own, from chapter 3 on) is the epoch whose count on the validation images is highest,
scored on the test images. A run holds both per-epoch listings: `history`, the test counts the runner
scored, and `validation_history`, the counts of the estimator on the validation images it watched.
"""

from dataclasses import dataclass

import numpy as np

CHOSEN_ON_TEST = "chosen on the test set, as the book does"
CHOSEN_ON_VALIDATION = "chosen on the validation set"


def first_best(history):
    """The first epoch (0 first, as the book counts) with the highest count."""
    return int(np.argmax(history))


@dataclass(frozen=True)
class Epochs:
    """A run's test counts: after the last epoch, at its best epoch on the test set, and at the epoch
    with the best count on the validation set (None without a validation history)."""

    last: int
    best_on_test_epoch: int
    best_on_test: int
    chosen_epoch: int | None
    chosen: int | None

    @property
    def flattery(self):
        """How many more test images the best epoch on test counts than the epoch chosen on validation."""
        return None if self.chosen is None else self.best_on_test - self.chosen


def epochs(run):
    """The run's Epochs, or None for a run without a per-epoch test history."""
    history, validation = run.get("history"), run.get("validation_history")
    if not history:
        return None
    best = first_best(history)
    chosen = first_best(validation) if validation and len(validation) == len(history) else None
    return Epochs(last=history[-1], best_on_test_epoch=best, best_on_test=history[best], chosen_epoch=chosen,
                  chosen=None if chosen is None else history[chosen])


def record_epochs(record):
    """The Epochs of each of the record's runs that has a test history, in order of seed."""
    return [found for found in map(epochs, record["runs"]) if found is not None]
