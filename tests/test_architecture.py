"""What docs/architecture.md says of the structure holds, read from the imports: runs flow one way,
from the runner through the publish step to the renderer, and the report's fingerprint holds the
code that renders it."""

import ast
import re
from pathlib import Path

import pytest

from reports.publish import RENDER_ENTRY, render_code

ROOT = Path(__file__).resolve().parents[1]
RUNNER = sorted((ROOT / "reports" / "runner").glob("*.py"))
RENDERER = sorted((ROOT / "reports" / "render").glob("*.py"))
# What the renderer may use of the runner: the run record and the run files.
RUNNER_FOR_THE_RENDERER = {"reports.runner.record", "reports.runner.store"}
CLASSIFIERS = ("baselines", "network")  # what the runs computed with: today's code, not the runs'
ABOVE_BOTH = ("reports.publish", "reports.rounds", "reports.api", "reports.__main__")


def imports(path):
    """Every module `path` imports, at its top or inside a function (a lazy import is an arrow too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


def module_name(path):
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_the_import_reader_sees_lazy_imports():
    assert "reports.render.write.write_report" in imports(ROOT / "reports" / "publish.py")  # inside a function


@pytest.mark.parametrize("path", RUNNER, ids=lambda path: path.name)
def test_the_runner_never_imports_the_renderer_or_what_is_above_it(path):
    from reports.runner.identity import source_files

    direct = sorted(name for name in imports(path) if name.startswith(("reports.render", *ABOVE_BOTH)))
    assert direct == [], f"{path.name} imports {direct}"
    # Nor through another module: everything it imports, followed to the end.
    reached = sorted(shown for shown in source_files(module_name(path)) if shown.startswith("reports/render/"))
    assert reached == [], f"{path.name} reaches {reached}"


@pytest.mark.parametrize("path", RENDERER, ids=lambda path: path.name)
def test_the_renderer_imports_of_the_runner_only_the_run_record_and_the_store(path):
    used = {name for name in imports(path) if name.startswith("reports.runner")}
    modules = {".".join(name.split(".")[:3]) for name in used}
    assert modules <= RUNNER_FOR_THE_RENDERER, f"{path.name} imports {sorted(modules - RUNNER_FOR_THE_RENDERER)}"
    above = sorted(name for name in imports(path) if name.startswith(ABOVE_BOTH))
    assert above == [], f"{path.name} imports {above}: the steps above the renderer call it, not the reverse"
    data = sorted(name for name in imports(path) if name == "data" or name.startswith("data."))
    assert data == [], f"{path.name} reads the data ({data}): the caller passes the test images in"
    classifiers = sorted(name for name in imports(path) if name.split(".")[0] in CLASSIFIERS)
    assert classifiers == [], (f"{path.name} imports {classifiers}: a run is rendered from what its record "
                               "holds, never from today's classifiers")


def top_level_imports(path):
    """The modules `path` imports when it is imported: at its top, not inside a function."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module)
    return found


# Costly to import and needed only by some renders: scipy.stats alone is about a CPU-second.
IMPORTED_WHERE_USED = ("scipy", "sklearn", "matplotlib.pyplot")


@pytest.mark.parametrize("path", RENDERER, ids=lambda path: path.name)
def test_the_renderer_imports_scipy_and_pyplot_only_where_they_are_used(path):
    eager = sorted(name for name in top_level_imports(path)
                   if any(name == costly or name.startswith(costly + ".") for costly in IMPORTED_WHERE_USED))
    assert eager == [], f"{path.name} imports {eager} at its top: import it in the function that needs it"


def test_rendering_reaches_no_classifier():
    # Nor through another module: the renderer's fingerprint is every file its entry point reaches.
    reached = sorted(path for path in render_code() if path.split("/")[0] in CLASSIFIERS)
    assert reached == [], f"rendering reaches {reached}"


def test_the_library_never_imports_its_command_line():
    for path in (ROOT / "reports" / "api.py", ROOT / "reports" / "publish.py", ROOT / "reports" / "rounds.py"):
        assert not any(name.startswith("reports.__main__") for name in imports(path)), path.name


def test_the_reports_fingerprint_holds_exactly_the_code_its_entry_point_imports():
    code = render_code()
    renderer = {path.relative_to(ROOT).as_posix() for path in RENDERER} - {"reports/render/readme.py"}
    assert renderer <= set(code), f"not in the fingerprint: {sorted(renderer - set(code))}"
    assert "reports/render/readme.py" not in code  # `make readme` pastes reports; it renders none
    for elsewhere in ("reports/runner/runner.py", "reports/runner/progress.py", "reports/runner/executors.py",
                      "reports/__main__.py", "reports/publish.py"):
        assert elsewhere not in code  # editing how runs are computed or asked for re-renders nothing
    assert RENDER_ENTRY == "reports.render.write"


def test_the_docs_name_only_files_that_exist():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:common|data|baselines|network|reports|bench|tests)/[\w/.-]+\.(?:py|c|md))`", text))
    assert named, "docs/architecture.md names no file"
    missing = sorted(name for name in named if not (ROOT / name).is_file())
    assert missing == [], f"docs/architecture.md names files that do not exist: {missing}"


def test_a_chapter_report_is_stale_when_its_planned_looks_change(monkeypatch):
    """The chapter states each verdict's confidence from the planned looks (1 - 0.05 / looks), which no
    run file holds: changing a cap or a least count must re-render it, never leave the old words."""
    from types import SimpleNamespace

    from reports import publish

    request = SimpleNamespace(kind="chapter", out="r/chapter1.md", figures="r/figures", command="make chapter",
                              sequential=True)
    before = publish.render_fingerprint(request, ())
    monkeypatch.setattr(publish, "planned_looks", lambda: {"network": [80, 320]})
    assert publish.render_fingerprint(request, ()) != before
