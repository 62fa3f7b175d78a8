"""Paste generated tables into README.md between markers, so that no figure there is typed by hand.

A block in the README reads:
    <!-- generated: results/report-summary.md -->
    ... (replaced on every run) ...
    <!-- end generated -->
"""

import re
import sys
from pathlib import Path

from data.files import write_text_atomic

BLOCK = re.compile(r"(<!-- generated: (?P<source>\S+) -->\n).*?(<!-- end generated -->)", re.DOTALL)


def paste(readme_path="README.md"):
    readme = Path(readme_path)
    text = readme.read_text(encoding="utf-8")
    missing = []

    def replace(match):
        source = Path(match.group("source"))
        if not source.is_file():
            missing.append(str(source))
            return match.group(0)
        return match.group(1) + source.read_text(encoding="utf-8") + match.group(3)

    new_text = BLOCK.sub(replace, text)
    if missing:
        raise FileNotFoundError(f"not generated yet: {', '.join(missing)}; "
                                "run `make report` (and `make chapter`) first")
    write_text_atomic(readme, new_text)


if __name__ == "__main__":
    try:
        paste(*sys.argv[1:])
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
