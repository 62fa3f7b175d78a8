"""Classifiers by name: the built-in experiments, and plug-ins written as Python would read them.

A plug-in spec is `NAME=package.module:attr key=value ...`: any importable factory (a class or a
function) of objects with `fit` and `predict`, and its keyword arguments, whose values are Python
literals with any spacing, nesting and quoting (`hidden_layer_sizes=(100, 50)`, `name='a b'`).
Several entries are separated by `;` (a `;` inside a quoted value or brackets is part of the value).
A bare built-in name adds that experiment. Names are unique, and a plug-in may not take a built-in's
name; all of it is checked before anything runs, the parameters' names included: a name the
factory does not take stops with the closest one it does take (`n_neighbours` -> `n_neighbors`).

How a plug-in is seeded can be declared with the reserved key `seeding` (never passed to the factory):
- `seeding=seeds`: run over seeds like the chapter's stochastic classifiers, each seed passed as
  `random_state` (the factory must take one);
- `seeding=fixed`: one run, with the `random_state` the spec gives, or the factory's own default;
- `seeding=deterministic`: one run, nothing passed: the estimator does not depend on a seed.
A declared plug-in is not probed. Undeclared, a plug-in whose factory takes `random_state` and is not
given one is run over seeds until two seeds show whether it really is stochastic (the probe); one given
`random_state=...` is run once, with that value.

The reserved key `inputs=['file', ...]` names files a plug-in reads while it runs: their content then
counts in its runs' identity (reports/runner/identity.py).
"""

import ast
import difflib
import inspect
import io
import re
import sys
import tokenize

from reports.runner.experiments import BY_NAME, Experiment
from reports.runner.factory import import_factory
from reports.runner.seed_unused import seed_unused

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
HEADER = re.compile(r"\s*(?P<name>[^\s=]*)=(?P<path>[^\s]*)(?P<rest>.*)", re.DOTALL)
BRACKETS = {"(": ")", "[": "]", "{": "}"}


class RegistryError(Exception):
    """A classifier name or plug-in spec that cannot be used; the message names it."""


def _tokens(text, who):
    """Python's tokens of `text`, or a RegistryError naming `who` (an unclosed quote, say)."""
    if "\n" in text or "\r" in text:
        raise RegistryError(f"{who}: {text!r}: a plug-in spec is one line")
    try:
        tokens = [token for token in tokenize.generate_tokens(io.StringIO(text).readline)
                  if token.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT,
                                        tokenize.DEDENT)]
    except (tokenize.TokenError, IndentationError, SyntaxError) as error:
        raise RegistryError(f"{who}: {text.strip()!r}: {error.args[0]} (an unclosed quote or bracket?)") from None
    if any(token.type == tokenize.ERRORTOKEN and token.string in "'\"" for token in tokens):
        raise RegistryError(f"{who}: {text.strip()!r}: an unclosed quote or bracket")
    return tokens


def _top_level(tokens):
    """(token, is it outside every bracket) for each token."""
    depth = 0
    for token in tokens:
        if token.type == tokenize.OP and token.string in BRACKETS:
            depth += 1
        elif token.type == tokenize.OP and token.string in BRACKETS.values():
            depth -= 1
            yield token, False
            continue
        yield token, depth == 0


def split_entries(text):
    """The entries of EXTRA, split at each `;` outside quotes and brackets; empty ones dropped."""
    cuts = [token.start[1] for token, top in _top_level(_tokens(text, "EXTRA")) if top and token.string == ";"]
    bounds = zip([-1, *cuts], [*cuts, len(text)])
    return [entry.strip() for entry in (text[start + 1:end] for start, end in bounds) if entry.strip()]


