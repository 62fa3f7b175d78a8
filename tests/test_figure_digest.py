"""A figure is drawn again exactly when what it shows could have changed: the digest written into
the PNG covers the function, its arguments, the code and matplotlib's settings."""

import matplotlib
import pytest

from reports.publish import render_code
from reports.render import figure_digest, figures
from tests.records import synthetic_record


@pytest.fixture(autouse=True)
def rendering():
    """Figures drawn as a render draws them: knowing the code that renders."""
    with figure_digest.rendering_code(render_code()):
        yield


@pytest.fixture
def drawings(monkeypatch):
    """Counts the figures actually drawn (saved), figure by figure."""
    saved = []
    real_save = figures._save

    def counting(fig, path):
        saved.append(path.name)
        return real_save(fig, path)

    monkeypatch.setattr(figures, "_save", counting)
    return saved


def test_the_same_inputs_draw_nothing_and_a_changed_one_draws_again(drawings, tmp_path):
    path = tmp_path / "confusion-darkness.png"
    record = synthetic_record("darkness", [2225], stochastic=False)
    assert figures.confusion_figure(record, path) == path and drawings == [path.name]
    drawn = path.read_bytes()
    assert figures.confusion_figure(record, path=path) == path  # the path given by name: the same figure
    assert drawings == [path.name] and path.read_bytes() == drawn
    figures.confusion_figure(synthetic_record("darkness", [2224], stochastic=False), path)
    assert drawings == [path.name] * 2


def test_a_file_without_the_digest_or_with_another_is_drawn_again(drawings, tmp_path):
    path = tmp_path / "confusion-darkness.png"
    record = synthetic_record("darkness", [2225], stochastic=False)
    path.write_bytes(b"\x89PNG\r\n\x1a\n not drawn by us")
    figures.confusion_figure(record, path)
    assert drawings == [path.name] and figure_digest.recorded_digest(path) is not None
    figures.confusion_figure(record, tmp_path / "elsewhere.png")  # the digest leaves the path out...
    (tmp_path / "elsewhere.png").replace(path)
    figures.confusion_figure(record, path)  # ...so a figure moved into place is the same figure
    assert drawings == [path.name, "elsewhere.png"]


def test_the_digest_covers_the_drawing_code_and_matplotlibs_settings(monkeypatch):
    record = synthetic_record("darkness", [2225], stochastic=False)
    arguments = {"record": record}
    digest = figure_digest.figure_digest(figures.confusion_figure.__wrapped__, arguments)
    assert figure_digest.figure_digest(figures.confusion_figure.__wrapped__, arguments) == digest
    assert figure_digest.figure_digest(figures.accuracy_figure.__wrapped__, arguments) != digest
    monkeypatch.setitem(matplotlib.rcParams, "font.size", 11.0)  # as a matplotlibrc would
    assert figure_digest.figure_digest(figures.confusion_figure.__wrapped__, arguments) != digest
    monkeypatch.undo()
    code = dict(figure_digest._code("reports.render.figures"))
    code["reports/render/figures.py"] = "edited"
    monkeypatch.setattr(figure_digest, "_code", lambda name: code)
    assert figure_digest.figure_digest(figures.confusion_figure.__wrapped__, arguments) != digest


def test_without_the_code_that_renders_a_figure_has_no_digest(tmp_path):
    record = synthetic_record("darkness", [2225], stochastic=False)
    with figure_digest.rendering_code({}):
        assert figure_digest.figure_digest(figures.confusion_figure.__wrapped__, {"record": record}) is not None
    token = figure_digest._rendering.set(None)
    try:
        assert figure_digest.figure_digest(figures.confusion_figure.__wrapped__, {"record": record}) is None
    finally:
        figure_digest._rendering.reset(token)


def test_a_function_that_could_hide_what_it_draws_has_no_digest_and_is_drawn_every_time(drawings, tmp_path):
    record = synthetic_record("network", [9500, 9501])
    offset = 1

    def closure(run, kind):
        return run["correct"] + offset

    for measure in (closure, lambda run, kind: run["correct"]):
        assert figure_digest.figure_digest(figures.book_figure.__wrapped__, {"records": [record],
                                                                            "measure": measure}) is None
    assert figure_digest.figure_digest(figures.confusion_figure.__wrapped__, {"record": object()}) is None
    path = tmp_path / "book.png"
    for _ in range(2):
        figures.book_figure([record], path, lambda run, kind: run["correct"])
    assert drawings == ["book.png"] * 2
