"""Where two classifiers disagree: the test images one gets right and the other wrong, as pictures.

Which pairs (at most MAX_PAIRS): the two classifiers with the most correct answers (mean over
seeds), then the pairs the report's comparisons call significantly different (reports/render/
comparisons.py), closest first (smallest difference in accuracy): a far-apart pair, random guessing
against anything, shows only what the tables already say. A stochastic classifier stands as its
median-seed run: one set of predictions must stand for it in a picture.

Which images: both directions, A right and B wrong, then B right and A wrong; in each, PER_PANEL
images drawn with a fixed seed from all such images (all of them if fewer), shown in test order
under their index, captioned with the true digit above and, in red, the wrong answer below (the right
answer is the true digit).

The run files hold predictions, not pixels: the test images are read from data/mnist.npz only
when this figure is drawn, and when they cannot be the report says why in one line instead.
"""


import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from data import DataError, load_mnist  # noqa: E402
from common.files import atomic_path  # noqa: E402
from data.mnist import SHA256  # noqa: E402
from reports.render.records import deterministic, median_run  # noqa: E402

MAX_PAIRS = 3
PER_PANEL = 12
COLUMNS = 6  # per panel: 12 images make a 2 x 6 grid
SAMPLE_SEED = 0


def ranking(records):
    """The records from most to fewest correct answers (mean over seeds); ties keep their order."""
    return sorted(records, key=lambda r: -r["summary"]["correct"]["mean"])


def choose_pairs(names, significant, limit=MAX_PAIRS):
    """The pairs to draw, as (A, B, why): the two best of `names` (ranked best first), then the pairs of
    `significant` ({(A, B): their difference in accuracy}, A ranked above B), smallest difference
    first, ties in ranking order; at most `limit` in all."""
    if len(names) < 2:
        return []
    position = {name: k for k, name in enumerate(names)}
    best = (names[0], names[1])
    closest = sorted((pair for pair in significant if pair != best),
                     key=lambda pair: (abs(significant[pair]), position[pair[0]], position[pair[1]]))
    chosen = [(*best, "the two best")] + [(*pair, "significantly different") for pair in closest]
    return chosen[:limit]


def disagreeing(truth, predicted_a, predicted_b, limit=PER_PANEL, seed=SAMPLE_SEED):
    """Indices of the images A gets right and B wrong: `limit` of them drawn with `seed` (all of them
    if fewer), ascending; and how many there are in all."""
    truth, predicted_a, predicted_b = map(np.asarray, (truth, predicted_a, predicted_b))
    where = np.flatnonzero((predicted_a == truth) & (predicted_b != truth))
    if len(where) <= limit:
        return where, len(where)
    return np.sort(np.random.default_rng(seed).choice(where, size=limit, replace=False)), len(where)


def side_of(images):
    """The side of the square images, from their number of pixels (28 for MNIST, 8 for the fixture)."""
    side = int(round(np.sqrt(images.shape[1])))
    if side * side != images.shape[1]:
        raise ValueError(f"images of {images.shape[1]} pixels are not square")
    return side


CAPTION_POINTS = 10.5  # at the saved size, which is about the width a page shows (no scaling down)
WRONG = "tab:red"


