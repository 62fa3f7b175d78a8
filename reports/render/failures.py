"""How a network fails, measured on its test predictions: digits it (almost) never answers, saturated
output neurons, and collapse onto one answer, whose score is then exactly one digit's test count.

The last fact also reads the book's own listings: a printed "Epoch j: n / 10000" whose n equals
the number of test images of one digit is what a network that answers that digit for every image
prints. The counts per digit come from the runs' test labels, never typed in.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Diagnosis:
    """One run's failure signs: `rare`, digits answered less than half as often as they occur;
    `saturated`, its saturated output neurons; `answered`, how often each class is answered."""

    rare: list
    saturated: list
    answered: list

    @property
    def fails(self):
        return bool(self.rare or self.saturated)

    @property
    def collapsed(self):
        """True when the run gives one answer for every image."""
        return np.count_nonzero(self.answered) == 1


def diagnose(run):
    """The failure signs of a derived run (it has `confusion`, `classes`, maybe `diagnostics`)."""
    answered = np.sum(run["confusion"], axis=0)  # column sums: how often each digit is answered
    occurring = np.sum(run["confusion"], axis=1)  # row sums: how often it is the true digit
    rare = [c for c, a, o in zip(run["classes"], answered, occurring) if a < o / 2]
    saturated = (run.get("diagnostics") or {}).get("saturated_outputs", [])
    return Diagnosis(rare, list(saturated), answered.tolist())


def failing_seeds(record):
    """The seeds of a record's runs that fail, in order (empty for a classifier without a history)."""
    return [run["seed"] for run in sorted(record["runs"], key=lambda r: r["seed"])
            if run.get("history") and diagnose(run).fails]


def digit_counts(test_labels):
    """{digit: its number of test images}."""
    digits, counts = np.unique(np.asarray(test_labels), return_counts=True)
    return dict(zip(digits.tolist(), counts.tolist()))


def one_answer_epochs(listing, test_labels):
    """The epochs of a listing {epoch: correct} whose count equals one digit's number of test images,
    grouped as [(digit, count, [epochs])] in order of first epoch."""
    by_count = {count: digit for digit, count in digit_counts(test_labels).items()}
    groups = {}
    for epoch in sorted(listing):
        digit = by_count.get(listing[epoch])
        if digit is not None:
            groups.setdefault(digit, []).append(epoch)
    return [(digit, listing[epochs[0]], epochs) for digit, epochs in groups.items()]


def dead_output_groups(record):
    """The record's runs grouped by how many output neurons ended saturated ("dead"), the measured
    cause of a network's failures: {number of dead outputs: [runs]}, fewest first. Empty for a record
    whose runs carry no network diagnostics."""
    if not any((run.get("diagnostics") or {}).get("saturated_outputs") is not None for run in record["runs"]):
        return {}
    groups = {}
    for run in record["runs"]:
        groups.setdefault(len(diagnose(run).saturated), []).append(run)
    return dict(sorted(groups.items()))
