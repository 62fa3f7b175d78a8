"""The reports' figures, drawn with matplotlib's Agg backend (no display needed), saved atomically.

Rules every figure keeps: the book's figures lie inside the axes with a margin (a line on the frame is
invisible); the book's figure is set against ours measured the same way (its best epoch against our best
epochs); every seed is a visible mark; failing runs are named; colour scales are shared and shown.
"""

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.ticker  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
from matplotlib.colors import PowerNorm  # noqa: E402
from matplotlib.figure import Figure as MatplotlibFigure  # noqa: E402  (not pyplot: see `new_figure`)
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.legend_handler import HandlerTuple  # noqa: E402

from reports.render.book import BOOK  # noqa: E402
from reports.render.failures import dead_output_groups, diagnose  # noqa: E402
from reports.render.header import ranges  # noqa: E402
from reports.render.figure_digest import drawn_once, save  # noqa: E402
from reports.render.summaries import deterministic, median_run, with_interval  # noqa: E402

# The book's marks lie under our dots (zorder), so that a seed on the book's figure shows as a dot on a cross.
BOOK_STYLE = {"color": "tab:red", "marker": "x", "linestyle": "none", "markersize": 9, "mew": 2, "zorder": 3}
BOUND_STYLE = {**BOOK_STYLE, "marker": ">", "mew": 1, "markersize": 8}  # "at least": it points to higher counts
SEED_STYLE = {"marker": "o", "linestyle": "none", "markersize": 5, "zorder": 4}
HEALTHY = "0.6"  # grey: runs that train normally
DETERMINISTIC = "black"
# One colour per failing seed, sixteen before any repeats: tab20's dark colours, then its light ones,
# but red (the book's) and grey (the healthy runs').
_TAB20 = list(enumerate(matplotlib.colormaps["tab20"].colors))
FAILING = [colour for k, colour in _TAB20[0::2] + _TAB20[1::2] if k not in (6, 7, 14, 15)]
MARGIN = 0.06  # of the visible span, kept free around every marked value


@dataclass(frozen=True)
class Figure:
    """A figure a report draws, declared once: its file name, with a `{}` for each name that varies
    (a classifier's). The same declaration names the file that is drawn and finds the stale copies."""

    name: str

    def path(self, figures_dir, *names):
        return Path(figures_dir) / self.name.format(*names)

    @property
    def pattern(self):
        return self.name.format(*["*"] * self.name.count("{}"))


ACCURACY = Figure("accuracy.png")
EPOCHS = Figure("epochs.png")
CONFUSION = Figure("confusion-{}.png")
DISAGREEMENTS = Figure("disagreements-{}-vs-{}.png")
CHAPTER_EPOCHS = Figure("chapter1-epochs.png")
CHAPTER_BOOK = Figure("chapter1-book.png")
# What each report draws into its figures directory; every other file there is not the report's to remove.
FIGURES = {"report": (ACCURACY, EPOCHS, CONFUSION, DISAGREEMENTS), "chapter": (CHAPTER_EPOCHS, CHAPTER_BOOK)}


def remove_stale(figures_dir, written, figures):
    """Remove from `figures_dir` every file of `figures` (Figure declarations) that this render did
    not write (`written`: the paths it wrote), so that the directory holds only the figures of the
    report beside it; return the names removed. Files of any other name are never touched."""
    kept = {Path(path).name for path in written if path is not None}  # None: a figure not drawn
    removed = []
    for figure in figures:
        for path in sorted(Path(figures_dir).glob(figure.pattern)):
            if path.name not in kept and path.is_file():
                path.unlink(missing_ok=True)
                removed.append(path.name)
    return removed


def new_figure(size):
    """A figure of `size` inches, made without pyplot: importing pyplot takes half a CPU-second, which a
    report whose figures are all up to date need not spend, and no pyplot state holds it after saving."""
    return MatplotlibFigure(figsize=size)


def _save(fig, path):
    return save(fig, path)