def disagreement_figure(images, truth, a, b, path):
    """Draw the disagreements of `a` and `b`, each (label, predictions), on the test `images` (one row
    of pixels per image) with labels `truth`; save to `path` and return it. One panel above the other:
    A right and B wrong, then B right and A wrong. Each image is captioned with its position and true
    digit above, and below it, in red, the wrong answer (the right one is the true digit)."""
    truth = np.asarray(truth)
    side = side_of(images)
    (label_a, predicted_a), (label_b, predicted_b) = a, b
    predicted_a, predicted_b = np.asarray(predicted_a), np.asarray(predicted_b)
    rows = -(-PER_PANEL // COLUMNS)
    fig = plt.figure(figsize=(1.5 * COLUMNS, 2 * (1.6 * rows + 0.45)))
    # Above the panels' own titles (the tight bounding box makes room for it).
    fig.suptitle(f"A = {label_a}\nB = {label_b}", y=1.07, fontsize=13)
    panels = [(predicted_a, predicted_b, "A right, B wrong", "B"), (predicted_b, predicted_a, "B right, A wrong", "A")]
    for subfig, (right, wrong, title, who) in zip(fig.subfigures(2, 1, hspace=0.02), panels):
        chosen, total = disagreeing(truth, right, wrong)
        subfig.suptitle(f"{title}: {len(chosen)} of {total:,} shown", fontsize=12, fontweight="bold")
        axes = list(subfig.subplots(rows, COLUMNS, squeeze=False, gridspec_kw={"hspace": 0.5}).flat)
        for ax in axes:
            ax.set_axis_off()
        for ax, i in zip(axes, chosen):
            # Ink is 1 in MNIST: the reversed grey map shows it dark on white, as it was written.
            ax.imshow(images[i].reshape(side, side), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(f"#{i}, true {truth[i]}", fontsize=CAPTION_POINTS, pad=3)
            ax.text(0.5, -0.06, f"{who} says {wrong[i]}", transform=ax.transAxes, ha="center", va="top",
                    fontsize=CAPTION_POINTS, color=WRONG, fontweight="bold")
        if total == 0:
            subfig.text(0.5, 0.45, "no such image", ha="center", fontsize=CAPTION_POINTS, color="0.4")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    plt.close(fig)
    return path


def load_test_images(records, truth):
    """(the test images the runs were scored on, None), or (None, why they cannot be had)."""
    if {r["data_sha256"] for r in records} != {SHA256}:
        return None, "the runs were not tested on the book's MNIST, whose images the figure would show"
    try:
        dataset = load_mnist(repair=False)
    except DataError as error:
        return None, f"the test images could not be read: {error}"
    if not np.array_equal(dataset.test.labels, truth):
        return None, "the test images of data/mnist.npz are not the ones the runs were scored on"
    return dataset.test.images, None


def _label(record, run):
    return record["name"] if deterministic(record) else f"{record['name']} (seed {run['seed']})"


def significant_pairs(ranked, comparisons):
    """{(A, B): |A - B|} for the pairs of `comparisons` (reports/render/comparisons.py) called
    significantly different, A ranked above B."""
    position = {r["name"]: k for k, r in enumerate(ranked)}
    return {tuple(sorted((pair.a, pair.b), key=position.get)): abs(pair.comparison.difference)
            for pair in comparisons if pair.significant}


def section(records, comparisons, figures_dir, relative, images=None):
    """The report's section on disagreements, as (markdown lines, the figures drawn), drawing its
    figures into `figures_dir` (linked as `relative`/NAME.png). `comparisons` are the report's pairs
    with their verdicts; `images`, the test images, are read from the data when not given."""
    ranked = ranking(records)
    truth = np.asarray(records[0]["runs"][0]["test_labels"])
    significant = significant_pairs(ranked, comparisons)
    pairs = choose_pairs([r["name"] for r in ranked], significant)
    if not pairs:
        return [], []
    lines = [
        "## Where two classifiers disagree", "",
        f"Test images that one classifier of a pair gets right and the other wrong, both ways: {PER_PANEL} of each "
        f"drawn at random with a fixed seed ({SAMPLE_SEED}) from all such images (all of them if fewer), shown in "
        "test order, captioned with their position in the test set (#0 first) and true digit above, and the "
        "wrong answer in red below. "
        "A stochastic classifier is shown by its median-seed run. "
        f"Pairs drawn, at most {MAX_PAIRS}: the two best, then the pairs called significantly different above, "
        "closest first (smallest difference in accuracy).",
        "",
    ]
    if images is None:
        images, why = load_test_images(records, truth)
        if images is None:
            return lines + [f"No figure: {why.rstrip('.')}.", ""], []
    by_name = {r["name"]: r for r in records}
    drawn = []
    for name_a, name_b, why in pairs:
        (a, run_a), (b, run_b) = ((by_name[n], median_run(by_name[n])) for n in (name_a, name_b))
        only_a, only_b = (int(np.sum((np.asarray(p["predictions"]) == truth) & (np.asarray(q["predictions"]) != truth)))
                          for p, q in ((run_a, run_b), (run_b, run_a)))
        png = disagreement_figure(images, truth, (_label(a, run_a), run_a["predictions"]),
                                  (_label(b, run_b), run_b["predictions"]),
                                  figures_dir / f"disagreements-{name_a}-vs-{name_b}.png")
        drawn.append(png)
        lines += [f"**{_label(a, run_a)} vs {_label(b, run_b)}**: {why}; only {name_a} is right on "
                  f"{only_a:,} images, only {name_b} on {only_b:,}.", "",
                  f"![images where {name_a} and {name_b} disagree]({relative}/{png.name})", ""]
    left_out = len(set(significant) - {(a, b) for a, b, _ in pairs})
    if left_out:
        lines += [f"Not drawn: {left_out} more significantly different pair{'s' * (left_out > 1)}.", ""]
    return lines, drawn
