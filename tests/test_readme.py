"""`make readme` pastes generated tables between markers and refuses to paste what does not exist."""

import pytest

from reports.render.readme import paste


def test_generated_blocks_are_replaced_and_the_rest_is_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "table.md").write_text("| a |\n|---|\n| 1 |\n")
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- generated: table.md -->\nold table\n<!-- end generated -->\noutro\n")
    paste(readme)
    paste(readme)  # idempotent
    assert readme.read_text() == "intro\n<!-- generated: table.md -->\n| a |\n|---|\n| 1 |\n<!-- end generated -->\noutro\n"


def test_a_missing_generated_file_is_named_and_nothing_changes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    readme = tmp_path / "README.md"
    original = "<!-- generated: results/nothing.md -->\nold\n<!-- end generated -->\n"
    readme.write_text(original)
    with pytest.raises(FileNotFoundError, match="results/nothing.md"):
        paste(readme)
    assert readme.read_text() == original


def test_the_docs_pages_beside_the_readme_are_pasted_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "table.md").write_text("| b |\n")
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "plugins.md"
    page.write_text("# Plug-ins\n<!-- generated: table.md -->\nold\n<!-- end generated -->\n")
    readme = tmp_path / "README.md"
    readme.write_text("no blocks here\n")
    paste(readme)
    assert page.read_text() == "# Plug-ins\n<!-- generated: table.md -->\n| b |\n<!-- end generated -->\n"
    assert readme.read_text() == "no blocks here\n"


def test_a_source_missing_for_one_page_leaves_every_page_as_it_was(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "table.md").write_text("| a |\n")
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "speed.md"
    page.write_text("<!-- generated: results/nothing.md -->\nold\n<!-- end generated -->\n")
    readme = tmp_path / "README.md"
    original = "<!-- generated: table.md -->\nold\n<!-- end generated -->\n"
    readme.write_text(original)
    with pytest.raises(FileNotFoundError, match="results/nothing.md"):
        paste(readme)
    assert readme.read_text() == original
