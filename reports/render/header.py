"""The header of both reports: what computed the runs and on what, read from the runs' provenance.

On the same code and data, a network's counts depend on the BLAS kernel and SIMD features the machine
chose (one rounding differs, and after an epoch the runs are different runs), so the header names
them. When the runs were computed in more than one setting, it says so, and which runs came from each.
"""

import json
import re
from dataclasses import dataclass
from importlib import metadata

from reports.runner.record import NUMERICS_VARIABLES

UNKNOWN = "not recorded"
TEST_ONLY_FOR_SCORING = "test images used only for scoring"  # the guarantee of reports/runner/protocol.py


@dataclass(frozen=True)
class Made:
    """How a report is made: the `command` a reader types to get it again, when (`generated`), the git
    commit of the code that renders it (`rendered_at`), the checkout's `history` (its commits'
    full hashes, oldest first), which orders the commits that computed the runs, and how many runs
    the request wanted that were not computed (`lost`: the report is then partial, and says so first)."""

    command: str
    generated: str
    rendered_at: str
    history: tuple = ()
    lost: int = 0


RUNS_NOT_COMPUTED = "Runs not computed"  # the section of a partial report that lists them


DIRTY = " (with uncommitted changes)"  # how reports/runner/provenance.py marks a tree with uncommitted changes


def in_history_order(commits_found, history):
    """The recorded commits ("abc1234", "abc1234 (with uncommitted changes)", ...) oldest first, as the
    checkout's history has them, each clean tree before its uncommitted changes; commits this history
    does not hold (another branch's) last, by name."""
    positions = {}
    for position, full in enumerate(history):
        positions.setdefault(full[:7], position)

    def key(commit):
        sha = commit.removesuffix(DIRTY)
        position = next((p for short, p in positions.items() if sha.startswith(short) or short.startswith(sha)), None)
        return (position is None, position or 0, sha, commit.endswith(DIRTY))

    return sorted(commits_found, key=key)


def runs_by_commit(records, history):
    """{commit: {record name: [seeds]}}, commits in history order: which runs each commit computed."""
    found = {}
    for r in records:
        for run in r["runs"]:
            commit = (run.get("provenance") or {}).get("commit") or UNKNOWN
            found.setdefault(commit, {}).setdefault(r["name"], []).append(run["seed"])
    return {commit: found[commit] for commit in in_history_order(found, history)}


def commits(records, made):
    """Which commits computed the runs (oldest first) and, where there are several, which runs each
    computed; and which rendered them: the summary's phrase."""
    by_commit = runs_by_commit(records, made.history)
    if len(by_commit) == 1:
        return f"runs computed at git commit {next(iter(by_commit))}; rendered at {made.rendered_at}"
    found = "; ".join(f"{commit}: {which_runs(runs)}" for commit, runs in by_commit.items())
    return f"runs computed at {len(by_commit)} git commits ({found}); rendered at {made.rendered_at}"


def commit_lines(records, made):
    """The header's lines on code: the commit that rendered the report, then each commit that computed
    runs, oldest first, with the runs it computed, and which came from a tree with uncommitted changes."""
    by_commit = runs_by_commit(records, made.history)
    if len(by_commit) == 1:
        return [f"- Code: {commits(records, made)}"]
    return [f"- Code: rendered at git commit {made.rendered_at}; the runs were computed at {len(by_commit)} commits, "
            "oldest first (a tree with uncommitted changes is not the commit it names: its runs cannot be "
            "recomputed from the history alone):",
            *(f"  - {commit}: {which_runs(runs)}" for commit, runs in by_commit.items())]


def _blas(entry):
    """One BLAS library as "openblas 0.3.30 (Haswell kernel)", from the recorded "openblas 0.3.30 (Haswell)"."""
    match = re.fullmatch(r"(.+) \((.+)\)", entry)
    return f"{match[1]} ({match[2]} kernel)" if match else entry