def parse_params(text, who):
    """{key: value} from `key=value key=value ...`, each value a Python literal."""
    tokens = _tokens(text, who)
    starts = []  # (where the key starts, where its value starts, the key)
    for i, (token, top) in enumerate(_top_level(tokens)):
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if top and token.type == tokenize.NAME and following is not None and following.string == "=":
            starts.append((token.start[1], following.end[1], token.string))
    if not starts and text.strip():
        raise RegistryError(f"{who}: {text.strip()!r} is not of the form key=value")
    if starts and text[:starts[0][0]].strip():
        raise RegistryError(f"{who}: {text[:starts[0][0]].strip()!r} is not of the form key=value")
    params = {}
    for (_, value_start, key), following in zip(starts, [*starts[1:], (len(text), None, None)]):
        value_text = text[value_start:following[0]].strip()
        if key in params:
            raise RegistryError(f"{who}: parameter {key!r} is given twice")
        if key == SEEDING and value_text.isidentifier():  # seeding=seeds reads as well as seeding='seeds'
            params[key] = value_text
            continue
        try:
            params[key] = ast.literal_eval(value_text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            hint = f"; quote a string: {key}='{value_text}'" if value_text.isidentifier() else ""
            raise RegistryError(f"{who}: the value of {key} is not a Python literal: {value_text!r}{hint}") from None
    return params


def _takes_random_state(factory):
    try:
        return "random_state" in inspect.signature(factory).parameters
    except (TypeError, ValueError):  # some builtins have no signature
        return False


# The reserved key of a spec that says how a plug-in is seeded; never passed to the factory.
SEEDING = "seeding"
SEEDINGS = ("seeds", "fixed", "deterministic")
KWARGS_TYPO = 0.8  # how close an unknown name must be to a known one to be suggested in a warning


def known_parameters(factory):
    """(the keyword names `factory` takes, whether it takes others too), or (None, True) when they
    cannot be known before it runs: a function with **kwargs, or a callable without a signature.

    A class whose __init__ takes **kwargs (LightGBM's estimators pass any library option through) is
    asked for `get_params()` of an instance made with no arguments: the names it knows for sure."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # some builtins have no signature
        return None, True
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if not any(p.kind == p.VAR_KEYWORD for p in parameters):
        return names, False
    if inspect.isclass(factory) and callable(getattr(factory, "get_params", None)):
        try:  # an estimator's __init__ only stores its arguments: cheap, and nothing is fitted
            return sorted(set(names) | set(factory().get_params(deep=False))), True
        except (Exception, SystemExit):  # cannot be made without arguments: the signature is all we know
            pass
    return names, True


def check_params(factory, params, name, warn=None):
    """Refuse, before anything is fitted, a parameter `factory` does not take, suggesting the closest
    name it does take. Where the factory also takes names it does not list (**kwargs: LightGBM and
    XGBoost hand them to their library, which knows aliases such as LightGBM's `max_leaves` for
    `num_leaves`), nothing is refused: a near miss of a listed name is only warned of, through `warn`
    (stderr by default), since the library decides."""
    known, open_ended = known_parameters(factory)
    if known is None:
        return
    title = getattr(factory, "__name__", repr(factory))
    for key in params:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=KWARGS_TYPO if open_ended else 0.6)
        if open_ended:
            if close:
                (warn or _warn)(f"warning: {name}: {key!r} is not a parameter {title} lists; it is passed through "
                                f"its **kwargs to its library (an alias, or a typo of {close[0]!r}?)")
            continue
        hint = f"; did you mean {close[0]!r}?" if close else (
            f"; it takes {', '.join(known)}" if known else "; it takes no parameters")
        raise RegistryError(f"{name}: {title} has no parameter {key!r}{hint}")


def _warn(line):
    print(line, file=sys.stderr, flush=True)


def parse_plugin(spec):
    """An Experiment from "NAME=package.module:attr key=value ..."; imports the factory to check it."""
    match = HEADER.fullmatch(spec)
    if not match:
        raise RegistryError(f"{spec!r}: a plug-in is written NAME=package.module:attr [key=value ...]")
    name, path = match["name"], match["path"]
    if not NAME_PATTERN.fullmatch(name):
        raise RegistryError(f"{name!r}: a classifier name starts with a letter or digit and uses letters, "
                            "digits, '_', '.' and '-' only")
    if name in BY_NAME:
        raise RegistryError(f"{name!r} is a built-in classifier; give the plug-in another name")
    params = parse_params(match["rest"], name)
    seeding = params.pop(SEEDING, None)
    inputs = params.pop("inputs", ())
    if not isinstance(inputs, (list, tuple)) or not all(isinstance(item, str) and item for item in inputs):
        raise RegistryError(f"{name}: inputs={inputs!r}: a list of file names, e.g. inputs=['weights.npy']")
    factory = import_factory(path, name)
    check_params(factory, params, name)
    return Experiment(name, path, params, stochastic=_stochastic(factory, params, seeding, name), seeding=seeding,
                      inputs=tuple(inputs))


def _stochastic(factory, params, seeding, name):
    """Whether a plug-in runs over seeds, as its spec declares it (`seeding`) or, undeclared, as its
    factory suggests: given a random_state, the user has chosen one run; otherwise a factory that takes
    one is tried over seeds until two of them show whether it really is stochastic (the probe)."""
    takes = _takes_random_state(factory)
    if seeding is None:  # undeclared: probed, unless its documentation says the seed is unused here
        return takes and "random_state" not in params and not seed_unused(factory, params)
    if seeding not in SEEDINGS:
        raise RegistryError(f"{name}: seeding={seeding!r}; it is one of {', '.join(SEEDINGS)}")
    if seeding == "seeds" and not takes:
        raise RegistryError(f"{name}: seeding=seeds, but its factory takes no random_state to pass a seed to; "
                            "say seeding=deterministic")
    if seeding == "seeds" and "random_state" in params:
        raise RegistryError(f"{name}: seeding=seeds gives random_state a seed per run; drop random_state="
                            f"{params['random_state']!r}, or say seeding=fixed to keep it")
    return seeding == "seeds"


def resolve(name_or_spec):
    """The Experiment for a built-in name or a plug-in spec."""
    text = name_or_spec.strip()
    if "=" in text:
        return parse_plugin(text)
    if text in BY_NAME:
        return BY_NAME[text]
    raise RegistryError(f"unknown classifier {text!r}; built-in: {', '.join(BY_NAME)}; "
                        "or a plug-in NAME=package.module:attr")


def select(builtins, only="", extra=""):
    """The experiments of a report: `builtins` (names), narrowed to `only` (names separated by
    spaces or commas) if given, plus the entries of `extra`.
    Every name appears once; all of it is checked before anything runs."""
    chosen = list(builtins)
    wanted = [name for name in re.split(r"[\s,]+", only) if name]
    if wanted:
        unknown = [name for name in wanted if name not in BY_NAME]
        if unknown:
            raise RegistryError(f"ONLY names {', '.join(map(repr, unknown))}, not built-in classifiers; "
                                f"built-in: {', '.join(BY_NAME)}")
        chosen = list(dict.fromkeys(wanted))
    experiments = [BY_NAME[name] for name in chosen]
    for entry in split_entries(extra):
        experiment = resolve(entry)
        if experiment.name in {e.name for e in experiments}:
            raise RegistryError(f"{experiment.name!r} appears twice in the report; every classifier needs its "
                                "own name")
        experiments.append(experiment)
    return experiments


def is_plugin(experiment):
    return experiment.name not in BY_NAME
