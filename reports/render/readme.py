"""Paste generated tables into README.md and the docs/ pages between markers, so that no figure there
is typed by hand.

A block in a page reads:
    <!-- generated: results/report-summary.md -->
    ... (replaced on every run) ...
    <!-- end generated -->
The source is named relative to the directory the command runs in (the project's), on every page.
"""

import re
import sys
from pathlib import Path

from common.files import write_text_atomic

BLOCK = re.compile(r"(<!-- generated: (?P<source>\S+) -->\n).*?(<!-- end generated -->)", re.DOTALL)


def pasted(text):
    """(`text` with every generated block filled from its source, the sources that do not exist)."""
    missing = []

    def replace(match):
        source = Path(match.group("source"))
        if not source.is_file():
            missing.append(str(source))
            return match.group(0)
        return match.group(1) + source.read_text(encoding="utf-8") + match.group(3)

    return BLOCK.sub(replace, text), missing


def pages(readme_path):
    """The README and the pages of the docs/ folder beside it (not docs/results/, which is copied)."""
    readme = Path(readme_path)
    return [readme, *sorted((readme.parent / "docs").glob("*.md"))]


def paste(readme_path="README.md"):
    """Fill the generated blocks of the README and of every docs/ page beside it. Nothing is written
    unless every source exists: a FileNotFoundError names the missing ones."""
    new_texts, missing = {}, []
    for page in pages(readme_path):
        text = page.read_text(encoding="utf-8")
        new_texts[page], page_missing = pasted(text)
        missing += page_missing
        if new_texts[page] == text:
            del new_texts[page]
    if missing:
        raise FileNotFoundError(f"not generated yet: {', '.join(dict.fromkeys(missing))}; "
                                "run the command that writes each first (make report, make chapter, make plugin-example)")
    for page, text in new_texts.items():
        write_text_atomic(page, text)


if __name__ == "__main__":
    try:
        paste(*sys.argv[1:])
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
