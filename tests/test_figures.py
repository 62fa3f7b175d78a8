"""The figures compare like with like and hide nothing: the book's marks lie inside the axes with a
margin, its best epoch sits on the row of our best epochs, failing seeds are named, and every confusion
matrix shares one colour scale with a colour bar. Checked on the figure objects, before saving."""

import copy
import re

import matplotlib.pyplot as plt
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
import numpy as np
import pytest

from common.files import MANIFEST

from reports.render import figures
from reports.render.book import BOOK
from reports.render.chapter import measure
from reports.render.summaries import summary
from reports.render.write import write_report
from reports.runner.evaluate import evaluate
from reports.runner.experiments import BY_NAME
from reports.runner.registry import parse_plugin
from tests.records import runs_of, synthetic_record


@pytest.fixture
def drawn(monkeypatch):
    """Figures are kept open instead of saved: {file name: figure}."""
    kept = {}

    def keep(fig, path):
        kept[path.name] = fig
        return path

    monkeypatch.setattr(figures, "_save", keep)
    yield kept
    plt.close("all")


def network_record():
    # Histories that end just below the book's 95.42%: where the old figure put its line on the frame.
    histories = [[9100 + k, 9400 + k, 9500 + k, 9490 + k] for k in range(5)]
    return synthetic_record("network", [h[-1] for h in histories], histories)


def inside(value, limits, margin=0.02):
    low, high = limits
    return low + margin * (high - low) < value < high - margin * (high - low)


def test_the_books_figure_and_listing_lie_inside_the_epoch_axes(drawn, tmp_path):
    record = network_record()
    figures.epochs_figure([record], tmp_path / "epochs.png")
    ax = drawn["epochs.png"].axes[0]
    for count in [BOOK["network"].correct, *BOOK["network"].epochs.values()]:
        assert inside(100 * count / 10_000, ax.get_ylim())
    assert any(text.get_text() == "the book's best epoch: 95.42%" for text in ax.get_legend().get_texts())


def test_the_books_best_epoch_sits_on_the_row_of_our_best_epochs(drawn, tmp_path):
    record = network_record()
    figures.accuracy_figure([record], tmp_path / "accuracy.png")
    ax = drawn["accuracy.png"].axes[1]
    lines = {line.get_marker(): line for line in ax.get_lines() if line.get_xdata().size}
    book, dots = lines["x"], [line for line in ax.get_lines() if line.get_marker() == "o"]
    best_row = [line for line in dots if np.allclose(line.get_xdata(), [95.00 + k / 100 for k in range(5)])]
    assert best_row and book.get_ydata()[0] == best_row[0].get_ydata()[0]
    assert inside(95.42, ax.get_xlim())


def test_failing_seeds_are_named_in_the_chapter_figure(drawn, tmp_path):
    healthy = [[9000, 9600]] * 2
    collapsed = [1009, 1009]
    record = synthetic_record("network-100", [9600, 9600, 1009], healthy + [collapsed])
    record["runs"][2]["diagnostics"] = {"saturated_outputs": list(range(9))}
    figures.chapter_figure([record], tmp_path / "chapter1-epochs.png")
    legend = [t.get_text() for t in drawn["chapter1-epochs.png"].axes[0].get_legend().get_texts()]
    assert "seed 2 (fails)" in legend and "seeds 0-1" in legend


def test_a_panel_of_many_failing_seeds_names_six_and_counts_the_rest(drawn, tmp_path):
    record = synthetic_record("network-100", [9600] * 3 + [1009] * 10, [[9000, 9600]] * 3 + [[1009, 1009]] * 10)
    for run in record["runs"][3:]:
        run["diagnostics"] = {"saturated_outputs": list(range(9))}
    figures.chapter_figure([record], tmp_path / "chapter1-epochs.png")
    legend = [t.get_text() for t in drawn["chapter1-epochs.png"].axes[0].get_legend().get_texts()]
    assert [text for text in legend if "fail" in text] == [f"seed {seed} (fails)" for seed in range(3, 9)] + [
        "4 more failing seeds"]
    assert "seeds 0-2" in legend


def test_confusion_matrices_share_one_scale_of_row_percentages_with_a_colour_bar(drawn, tmp_path):
    for name, correct in (("random", 1000), ("darkness", 2225)):
        figures.confusion_figure(synthetic_record(name, [correct]), tmp_path / f"{name}.png")
    images = [drawn[f"{name}.png"].axes[0].get_images()[0] for name in ("random", "darkness")]
    assert all(len(drawn[f"{name}.png"].axes) == 2 for name in ("random", "darkness"))  # the colour bar
    assert images[0].norm is images[1].norm and (images[0].norm.vmin, images[0].norm.vmax) == (0, 100)
    assert np.allclose(images[0].get_array().sum(axis=1), 100)


def test_the_book_figure_shows_every_seed_and_the_book_inside_its_panel(drawn, tmp_path):
    record = synthetic_record("random", [1000, 1000, 990])  # two equal counts: both must show
    tuned = synthetic_record("svc-tuned", [9845], stochastic=False)
    figures.book_figure([record, tuned], tmp_path / "book.png", measure)
    random_ax, tuned_ax = drawn["book.png"].axes
    dots = [(x, y) for line in random_ax.get_lines() if line.get_marker() == "o"
            for x, y in zip(line.get_xdata(), line.get_ydata())]
    assert len(set(dots)) == 3
    assert inside(1000, random_ax.get_xlim()) and inside(9851, tuned_ax.get_xlim())


