"""A figure is drawn again only when what it shows could have changed.

Every figure file carries, inside the PNG (a text chunk written with the image, so the two cannot part),
the digest of everything that decides its pixels:
- the drawing function and its arguments (the records, the test images, the paths excepted);
- the code that renders: every module the render entry point imports, as the publish step read it
  for the report's fingerprint (reports/publish.py; comments and docstrings do not count), given for
  the render with `rendering_code`; a figure drawn without it has no digest;
- matplotlib's settings (a matplotlibrc changes the picture) and the versions of matplotlib, NumPy and
  Pillow.
A render that finds a file with the same digest at the figure's path keeps it and draws nothing: a
re-render of unchanged runs costs the text, not the pictures. A file without it (drawn by an older
version, or not by us) or with another is drawn again. What is not seen: fonts installed on the system
after a figure was drawn, when matplotlib's settings ask for them by a family name.
"""

import contextlib
import contextvars
import functools
import hashlib
import inspect
import json
import sys
from pathlib import Path

import matplotlib
import numpy as np
import PIL

from common.files import atomic_path

KEY = "Figure-digest"  # the PNG text chunk that holds it
DPI = 110
# The digest of the figure being drawn, for `save` (set by `drawn_once` around the drawing).
_drawing = contextvars.ContextVar("figure digest", default=None)


class _NoDigest(TypeError):
    """An argument whose digest could not say all that it does."""


def _encoded(value):
    """`value` as JSON can hold it, for the digest: arrays by their type, shape and bytes, functions
    by their name and their module's code. Anything else (a lambda or a closure, whose captured values
    could change unseen) has none: _NoDigest."""
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        return {"array": array.dtype.str, "shape": array.shape,
                "sha256": hashlib.sha256(memoryview(array).cast("B")).hexdigest()}
    if isinstance(value, np.generic):
        return value.item()
    if inspect.isfunction(value) and value.__closure__ is None and "<" not in value.__qualname__:
        # A function of a module's top level: its name and its module's code say all it does.
        return {"function": f"{value.__module__}.{value.__qualname__}", "code": _code(value.__module__)}
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if hasattr(value, "__dataclass_fields__"):
        return {"dataclass": type(value).__qualname__, **vars(value)}
    if isinstance(value, Path):
        return str(value)
    raise _NoDigest(type(value).__name__)


# The code that renders ({path: digest}), for the figures drawn within `rendering_code`.
_rendering = contextvars.ContextVar("the code that renders", default=None)


@contextlib.contextmanager
def rendering_code(code):
    """Within the block, a figure's digest covers `code`, {path: digest} of the code that renders."""
    token = _rendering.set(dict(code))
    try:
        yield
    finally:
        _rendering.reset(token)


def _code(module_name):
    """The code that decides what `module_name`'s figures show: all the code that renders (a figure
    is drawn again when any of it changes). Unknown outside `rendering_code`: then no digest."""
    code = _rendering.get()
    if code is None:
        raise _NoDigest(f"the code that renders {module_name} was not given")
    return code


def figure_digest(draw, arguments):
    """The digest of the figure `draw(**arguments)` draws (see the module's docstring), or None when
    an argument cannot be digested: no digest rather than one that could go stale."""
    try:
        facts = {
            "function": _encoded(draw),
            "arguments": arguments,
            "libraries": {"matplotlib": matplotlib.__version__, "numpy": np.__version__, "pillow": PIL.__version__},
            "settings": sorted((key, repr(value)) for key, value in matplotlib.rcParams.items()),
        }
        text = json.dumps(facts, sort_keys=True, default=_encoded)
    except _NoDigest:
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def recorded_digest(path):
    """The digest written into the PNG at `path`, or None (no file, not a PNG, none written)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.text.get(KEY) if image.format == "PNG" else None
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def drawn_once(draw):
    """Decorate a figure function `draw(..., path, ...)`, which saves with `save` and returns the path
    (or None when it has nothing to draw): when the file at `path` records the digest of this very
    figure, return `path` without drawing. A figure without a digest is drawn every time."""
    signature = inspect.signature(draw)

    @functools.wraps(draw)
    def drawn(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = {name: value for name, value in bound.arguments.items() if name != "path"}
        digest = figure_digest(draw, arguments)
        path = Path(bound.arguments["path"])
        if digest is not None and recorded_digest(path) == digest:
            return path
        token = _drawing.set(digest)
        try:
            return draw(*args, **kwargs)
        finally:
            _drawing.reset(token)

    return drawn


def save(fig, path):
    """Save `fig` to `path` as a PNG, atomically, with the digest of the figure being drawn; close it
    (a figure of pyplot's; one made without pyplot has nothing to close)."""
    digest = _drawing.get()
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=DPI, bbox_inches="tight", format="png",
                        metadata={KEY: digest} if digest is not None else None)
    finally:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close(fig)
    return path
