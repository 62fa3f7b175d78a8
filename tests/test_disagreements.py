"""The disagreement figure: which pairs, which images, and a report that says why when it cannot draw."""

import numpy as np
import pytest

from data import DataError
from data.mnist import SHA256
from reports.publish import load_test_images
from reports.render import disagreements
from reports.render.disagreements import choose_pairs, disagreeing, disagreement_figure, section, side_of
from reports.render.summaries import summary
from reports.render.comparisons import compare
from tests.records import runs_of


@pytest.fixture
def truth(digits_mnist):
    return digits_mnist.test.labels


def wrong_at(truth, indices):
    """The true labels, except one off at `indices`."""
    predictions = truth.copy()
    predictions[list(indices)] = (truth[list(indices)] + 1) % 10
    return predictions


def fake_record(name, truth, *predictions, sha=SHA256):
    """A record of one run per predictions given (seeds 0, 1, ... if more than one)."""
    stochastic = len(predictions) > 1
    return summary([{"name": name, "factory": f"tests:{name}", "params": {}, "stochastic": stochastic,
                    "seed": seed if stochastic else None, "training_set": "train", "data_sha256": sha,
                    "n_train": 1200, "n_test": len(truth), "classes": list(range(10)),
                    "predictions": p.tolist(), "test_labels": truth.tolist(), "fit_seconds": 0.0,
                    "predict_seconds": 0.0, "history": None} for seed, p in enumerate(predictions)])


def test_the_images_shown_are_exactly_those_one_gets_right_and_the_other_wrong(truth):
    a, b = wrong_at(truth, [3, 10, 50]), wrong_at(truth, [10, 20, 30, 40])
    b[10] = (truth[10] + 2) % 10  # both wrong, with different answers: shown on neither side
    chosen, total = disagreeing(truth, a, b)
    assert chosen.tolist() == [20, 30, 40] and total == 3
    chosen, total = disagreeing(truth, b, a)
    assert chosen.tolist() == [3, 50] and total == 2


def test_many_disagreements_are_sampled_with_a_fixed_seed_and_shown_in_test_order(truth):
    b = wrong_at(truth, range(0, 500, 5))
    chosen, total = disagreeing(truth, truth, b)
    assert total == 100 and len(chosen) == disagreements.PER_PANEL
    assert set(chosen) <= set(range(0, 500, 5)) and list(chosen) == sorted(chosen)
    assert chosen.tolist() == disagreeing(truth, truth, b)[0].tolist()  # the same images every time
    assert chosen.max() > 100  # drawn from all of them, not the first in test order


def test_the_side_of_the_images_comes_from_their_number_of_pixels():
    assert side_of(np.zeros((2, 784))) == 28 and side_of(np.zeros((2, 64))) == 8
    with pytest.raises(ValueError, match="not square"):
        side_of(np.zeros((2, 50)))


def test_the_figure_is_a_png_even_when_one_side_has_no_image(digits_mnist, truth, tmp_path):
    a, b = wrong_at(truth, [1]), wrong_at(truth, range(40))
    for name, (p, q) in {"both": (a, b), "one-sided": (truth, b)}.items():
        path = disagreement_figure(digits_mnist.test.images, truth, ("A", p), ("B", q), tmp_path / f"{name}.png")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pairs_are_the_two_best_then_significant_ones_closest_first_and_at_most_three():
    names = ["w", "x", "y", "z"]  # best first
    significant = {("w", "y"): 0.30, ("w", "z"): 0.08, ("x", "y"): 0.05, ("y", "z"): -0.06}
    assert choose_pairs(names, significant) == [
        ("w", "x", "the two best"), ("x", "y", "significantly different"), ("y", "z", "significantly different")]
    assert [pair[:2] for pair in choose_pairs(names, significant, limit=10)] == [
        ("w", "x"), ("x", "y"), ("y", "z"), ("w", "z"), ("w", "y")]
    # The two best are drawn once, whether or not they differ significantly.
    assert choose_pairs(names, {("w", "x"): 0.01, **significant}, limit=2) == [
        ("w", "x", "the two best"), ("x", "y", "significantly different")]
    assert choose_pairs(["w"], {}) == []


def test_the_section_draws_each_pair_and_names_the_median_seed(digits_mnist, truth, tmp_path):
    # Seeds 0, 1, 2 get 30, 10 and 20 images wrong: the median run is seed 2.
    noisy = fake_record("noisy", truth, *(wrong_at(truth, range(n)) for n in (30, 10, 20)))
    good = fake_record("good", truth, wrong_at(truth, [100]))
    poor = fake_record("poor", truth, wrong_at(truth, range(300)))
    records = [poor, noisy, good]
    text = "\n".join(section(records, compare(records), tmp_path, "figures", images=digits_mnist.test.images)[0])
    assert "**good vs noisy (seed 2)**: the two best; only good is right on 20 images, only noisy on 1." in text
    assert "**noisy (seed 2) vs poor**: significantly different" in text
    for png in ("disagreements-good-vs-noisy.png", "disagreements-noisy-vs-poor.png",
                "disagreements-good-vs-poor.png"):
        assert f"(figures/{png})" in text and (tmp_path / png).read_bytes()[:4] == b"\x89PNG"


def test_without_the_images_the_section_says_why_in_one_line(truth, tmp_path, monkeypatch):
    records = [fake_record("a", truth, truth, sha="other"), fake_record("b", truth, wrong_at(truth, [1]), sha="other")]
    lines, _ = section(records, compare(records), tmp_path, "figures", *load_test_images(runs_of(records)))
    assert "No figure: the runs were not tested on the book's MNIST, whose images the figure would show." in lines

    def missing(**_):
        raise DataError("data/mnist.npz: missing; run `make data` first.")

    monkeypatch.setattr("data.mnist.load_test_split", missing)
    records = [fake_record("a", truth, truth), fake_record("b", truth, wrong_at(truth, [1]))]
    lines, _ = section(records, compare(records), tmp_path, "figures", *load_test_images(runs_of(records)))
    assert "No figure: the test images could not be read: data/mnist.npz: missing; run `make data` first." in lines
    assert not list(tmp_path.glob("*.png"))