def place_axes(fig, left, right, top, bottom, between=0.0):
    """Place the axes of `fig`'s grid at fixed margins, in inches (`between`: the gap between panels):
    far cheaper than tight_layout, which draws the figure to measure it. Whatever reaches past the
    margins (a long tick label) is still saved: `save` crops to the tight bounding box of everything
    drawn."""
    width, height = fig.get_size_inches()
    panels = max(len(fig.axes), 1)
    panel_width = (width - left - right - between * (panels - 1)) / panels
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                        bottom=bottom / height, wspace=between / panel_width)


def keep_inside(ax, values, axis="y", margin=MARGIN):
    """Widen the axis so that every one of `values` lies inside it with `margin` of the span to spare."""
    get, set_ = (ax.get_ylim, ax.set_ylim) if axis == "y" else (ax.get_xlim, ax.set_xlim)
    values = [v for v in values if v is not None]
    if not values:
        return
    low, high = get()
    pad = margin * (max(high, *values) - min(low, *values) or 1.0)
    set_(min(low, min(values) - pad), max(high, max(values) + pad))


def _percent(count, n):
    return 100 * count / n


def seed_colours(record):
    """{seed: colour}: grey for runs that train normally, a colour of its own for each failing run."""
    colours, k = {}, 0
    for run in sorted(record["runs"], key=lambda r: r["seed"]):
        if run.get("history") and diagnose(run).fails:
            colours[run["seed"]] = FAILING[k % len(FAILING)]
            k += 1
        else:
            colours[run["seed"]] = HEALTHY
    return colours


NAMED_FAILING = 6  # failing seeds named one by one in a panel's legend; the others share one entry


def epoch_panel(ax, record, legend_below=False):
    """Test accuracy after every epoch, one line per seed (failing seeds in colour, named in the
    legend), each seed's best epoch as a dot, and the book: its listing as red crosses and its figure
    as a dashed line labelled with what it measures. The legend goes where it covers least inside the
    axes, or with `legend_below` under them, where it covers nothing (for panels whose lines may fill
    them: forty failing seeds leave no free corner)."""
    book = BOOK.get(record["name"])
    n = record["n_test"]
    colours = seed_colours(record)
    healthy = [run["seed"] for run in record["runs"] if colours[run["seed"]] == HEALTHY]
    failing_seeds = [run["seed"] for run in record["runs"] if colours[run["seed"]] != HEALTHY]
    for run in sorted(record["runs"], key=lambda r: -1 if r["seed"] is None else r["seed"]):
        history = [_percent(h, n) for h in run["history"]]
        failing = colours[run["seed"]] != HEALTHY
        if failing and run["seed"] in failing_seeds[NAMED_FAILING:]:  # many failing seeds: the rest share one entry
            rest = failing_seeds[NAMED_FAILING:]
            label = f"{len(rest)} more failing seeds" if run["seed"] == rest[0] else None
        elif failing:
            label = f"{'one run' if deterministic(record) else 'seed ' + str(run['seed'])} (fails)"
        elif run["seed"] != healthy[0]:
            label = None  # the healthy runs share one legend entry
        elif deterministic(record):
            label = "one run (deterministic)" if len(record["runs"]) == 1 else "every seed (predicting alike)"
        else:
            label = f"seed{'s' if len(healthy) > 1 else ''} {ranges(healthy)}"
        ax.plot(history, color=colours[run["seed"]], linewidth=1.2 if failing else 1, alpha=0.9, label=label)
        if book is not None and book.measure == "best epoch":  # the book's measure, marked on every seed
            best = int(np.argmax(history))
            ax.plot(best, history[best], color=colours[run["seed"]], markeredgecolor="black", markeredgewidth=0.5,
                    **{**SEED_STYLE, "markersize": 4})
    marked = []
    if book is not None and book.epochs:
        epochs = sorted(book.epochs)
        marked += [_percent(book.epochs[e], n) for e in epochs]
        ax.plot(epochs, marked, label="the book's listing", **BOOK_STYLE)
    if book is not None and book.correct is not None:
        figure = _percent(book.correct, n)
        marked.append(figure)
        ax.axhline(figure, color="tab:red", linestyle="--", linewidth=1,
                   label=f"the book's {book.measure}{' (assumed)' if book.assumed else ''}: {figure:.2f}%")
    if book is not None and book.measure == "best epoch":
        ax.plot([], [], color="0.3", markeredgecolor="black", label="each seed's best epoch", **SEED_STYLE)
    keep_inside(ax, marked)
    ax.set_xlabel(steps_word(record))
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))  # there is no epoch 2.5
    ax.set_ylabel("test accuracy (%)")
    ax.grid(alpha=0.3)
    if legend_below:  # under the axis label ("epoch"), centred
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False)
    else:
        ax.legend(fontsize=7, loc="best", ncol=2 if len(failing_seeds) > 4 else 1)


