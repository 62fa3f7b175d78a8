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

The run files hold predictions, not pixels: the caller reads the test images (those alone, from
data/mnist.npz: reports/publish.py) and passes them in; when they cannot be had, the report says why
in one line instead.
"""


import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from reports.render.figure_digest import drawn_once, save  # noqa: E402
from reports.render.figures import DISAGREEMENTS, new_figure  # noqa: E402
from reports.render.summaries import deterministic, median_run  # noqa: E402

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
# A panel is one picture: its images tiled on a white sheet, in cells of these many image sides, with
# room above each image for its position and true digit and below it for the wrong answer. One axes
# per panel instead of one per image: matplotlib lays out 2 axes in a fraction of the time of 24.
CELL_WIDTH, CELL_HEIGHT, ABOVE = 1.3, 1.8, 0.32
INCHES_PER_IMAGE = 0.9  # an image of 28 x 28 pixels drawn 99 pixels wide at the saved 110 dpi
GAP = 0.55  # inches between the panels, for the second one's heading


def tiled(images, chosen, side, rows):
    """The images at `chosen` on a white sheet of `rows` x COLUMNS cells, in reading order, and the
    (x, top, bottom) of each image in the sheet's pixels, for its captions."""
    width, height = round(CELL_WIDTH * side), round(CELL_HEIGHT * side)
    sheet = np.zeros((rows * height, COLUMNS * width), dtype=np.float32)  # 0 is no ink: white
    places = []
    for k, i in enumerate(chosen):
        top = (k // COLUMNS) * height + round(ABOVE * side)
        left = (k % COLUMNS) * width + (width - side) // 2
        sheet[top:top + side, left:left + side] = images[i].reshape(side, side)
        places.append((left + (side - 1) / 2, top - 0.5, top + side - 0.5))
    return sheet, places


@drawn_once
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
    # Each panel's axes spans the figure's width exactly, so that an image is INCHES_PER_IMAGE wide;
    # the panels' headings and the figure's title lie above them, placed in points, and the tight
    # bounding box of the saved figure makes room for the topmost.
    width, height = INCHES_PER_IMAGE * CELL_WIDTH * COLUMNS, INCHES_PER_IMAGE * CELL_HEIGHT * rows
    total_height = 2 * height + GAP
    fig = new_figure((width, total_height))
    axes = [fig.add_axes((0, 1 - height / total_height, 1, height / total_height)),
            fig.add_axes((0, 0, 1, height / total_height))]
    axes[0].annotate(f"A = {label_a}\nB = {label_b}", (0.5, 1), xycoords="axes fraction", xytext=(0, 24),
                     textcoords="offset points", ha="center", va="bottom", fontsize=13)
    panels = [(predicted_a, predicted_b, "A right, B wrong", "B"), (predicted_b, predicted_a, "B right, A wrong", "A")]
    for ax, (right, wrong, title, who) in zip(axes, panels):
        chosen, total = disagreeing(truth, right, wrong)
        sheet, places = tiled(images, chosen, side, rows)
        # Ink is 1 in MNIST: the reversed grey map shows it dark on white, as it was written.
        ax.imshow(sheet, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        ax.set_axis_off()
        ax.annotate(f"{title}: {len(chosen)} of {total:,} shown", (0.5, 1), xycoords="axes fraction",
                    xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=12,
                    fontweight="bold")
        # Captions are plain text at fixed places: no title layout for matplotlib to work out, image by image.
        for i, (x, top, bottom) in zip(chosen, places):
            ax.annotate(f"#{i}, true {truth[i]}", (x, top), xytext=(0, 3), textcoords="offset points",
                        ha="center", va="bottom", fontsize=CAPTION_POINTS)
            ax.annotate(f"{who} says {wrong[i]}", (x, bottom), xytext=(0, -3), textcoords="offset points",
                        ha="center", va="top", fontsize=CAPTION_POINTS, color=WRONG, fontweight="bold")
        if total == 0:
            ax.text(0.5, 0.5, "no such image", transform=ax.transAxes, ha="center", fontsize=CAPTION_POINTS,
                    color="0.4")
    return save(fig, path)


def _label(record, run):
    return record["name"] if deterministic(record) else f"{record['name']} (seed {run['seed']})"


def significant_pairs(ranked, comparisons):
    """{(A, B): |A - B|} for the pairs of `comparisons` (reports/render/comparisons.py) called
    significantly different, A ranked above B."""
    position = {r["name"]: k for k, r in enumerate(ranked)}
    return {tuple(sorted((pair.a, pair.b), key=position.get)): abs(pair.comparison.difference)
            for pair in comparisons if pair.significant}


def section(records, comparisons, figures_dir, relative, images, no_images=""):
    """The report's section on disagreements, as (markdown lines, the figures drawn), drawing its
    figures into `figures_dir` (linked as `relative`/NAME.png). `comparisons` are the report's pairs
    with their verdicts; `images`, the test images the runs were scored on, or None and `no_images`
    saying why."""
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
        return lines + [f"No figure: {no_images.rstrip('.')}.", ""], []
    by_name = {r["name"]: r for r in records}
    drawn = []
    for name_a, name_b, why in pairs:
        (a, run_a), (b, run_b) = ((by_name[n], median_run(by_name[n])) for n in (name_a, name_b))
        only_a, only_b = (int(np.sum((np.asarray(p["predictions"]) == truth) & (np.asarray(q["predictions"]) != truth)))
                          for p, q in ((run_a, run_b), (run_b, run_a)))
        png = disagreement_figure(images, truth, (_label(a, run_a), run_a["predictions"]),
                                  (_label(b, run_b), run_b["predictions"]),
                                  DISAGREEMENTS.path(figures_dir, name_a, name_b))
        drawn.append(png)
        lines += [f"**{_label(a, run_a)} vs {_label(b, run_b)}**: {why}; only {name_a} is right on "
                  f"{only_a:,} images, only {name_b} on {only_b:,}.", "",
                  f"![images where {name_a} and {name_b} disagree]({relative}/{png.name})", ""]
    left_out = len(set(significant) - {(a, b) for a, b, _ in pairs})
    if left_out:
        lines += [f"Not drawn: {left_out} more significantly different pair{'s' * (left_out > 1)}.", ""]
    return lines, drawn
