"""The report's figures, drawn with matplotlib's Agg backend (no display needed), saved atomically."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
from sklearn.metrics import ConfusionMatrixDisplay  # noqa: E402

from data.files import atomic_path  # noqa: E402
from reports.render.book import BOOK  # noqa: E402
from reports.render.records import median_run  # noqa: E402

BOOK_STYLE = {"color": "tab:red", "marker": "x", "linestyle": "none", "markersize": 9, "mew": 2}


def _save(fig, path):
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    plt.close(fig)
    return path


def accuracy_figure(records, book, path):
    """Accuracy of each classifier: every seed as a dot, the mean with its 95% interval, the book's
    figure as a red cross. Two panels: the whole range, and a close-up of the classifiers above 90%."""
    names = [r["name"] for r in records]
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.5 * len(records) + 1.6), sharey=True)
    for ax, (low, high) in zip(axes, [(0, 100), (90, 100)]):
        for y, record in enumerate(records):
            n = record["n_test"]
            seeds = [100 * run["correct"] / n for run in record["runs"]]
            ax.plot(seeds, [y] * len(seeds), "o", color="tab:blue", alpha=0.35, markersize=4)
            mean = 100 * record["summary"]["accuracy_mean"]
            ci_low, ci_high = (100 * v for v in record["summary"]["ci95"])
            ax.errorbar(mean, y, xerr=[[mean - ci_low], [ci_high - mean]], fmt="|", color="black",
                        capsize=4, markersize=12)
            if book.get(record["name"]) is not None:
                ax.plot(100 * book[record["name"]] / n, y, **BOOK_STYLE)
        ax.set_xlim(low, high)
        ax.set_xlabel("test accuracy (%)")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(names)), names)
    axes[0].invert_yaxis()
    axes[0].set_title("all classifiers")
    axes[1].set_title("close-up, 90-100%")
    handles = [plt.Line2D([], [], marker="o", color="tab:blue", alpha=0.35, linestyle="none", label="one seed"),
               plt.Line2D([], [], marker="|", color="black", linestyle="-", label="mean, 95% Wilson interval"),
               plt.Line2D([], [], label="the book", **BOOK_STYLE)]
    fig.legend(handles=handles, loc="lower center", ncol=3, bbox_to_anchor=(0.5, -0.02), frameon=False)
    fig.subplots_adjust(bottom=0.28)
    return _save(fig, path)


def epochs_figure(records, book, path):
    """Test accuracy after every epoch, one line per seed, one panel per classifier with a history."""
    records = [r for r in records if any(run.get("history") for run in r["runs"])]
    if not records:
        return None
    fig, axes = plt.subplots(1, len(records), figsize=(5.5 * len(records), 4), squeeze=False)
    for ax, record in zip(axes[0], records):
        for run in record["runs"]:
            history = run["history"]
            ax.plot(range(len(history)), [100 * h / run["n_test"] for h in history], alpha=0.7,
                    label=f"seed {run['seed']}")
        if book.get(record["name"]) is not None:
            measure = BOOK[record["name"]].measure
            ax.axhline(100 * book[record["name"]] / record["n_test"], color="tab:red", linestyle="--",
                       label=f"the book ({measure})")
        ax.set_title(record["name"])
        ax.set_xlabel("epoch")
        ax.set_ylabel("test accuracy (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def confusion_figure(record, path):
    """Confusion matrix of the classifier's median run (rows: true digit, columns: predicted)."""
    run = median_run(record)
    fig, ax = plt.subplots(figsize=(6, 5.2))
    ConfusionMatrixDisplay(np.array(run["confusion"]), display_labels=run["classes"]).plot(
        ax=ax, colorbar=False, values_format="d", cmap="Blues")
    seed = f", seed {run['seed']}" if record["stochastic"] else ""
    ax.set_title(f"{record['name']}{seed}: {run['correct']:,} / {run['n_test']:,} correct", fontsize=10)
    for text in ax.texts:
        text.set_fontsize(7)
    fig.tight_layout()
    return _save(fig, path)


def chapter_figure(records, path):
    """One panel per network experiment: test accuracy after every epoch for every seed, with the
    book's printed "Epoch j" lines as red crosses (or its single figure as a dashed line)."""
    columns = 2
    rows = -(-len(records) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(11, 3.8 * rows), squeeze=False)
    for ax, record in zip(axes.flat, records):
        book = BOOK[record["name"]]
        n_test = record["n_test"]
        for run in sorted(record["runs"], key=lambda r: r["seed"]):
            ax.plot([100 * h / n_test for h in run["history"]], alpha=0.6, linewidth=1)
        if book.epochs:
            epochs = sorted(book.epochs)
            ax.plot(epochs, [100 * book.epochs[e] / n_test for e in epochs], label="the book's listing",
                    **BOOK_STYLE)
        elif book.correct is not None:
            ax.axhline(100 * book.correct / n_test, color="tab:red", linestyle="--",
                       label=f"the book ({book.measure})")
        ax.set_title(f"{record['name']}: {book.description}", fontsize=9)
        ax.set_xlabel("epoch")
        ax.set_ylabel("test accuracy (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    for ax in axes.flat[len(records):]:
        ax.set_visible(False)
    fig.tight_layout()
    return _save(fig, path)