def steps_word(record):
    """What a classifier's history counts: the built-ins with a history are the book's networks, which
    count epochs; a plug-in's history_ counts whatever its fit calls a step (an epoch, a boosting
    round, an iteration)."""
    return "epoch" if record["name"] in BOOK else "round or epoch, as the estimator reports them (0 first)"


@drawn_once
def epochs_figure(records, path):
    """The report's epochs: one panel per classifier with a history, on one shared accuracy scale so
    that panels compare at a glance."""
    records = [r for r in records if any(run.get("history") for run in r["runs"])]
    if not records:
        return None
    fig = new_figure((6 * len(records), 4.2))
    axes = fig.subplots(1, len(records), squeeze=False, sharey=True)
    for ax, record in zip(axes[0], records):
        epoch_panel(ax, record)
        ax.set_title(record["name"])
    # Each panel widened its (shared) limits for what it drew, which stops autoscaling for the panels
    # drawn after it: set the limits once more, around everything every panel drew.
    drawn = [y for ax in axes[0] for line in ax.get_lines() for y in np.asarray(line.get_ydata(), dtype=float)]
    axes[0, 0].set_ylim(min(drawn), max(drawn))
    keep_inside(axes[0, 0], drawn)
    # Inches: the tick labels and the label of the accuracy, the epochs' below, a title above; each
    # panel after the first keeps its axis label in the gap before it.
    place_axes(fig, left=0.75, right=0.15, top=0.35, bottom=0.6, between=0.45)
    return _save(fig, path)