def test_the_books_listing_lies_inside_the_chapter_axes_far_above_our_runs(drawn, tmp_path):
    histories = [[1010, 1000, 990]] * 3  # the book's listing climbs to 2,142: far above, still inside
    record = synthetic_record("network-100-slow", [990] * 3, histories)
    figures.chapter_figure([record], tmp_path / "chapter1-epochs.png")
    ax = drawn["chapter1-epochs.png"].axes[0]
    for count in BOOK["network-100-slow"].epochs.values():
        assert inside(100 * count / 10_000, ax.get_ylim())


def test_a_render_removes_the_report_figures_it_did_not_write_and_nothing_else(digits_mnist, tmp_path):
    darkness, knn = (summary([evaluate(experiment, 0, digits_mnist, quiet=True)])
                     for experiment in (BY_NAME["darkness"], parse_plugin("knn=tests.plugins:nearest_neighbours")))
    out, figures_dir = tmp_path / "report.md", tmp_path / "figures"
    write_report("report", runs_of([copy.deepcopy(darkness), knn]), out, figures_dir, "make report EXTRA=...",
                 rendered_at="abc")
    assert (figures_dir / "confusion-knn.png").is_file()
    (figures_dir / "disagreements-knn-vs-darkness.png").write_bytes(b"drawn by an earlier render")
    (figures_dir / "epochs.png").write_bytes(b"drawn by an earlier render")
    theirs = ["notes.txt", "my-plot.png", "chapter1-book.png", "confusion.png.bak"]  # not names the report draws
    for name in theirs:
        (figures_dir / name).write_text("someone else's")
    write_report("report", runs_of([darkness]), out, figures_dir, "make report", rendered_at="abc")
    assert sorted(path.name for path in figures_dir.iterdir() if path.name != MANIFEST) == sorted(
        ["accuracy.png", "confusion-darkness.png", *theirs])
    assert all((figures_dir / name).read_text() == "someone else's" for name in theirs)
    linked = re.findall(r"\]\(figures/([^)]+)\)", out.read_text(encoding="utf-8"))
    assert sorted(linked) == ["accuracy.png", "confusion-darkness.png"]  # the report and its directory agree


def test_epoch_panels_share_one_scale_count_whole_steps_and_name_a_plugins_steps(drawn, tmp_path):
    boosted = synthetic_record("boost", [9300], [[7000, 8500, 9300]], stochastic=False)
    boosted["factory"] = "lightgbm:LGBMClassifier"
    network = network_record()  # a built-in: its history counts the book's epochs
    figures.epochs_figure([network, boosted], tmp_path / "epochs.png")
    network_ax, boost_ax = drawn["epochs.png"].axes
    assert network_ax.get_ylim() == boost_ax.get_ylim()
    assert inside(70.0, boost_ax.get_ylim()) and inside(95.42, network_ax.get_ylim())  # both panels' extremes
    drawn["epochs.png"].canvas.draw()
    assert all(float(tick).is_integer() for tick in boost_ax.get_xticks())  # no round 0.5
    assert network_ax.get_xlabel() == "epoch"
    assert boost_ax.get_xlabel() == "round or epoch, as the estimator reports them (0 first)"
    legend = [text.get_text() for text in boost_ax.get_legend().get_texts()]
    assert legend == ["one run (deterministic)"]  # not "seed None", nor "seed 0"


def test_the_confusion_figure_explains_its_scale_and_dots_and_names_no_seed_for_a_deterministic_run(drawn, tmp_path):
    ignores_seed = synthetic_record("knn", [9999, 9999])  # two seeds that predict alike, as the probe finds
    figures.confusion_figure(ignores_seed, tmp_path / "knn.png")
    fig = drawn["knn.png"]
    image_ax, bar_ax = fig.axes
    assert "square-root scale" in bar_ax.get_ylabel()
    assert "seed" not in image_ax.get_title()
    cells = [text.get_text() for text in image_ax.texts]
    footnote = " ".join(text.get_text() for text in fig.texts)
    assert "·" in cells and "· at least one image but under 0.5%" in footnote and "blank: no image" in footnote


def test_the_book_figure_has_one_legend_entry_for_all_the_colours_of_failing_seeds(drawn, tmp_path):
    collapsed = synthetic_record("network-eta100", [982] * 3, [[1009, 982]] * 3, answer=4)
    figures.book_figure([collapsed], tmp_path / "book.png", measure)
    legend = drawn["book.png"].legends[0]
    labels = [text.get_text() for text in legend.get_texts()]
    assert labels == ["one seed", "failing seeds, one colour each", "the book"]
    colours = {to_hex(line.get_color()) for line in legend.findobj(Line2D) if line.get_marker() == "o"}
    assert {to_hex(colour) for colour in figures.FAILING[:3]} <= colours  # each failing seed's colour is shown
    healthy = synthetic_record("random", [1000, 990])
    figures.book_figure([healthy], tmp_path / "healthy.png", measure)
    assert [text.get_text() for text in drawn["healthy.png"].legends[0].get_texts()] == ["one seed", "the book"]
