"""The README and the docs/ pages hold: a README short enough to read in five minutes, links that lead
somewhere, no fact of the code typed by hand outside the generated blocks, and every error message the
commands print explained in docs/troubleshooting.md."""

import ast
import inspect
import re
from pathlib import Path

import pytest

from network.classifier import NetworkClassifier
from reports.runner.request import DEFAULT_SEEDS

NETWORK_DEFAULTS = {name: p.default for name, p in inspect.signature(NetworkClassifier).parameters.items()}

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
MAX_README_LINES = 170
GENERATED = re.compile(r"<!-- generated: \S+ -->\n.*?<!-- end generated -->", re.DOTALL)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def test_the_readme_reads_in_five_minutes():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines; move the detail into docs/"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_link_leads_to_a_file(page):
    targets = [target.split("#")[0] for target in LINK.findall(page.read_text(encoding="utf-8"))
               if "://" not in target and not target.startswith(("#", "mailto:"))]
    missing = [target for target in targets if not (page.parent / target).exists()]
    assert not missing, f"{page.name} links to files that do not exist: {missing}"


# ---------------------------------------------------------------- facts of the code, never typed in the README

def number(value):
    """A regex for `value` standing alone (not a digit of 10,000 or 3.05); 3.0 may be written 3."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    written = re.escape(text) + (r"(?:\.0)?" if "." not in text else "")
    return rf"(?<![\d.,]){written}(?![\d]|[.,]\d)"


def typed_facts(text):
    """The facts of the code that `text` types outside its generated blocks: a default number of seeds
    next to the word "seeds", and the network's settings next to their names in a sentence that
    calls them ours or the default."""
    text = GENERATED.sub("", text)
    found = []
    for seeds in sorted(set(DEFAULT_SEEDS.values())):
        n = number(seeds)
        near = rf"{n}(?:\W+\w+){{0,2}}?\W+seeds\b|\bseeds\b(?:\W+\w+){{0,2}}?\W+{n}"
        found += [match.group(0) for match in re.finditer(near, text)]
    network = NETWORK_DEFAULTS
    settings = {"epochs": rf"{number(network['epochs'])}\s+epochs|epochs\W{{1,3}}{number(network['epochs'])}",
                "mini-batch": rf"mini-?batch(?:es)?(?:\s+size)?(?:\s+of)?\W{{1,3}}{number(network['mini_batch_size'])}"
                              rf"|{number(network['mini_batch_size'])}\W+mini-?batch",
                "eta": rf"(?:\beta|η|learning rate)\W{{1,3}}{number(network['eta'])}"}
    for sentence in re.split(r"(?<=[.;!?])\s+|\n\s*\n", text):
        if re.search(r"\b(?:our|ours|default|defaults)\b", sentence, re.IGNORECASE):
            found += [match.group(0) for pattern in settings.values() for match in re.finditer(pattern, sentence)]
    return found


@pytest.mark.parametrize("text", [
    f"Each classifier runs over {DEFAULT_SEEDS['report']} seeds.",
    f"seeds (default {DEFAULT_SEEDS['chapter']})",
    f"Our network trains for {NETWORK_DEFAULTS['epochs']} epochs.",
    f"By default eta = {NETWORK_DEFAULTS['eta']:g}, as the book's.",
    f"our mini-batch size of {NETWORK_DEFAULTS['mini_batch_size']}",
])
def test_a_fact_typed_by_hand_is_found(text):
    assert typed_facts(text)


@pytest.mark.parametrize("text", [
    "The report runs over several seeds on 10,000 test images.",
    "<!-- generated: results/x.md -->\nover 5 seeds, our 30 epochs\n<!-- end generated -->\n",
    "The book's settings: 30 epochs, a mini-batch of 10, eta = 3.0.",
])
def test_what_is_not_a_typed_fact_passes(text):
    assert not typed_facts(text)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_no_page_types_a_fact_of_the_code(page):
    assert not typed_facts(page.read_text(encoding="utf-8")), "paste it, or say it without the number"


# ---------------------------------------------------------------- every message explained

# The errors the commands print in one line (common/cli.py's run_main and the commands' own handlers),
# and the network's checks, which a plug-in spec of its estimator meets as "NAME: ValueError in fit".
MESSAGE_ERRORS = {"ArgumentError", "CleanError", "ClusterError", "DataError", "EvaluationError", "FactoryError",
                  "RecordError", "RegistryError", "RequestError", "StoreError", "WriteError"}
MESSAGE_FILES = [*sorted((ROOT / "reports").rglob("*.py")), *sorted((ROOT / "common").glob("*.py")),
                 *sorted((ROOT / "data").glob("*.py")),
                 ROOT / "network" / "network.py", ROOT / "network" / "classifier.py"]
SHORTEST_FRAGMENT = 12  # characters: shorter fixed parts of a message ("{path}: ") say nothing


def _fixed_parts(node):
    """The literal text of a message: the constant parts of an f-string or of a sum of strings."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [part.value for part in node.values if isinstance(part, ast.Constant)]
    if isinstance(node, ast.BinOp):
        return _fixed_parts(node.left) + _fixed_parts(node.right)
    return []


def messages(path):
    """(line, longest fixed part) of every message `path` raises or prints as an error."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        parts = _fixed_parts(node.args[0])
        is_error = name in MESSAGE_ERRORS or (name == "ValueError" and path.parent.name == "network")
        printed = name == "print" and parts and parts[0].startswith("error: ")
        if (is_error or printed) and parts:
            longest = max((" ".join(part.replace("error: ", "").split()) for part in parts), key=len)
            if len(longest) >= SHORTEST_FRAGMENT:
                found.append((node.lineno, longest))
    return found


def test_every_message_the_commands_print_is_in_the_troubleshooting_table():
    table = " ".join((ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8").split())
    missing = [f"{path.relative_to(ROOT)}:{line}: {fragment!r}" for path in MESSAGE_FILES
               for line, fragment in messages(path) if fragment not in table]
    assert not missing, "docs/troubleshooting.md does not explain:\n" + "\n".join(missing)