def setting(run):
    """What describes where a run was computed, as labelled strings (missing fields say so)."""
    provenance = run.get("provenance") or {}
    machine, numerics = provenance.get("machine") or {}, provenance.get("numerics") or {}
    variables = machine.get("variables")
    if variables is None:
        set_variables = UNKNOWN
    elif variables:
        set_variables = ", ".join(f"{k}={v}" for k, v in sorted(variables.items()))
    else:
        set_variables = f"{' and '.join(NUMERICS_VARIABLES)} not set"
    cpu = (f"{machine['cpu']}, {machine.get('architecture', '?')}, {machine.get('cpus', '?')} CPUs"
           if machine.get("cpu") else UNKNOWN)
    libraries = numerics.get("libraries") or {}
    return {
        "CPU": cpu,
        "BLAS": ", ".join(_blas(b) for b in numerics["blas"]) if numerics.get("blas") else UNKNOWN,
        "BLAS threads": ", ".join(machine["blas_threads"]) if machine.get("blas_threads") else UNKNOWN,
        "NumPy SIMD": ", ".join(numerics["numpy_simd"]) if numerics.get("numpy_simd") else UNKNOWN,
        "numerics variables": set_variables,
        "versions": ", ".join(f"{k} {v}" for k, v in libraries.items()) or UNKNOWN,
    }


def which_runs(runs_by_record):
    """"network seeds 0-2, 4; darkness" for {name: [seeds]} (None for a deterministic run)."""
    parts = []
    for name, seeds in runs_by_record.items():
        seeds = sorted(s for s in seeds if s is not None)
        parts.append(f"{name} seed{'s' if len(seeds) > 1 else ''} {ranges(seeds)}" if seeds else name)
    return "; ".join(parts)


def ranges(numbers):
    """"0-2, 4" for [0, 1, 2, 4]: sorted whole numbers as runs of consecutive ones."""
    groups = []
    for n in numbers:
        if groups and n == groups[-1][1] + 1:
            groups[-1][1] = n
        else:
            groups.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in groups)


# The fields of `setting` that a run's identity may hold (reports/runner/identity.py: the numerics of a
# module without its own numerics()); the others (CPU, BLAS threads, variables) change no count.
IN_IDENTITY = {"BLAS": "blas", "NumPy SIMD": "numpy_simd", "versions": "libraries"}


def in_identity(label, records):
    """Whether the runs' identities differ in what `label` describes (a run that recorded no identity
    is taken to hold it, as older runs' provenance did)."""
    key, values = IN_IDENTITY.get(label), set()
    if key is None:
        return False
    for record in records:
        for run in record["runs"]:
            numerics = (run.get("identity") or {}).get("numerics")
            if numerics is None:
                return True
            if key in numerics:
                values.add(json.dumps(numerics[key], sort_keys=True))
    return len(values) > 1


def setting_lines(records):
    """The header's lines on machines and numerics: one line per field when every run shares it, and
    a plain statement with the runs of each setting when they do not."""
    groups = {}
    for r in records:
        for run in r["runs"]:
            fields = setting(run)
            group = groups.setdefault(json.dumps(fields, sort_keys=True), {"fields": fields, "runs": {}})
            group["runs"].setdefault(r["name"], []).append(run["seed"])
    groups = list(groups.values())
    labels = list(groups[0]["fields"])
    shared = [label for label in labels if len({g["fields"][label] for g in groups}) == 1]
    differing = [label for label in labels if label not in shared]
    renderer = f"tabulate {metadata.version('tabulate')}, matplotlib {metadata.version('matplotlib')}"
    lines = []
    alarming = [label for label in differing if in_identity(label, records)]
    calm = [label for label in differing if label not in alarming]
    if alarming:
        lines.append(f"- **The runs were computed in {len(groups)} different settings** (they differ in "
                     f"{', '.join(alarming)}, which are part of the runs' identities): from different settings, "
                     "the same seed is not the same run.")
    if calm:
        lines.append(f"- The runs were computed where {', '.join(calm)} differ, which no run's identity holds: "
                     "no count depends on it.")
    if differing:
        for group in groups:
            lines.append(f"  - {which_runs(group['runs'])}: "
                         + "; ".join(f"{label} {group['fields'][label]}" for label in differing))
    for label in shared:
        value = groups[0]["fields"][label]
        lines.append(f"- {label[0].upper() + label[1:]}: {value}" + (f" (rendered with {renderer})"
                                                                    if label == "versions" else ""))
    if "versions" in differing:
        lines.append(f"- Rendered with {renderer}")
    return lines