@drawn_once
def chapter_figure(records, path):
    """One epoch panel per network experiment of the chapter."""
    columns = 2
    rows = -(-len(records) // columns)
    fig = new_figure((12, 4.4 * rows))
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax, record in zip(axes.flat, records):
        epoch_panel(ax, record, legend_below=True)
        ax.set_title(f"{record['name']}: {record['description']}", fontsize=9)
    for ax in axes.flat[len(records):]:
        ax.set_visible(False)
    fig.tight_layout()
    return _save(fig, path)


@drawn_once
def accuracy_figure(records, path):
    """Accuracy of each classifier, like with like: every seed's final count as a dot, a network's
    best epochs as a second row of dots, the mean with its two-sided 95% interval (seeds and test images) below them
    (none where the runs form groups by dead outputs: a mean of groups lies where no run does), and the
    book's figure on the row of what it measures. Two panels: everything, and a close-up above 90%."""
    fig = new_figure((12, 0.75 * len(records) + 1.8))
    axes = fig.subplots(1, 2, sharey=True)
    offsets = {"final": 0.0, "best": -0.27, "mean": 0.27}  # rows within one classifier's band
    for ax, (low, high) in zip(axes, [(0, 100), (90, 100)]):
        for y, record in enumerate(records):
            n = record["n_test"]
            ax.plot([_percent(run["correct"], n) for run in record["runs"]], [y] * len(record["runs"]),
                    color="tab:blue", alpha=0.6, **SEED_STYLE)
            histories = [run["history"] for run in record["runs"] if run.get("history")]
            if histories:
                ax.plot([_percent(max(h), n) for h in histories], [y + offsets["best"]] * len(histories),
                        color="tab:orange", alpha=0.7, **SEED_STYLE)
            if len(dead_output_groups(record)) > 1:  # a mean of groups of runs lies where no run does
                ax.annotate("groups of runs (dead outputs): no mean", (0.01, y + offsets["mean"]),
                            xycoords=("axes fraction", "data"), va="center", fontsize=7, color="dimgray")
            else:
                mean = 100 * record["summary"]["accuracy_mean"]
                summary = record["summary"] if "ci95" in record["summary"] else with_interval(record)["summary"]
                ci_low, ci_high = (100 * v for v in summary["ci95"])
                ax.errorbar(mean, y + offsets["mean"], xerr=[[mean - ci_low], [ci_high - mean]], fmt="|",
                            color="black", capsize=3, markersize=8, zorder=3)
            entry = BOOK.get(record["name"])
            if entry is not None and entry.correct is not None:
                row = y + (offsets["best"] if entry.measure == "best epoch" and histories else 0)
                ax.plot(_percent(entry.correct, n), row, **(BOUND_STYLE if entry.measure == "at least" else BOOK_STYLE))
        pad = MARGIN * (high - low) / 3
        ax.set_xlim(low - pad, high + pad)
        ax.set_xlabel("test accuracy (%)")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(records)), [r["name"] for r in records])
    axes[0].set_ylim(len(records) - 0.5, -0.5)
    axes[0].set_title("all classifiers")
    axes[1].set_title("close-up, 90-100%")
    handles = [Line2D([], [], color="tab:blue", alpha=0.6, label="one seed: final count (last epoch)",
                          **SEED_STYLE),
               Line2D([], [], color="tab:orange", alpha=0.7, label="one seed: best epoch", **SEED_STYLE),
               Line2D([], [], marker="|", color="black", linestyle="-", label="mean, two-sided 95% interval (seeds and images; one run's: images)"),
               Line2D([], [], label="the book, on the row of its measure", **BOOK_STYLE)]
    if any(BOOK.get(r["name"]) and BOOK[r["name"]].measure == "at least" for r in records):
        handles.append(Line2D([], [], label="the book's lower bound", **BOUND_STYLE))
    # Inches: the names at the left (about 0.08 inch a character at 10 points), a title above, and below
    # the accuracy's tick labels and label, then the legend, at the bottom of the figure.
    names = max(len(r["name"]) for r in records)
    place_axes(fig, left=0.25 + 0.08 * names, right=0.15, top=0.35, bottom=0.95, between=0.25)
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, 0.0),
               frameon=False, fontsize=8)
    return _save(fig, path)


CONFUSION_NORM = PowerNorm(gamma=0.5, vmin=0, vmax=100)  # one scale for all; the root shows small errors
SMALL = 0.5  # a cell below half a percent rounds to 0; it shows "·" so that it does not read as no image


@drawn_once
def confusion_figure(record, path):
    """Confusion matrix of the classifier's median run as row percentages (rows: true digit, columns:
    predicted), on the colour scale every confusion figure shares, with its colour bar."""
    run = median_run(record)
    matrix = np.array(run["confusion"], dtype=float)
    percent = 100 * matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    # Places fixed once for this one layout (10 x 10 cells, a colour bar), in fractions of the figure:
    # cheaper than working them out again for every classifier (tight_layout), and the saved figure's
    # tight bounding box still takes in a long title.
    fig = new_figure((6.4, 5.6))
    ax, colour_bar = fig.add_axes((0.08, 0.13, 0.72, 0.81)), fig.add_axes((0.83, 0.13, 0.035, 0.81))
    image = ax.imshow(percent, cmap="Blues", norm=CONFUSION_NORM)
    for (i, j), value in np.ndenumerate(percent):
        if matrix[i, j]:
            small = value < SMALL
            ax.text(j, i, "·" if small else f"{value:.0f}", ha="center", va="center", fontsize=12 if small else 8,
                    color="white" if value > 40 else "black")
    classes = run["classes"]
    ax.set_xticks(range(len(classes)), classes)
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    fig.colorbar(image, cax=colour_bar, label="% of the true digit's test images (square-root scale)",
                 ticks=[0, 1, 5, 10, 25, 50, 75, 100])
    seed = "" if deterministic(record) else f", seed {run['seed']} (median of {len(record['runs'])} seeds)"
    ax.set_title(f"{record['name']}{seed}: {run['correct']:,} / {run['n_test']:,} correct", fontsize=10)
    fig.text(0.02, 0.01, f"Each cell: % of the row's images, rounded; · at least one image but under {SMALL}%; "
                          "blank: no image.", fontsize=8.5, color="0.3")
    return _save(fig, path)


