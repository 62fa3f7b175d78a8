"""Run files: one JSON per (classifier, seed), written atomically, read back with every check.

`results/runs/NAME/seed-K.DIGEST.json` (or `run.DIGEST.json` for a deterministic classifier) holds
one Run (reports/runner/record.py says what it holds). A file that does not read back whole, whose
stored count disagrees with its predictions, or whose content is not what its name and place say
(its classifier, its seed, its identity's digest) is a StoreError naming it, never shown.
"""

import re
from pathlib import Path

from common.files import write_text_atomic
from reports.runner.identity import digest, run_file
from reports.runner.record import Run, RunRecordError, SchemaError

# A run file's name: seed-K.DIGEST.json, or run.DIGEST.json for a classifier run once.
RUN_FILE_NAME = re.compile(r"(?:seed-(?P<seed>\d+)|run)\.(?P<digest>[0-9a-f]+)\.json")

class StoreError(Exception):
    """A run file that cannot be used; the message names it and says what to do."""


def stored_as(run):
    """The file `run` (a Run, or the dict it is stored as) has in its results folder, as the runner
    names it: runs/NAME/seed-K.DIGEST.json (`reports render` may have read it under another name)."""
    return run_file(run["name"], run["stochastic"], run["seed"], run["digest"]).as_posix()


def write_run(path, run):
    """Write `run` (a Run) to `path`, atomically."""
    write_text_atomic(path, run.to_json())


def read_run(path):
    """The Run stored at `path`, checked: schema, fields, and counts that agree with the predictions."""
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path}: a directory, not a run file")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StoreError(f"{path}: no such run file") from None
    except OSError as error:
        raise StoreError(f"{path}: cannot read it ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise _unreadable(path, f"not text: {error}") from None
    try:
        return _in_its_place(path, Run.from_json(text))
    except SchemaError as error:
        raise StoreError(f"{path}: {error}; run the same command again to compute it with this version") from None
    except RunRecordError as error:
        raise _corrupt(path, str(error)) from None
    except (ValueError, TypeError) as error:  # not JSON, or JSON of another shape
        raise _unreadable(path, f"not JSON of a run: {error}") from None


def _in_its_place(path, run):
    """`run`, if it is what the name and folder of `path` say: its seed, its digest (and its identity's),
    and its classifier when it lies in runs/NAME/; a RunRecordError otherwise (a copied or renamed file)."""
    named = RUN_FILE_NAME.fullmatch(path.name)
    if named is None:
        return run  # a run file kept under another name (`reports render` takes any): only its content counts
    seed = int(named["seed"]) if named["seed"] is not None else None
    said = {"name": path.parent.name} if path.parent.parent.name == "runs" else {}
    said.update(seed=seed, digest=named["digest"])
    wrong = [f"{key} {run[key]!r}" for key, value in said.items() if run[key] != value]
    if digest(run["identity"]) != run["digest"]:
        wrong.append(f"an identity of digest {digest(run['identity'])}")
    if wrong:
        raise RunRecordError(f"it holds {', '.join(wrong)}, not what its name and folder say")
    return run


def _unreadable(path, why):
    if path.suffix != ".json" or "runs" not in path.parts:
        return StoreError(f"{path}: not a run file of this project ({why.split(':')[0]})")
    return _corrupt(path, why)


def _corrupt(path, why):
    return StoreError(f"{path}: corrupt run file ({why}); delete it and run the same command again")