def training_sizes(records):
    """"50,000 images (svc-mueller: 60,000)": the most common training-set size, and the others."""
    sizes = {}
    for r in records:
        sizes.setdefault(r["n_train"], []).append(r["name"])
    common = max(sizes, key=lambda n: len(sizes[n]))
    others = [f"{', '.join(names)}: {n:,}" for n, names in sizes.items() if n != common]
    return f"{common:,} images" + (f" ({'; '.join(others)})" if others else "")


def arithmetic_lines(records):
    """Which arithmetic the classifiers that declare one computed with (the network's: its portable C,
    the same bits everywhere, or NumPy on a BLAS where no C compiler worked, whose counts are not the
    canonical ones)."""
    by_arithmetic = {}
    for r in records:
        for run in r["runs"]:
            arithmetic = ((run.get("identity") or {}).get("numerics") or {}).get("arithmetic")
            if arithmetic:
                by_arithmetic.setdefault(arithmetic, set()).add(r["name"])
    lines = []
    for arithmetic, names in sorted(by_arithmetic.items()):
        names = ", ".join(sorted(names))
        if arithmetic == "NumPy":
            lines.append(f"- **Not the canonical counts:** {names} trained in NumPy on this machine's BLAS (no C "
                         "compiler worked here; the run printed why), so their counts depend on the BLAS. The "
                         "canonical counts come from the project's portable C arithmetic")
        else:
            lines.append(f"- Arithmetic of {names}: {arithmetic} (the same bits on every machine)")
    return lines


def plugin_library_lines(records):
    """The libraries each classifier's code imports beyond those of the versions line (a plug-in's
    lightgbm, say), with their versions, as its runs' identity recorded them."""
    listed = set()
    for record in records:
        for run in record["runs"]:
            listed |= set(((run.get("provenance") or {}).get("numerics") or {}).get("libraries") or {})
    parts = []
    for record in records:
        libraries = (record["runs"][0].get("identity") or {}).get("libraries") or {}
        extra = {name: version for name, version in libraries.items() if name not in listed}
        if extra:
            parts.append(f"{record['name']}: " + ", ".join(f"{name} {version}" for name, version in extra.items()))
    return [f"- Libraries of the classifiers beside those: {'; '.join(parts)}"] if parts else []


def partial_lines(lost):
    """A partial report's first line: how many runs of its request are missing, and where they are listed."""
    if not lost:
        return []
    were, are = ("were", "are") if lost != 1 else ("was", "is")
    return [f"- **Partial report: {lost} run{'s' * (lost != 1)} of this request {were} not computed** and {are} "
            f"missing from every table and figure (each is listed under *{RUNS_NOT_COMPUTED}* at the end); run "
            "the same command again to complete it"]


def header_lines(records, made):
    shas = sorted({r["data_sha256"] for r in records})
    return [
        *partial_lines(made.lost),
        f"- Generated: {made.generated} by `{made.command}`",
        *commit_lines(records, made),
        *setting_lines(records),
        *plugin_library_lines(records),
        *arithmetic_lines(records),
        f"- Data: the book's mnist.pkl.gz, SHA-256 `{', '.join(shas)}`; trained on {training_sizes(records)}, "
        f"tested on {records[0]['n_test']:,}",
        f"- {TEST_ONLY_FOR_SCORING[0].upper()}{TEST_ONLY_FOR_SCORING[1:]}: no classifier's fit was given a test image "
        "or label; a classifier that watches data while it trains (its `eval_set`, `eval_X` or `X_val`) was given "
        "the book's validation images, and the runner scored the test images after each epoch or boosting round "
        "itself",
    ]


def made_by(records, made):
    """The line above a report's summary: how it was made, by which code, on which machine."""
    return f"Made by `{made.command}` on {made.generated} ({commits(records, made)}; {where(records)})"


def where(records):
    """One phrase for a summary line: the CPU and BLAS of the runs, or how many settings there were."""
    settings = {json.dumps(setting(run), sort_keys=True) for r in records for run in r["runs"]}
    if len(settings) > 1:
        return f"the runs come from {len(settings)} different settings, named in the report's header"
    fields = json.loads(settings.pop())
    return f"CPU: {fields['CPU']}; BLAS: {fields['BLAS']}"