@drawn_once
def book_figure(records, path, measure, verdict=None):
    """The book's figure among our seeds, one small panel per experiment: every seed as a dot measured
    as the book measured (`measure(run, kind)`), failing seeds in the colours of the epoch figure, and
    below them the book's figure as a red cross (an arrow for a lower bound), with `verdict(record)` as
    the panel's caption. Each panel has its own scale: the figures range from 982 to 9,851."""
    fig = new_figure((9, 1.1 * len(records) + 0.7))
    axes = fig.subplots(len(records), 1, squeeze=False)
    sizes = len({r["n_train"] for r in records}) > 1  # then each panel says what its classifier trained on
    for ax, record in zip(axes[:, 0], records):
        book = BOOK[record["name"]]
        colours = seed_colours(record) if record["stochastic"] else {}
        seen = {}
        for run in sorted(record["runs"], key=lambda r: -1 if r["seed"] is None else r["seed"]):
            value = measure(run, book.measure)
            height = 0.3 * seen.get(value, 0)  # equal counts stack upward, so every seed shows
            seen[value] = seen.get(value, 0) + 1
            ax.plot(value, height, color=colours.get(run["seed"], DETERMINISTIC), markeredgecolor="black",
                    markeredgewidth=0.4, **SEED_STYLE)
        ax.plot(book.correct, -0.5, **(BOUND_STYLE if book.measure == "at least" else BOOK_STYLE))
        low, high = _padded([measure(run, book.measure) for run in record["runs"]] + [book.correct])
        left = book.correct > (low + high) / 2  # the label goes on the side with room
        ax.annotate(f"book {book.printed}", (book.correct, -0.5), xytext=(-7 if left else 7, -3),
                    textcoords="offset points", fontsize=7, color="tab:red", ha="right" if left else "left")
        ax.set_xlim(low, high)
        ax.set_ylim(-0.9, 0.4 + 0.3 * max(seen.values()))
        ax.set_yticks([])
        ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.tick_params(axis="x", labelsize=8)
        trained = f", {record['n_train']:,} images" if sizes else ""
        ax.set_ylabel(f"{record['name']}\n({book.measure}{trained})", rotation=0, ha="right", va="center",
                      fontsize=8)
        if verdict is not None:
            ax.set_title(verdict(record), fontsize=8, loc="right", pad=2)
        ax.grid(axis="x", alpha=0.3)
    axes[-1, 0].set_xlabel("correct of 10,000 test images (each panel its own scale)")
    failing = max((sum(colour != HEALTHY for colour in seed_colours(r).values()) for r in records if r["stochastic"]),
                  default=0)
    entries = [(Line2D([], [], color=HEALTHY, markeredgecolor="black", **SEED_STYLE), "one seed")]
    if failing:  # one entry for all their colours: each failing seed has its own, as in the epoch figure
        dots = tuple(Line2D([], [], color=colour, markeredgecolor="black", **SEED_STYLE)
                     for colour in FAILING[:min(failing, 4)])
        entries.append((dots, "failing seeds, one colour each"))
    if any(not r["stochastic"] for r in records):
        entries.append((Line2D([], [], color=DETERMINISTIC, **SEED_STYLE), "deterministic"))
    entries.append((Line2D([], [], **BOOK_STYLE), "the book"))
    if any(BOOK[r["name"]].measure == "at least" for r in records):
        entries.append((Line2D([], [], **BOUND_STYLE), "the book's lower bound"))
    handles, labels = zip(*entries)
    fig.legend(handles, labels, loc="upper center", ncol=len(entries), frameon=False, fontsize=8,
               bbox_to_anchor=(0.5, 1.0), handler_map={tuple: HandlerTuple(ndivide=None, pad=0.1)})
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()))
    return _save(fig, path)


def _padded(values):
    low, high = min(values), max(values)
    pad = max(MARGIN * (high - low), 5)  # at least 5 images either side, so a lone point is not on the frame
    return low - pad, high + pad
