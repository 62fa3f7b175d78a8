"""The fetch chain, verification and loading of data/, on tiny fake files (no network)."""

import gzip
import os
import pickle

import numpy as np
import pytest

from data import DataError, fetch, load_mnist, mnist, sources
from common.files import atomic_path, sha256_of

TINY = {"train": 5, "validation": 3, "test": 4}


def fake_triple(sizes=TINY, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(
        (rng.integers(0, 256, size=(n, 784)).astype(np.float32) / 256, rng.integers(0, 10, size=n).astype(np.int64))
        for n in sizes.values()
    )


def write_pkl_gz(path, obj):
    with gzip.open(path, "wb") as file:
        pickle.dump(obj, file, protocol=2)
    return sha256_of(path)


@pytest.fixture
def good_file(tmp_path):
    """A tiny file shaped like the book's, and its SHA-256."""
    path = tmp_path / "source" / "mnist.pkl.gz"
    path.parent.mkdir()
    return path, write_pkl_gz(path, fake_triple())


def failing_source(reason="offline"):
    def source(dest):
        raise sources.SourceUnavailable(reason)

    source.description = f"a source that is {reason}"
    return source


def counting(source):
    """Wrap a source so a test can tell whether it was used."""
    def wrapper(dest):
        wrapper.calls += 1
        source(dest)

    wrapper.calls = 0
    wrapper.description = source.description
    return wrapper


def test_remote_source_fills_an_empty_cache_and_load_returns_the_arrays(tmp_path, good_file):
    path, digest = good_file
    cache = tmp_path / "cache"
    loaded = load_mnist(data_dir=cache, sha256=digest, sizes=TINY,
                        remote_sources=[failing_source(), sources.from_file(path)])
    expected = fake_triple()
    for name, (images, labels) in zip(mnist.SPLITS, expected):
        np.testing.assert_array_equal(getattr(loaded, name).images, images)
        np.testing.assert_array_equal(getattr(loaded, name).labels, labels)
    assert loaded.train.images.dtype == np.float32 and loaded.train.labels.dtype == np.int64
    assert sha256_of(cache / "mnist.pkl.gz") == digest


def test_second_load_uses_the_npz_without_any_source(tmp_path, good_file):
    path, digest = good_file
    remote = counting(sources.from_file(path))
    load_mnist(data_dir=tmp_path, sha256=digest, sizes=TINY, remote_sources=[remote])
    (tmp_path / "mnist.pkl.gz").unlink()  # the npz alone must be enough
    load_mnist(data_dir=tmp_path, sha256=digest, sizes=TINY, remote_sources=[remote])
    assert remote.calls == 1


def test_user_named_file_is_copied_into_the_cache(tmp_path, good_file):
    path, digest = good_file
    assert fetch(path, data_dir=tmp_path, sha256=digest, remote_sources=[]) == tmp_path / "mnist.pkl.gz"
    assert sha256_of(tmp_path / "mnist.pkl.gz") == digest


def test_user_named_file_via_environment_variable(tmp_path, good_file, monkeypatch):
    path, digest = good_file
    monkeypatch.setenv(mnist.ENV_VAR, str(path))
    fetch(data_dir=tmp_path, sha256=digest, remote_sources=[])
    assert (tmp_path / "mnist.pkl.gz").is_file()


def test_user_named_file_with_wrong_checksum_is_reported_and_left_alone(tmp_path, good_file):
    path, digest = good_file
    before = path.read_bytes()
    with pytest.raises(DataError, match="SHA-256 is .* expected 0+"):
        fetch(path, data_dir=tmp_path, sha256="0" * 64, remote_sources=[])
    assert path.read_bytes() == before
    assert not (tmp_path / "mnist.pkl.gz").exists()


def test_truncated_cache_is_moved_aside_and_fetched_again(tmp_path, good_file, capsys):
    path, digest = good_file
    cached = tmp_path / "mnist.pkl.gz"
    cached.write_bytes(path.read_bytes()[:100])
    fetch(data_dir=tmp_path, sha256=digest, remote_sources=[sources.from_file(path)])
    assert sha256_of(cached) == digest
    assert (tmp_path / "mnist.pkl.gz.bad").stat().st_size == 100
    assert "moved aside" in capsys.readouterr().err


def test_flipped_byte_in_cache_is_caught(tmp_path, good_file):
    path, digest = good_file
    corrupt = bytearray(path.read_bytes())
    corrupt[len(corrupt) // 2] ^= 0xFF
    (tmp_path / "mnist.pkl.gz").write_bytes(bytes(corrupt))
    with pytest.raises(DataError, match="Could not get a verified"):
        fetch(data_dir=tmp_path, sha256=digest, remote_sources=[failing_source()])
    # The bad bytes are kept aside for inspection, never left where a later run would trust them.
    assert not (tmp_path / "mnist.pkl.gz").exists()
    assert (tmp_path / "mnist.pkl.gz.bad").read_bytes() == bytes(corrupt)


def test_source_with_wrong_bytes_is_skipped_for_the_next(tmp_path, good_file):
    path, digest = good_file
    wrong = tmp_path / "wrong.pkl.gz"
    wrong.write_bytes(b"not the file")
    fetch(data_dir=tmp_path / "cache", sha256=digest,
          remote_sources=[sources.from_file(wrong), sources.from_file(path)])
    assert sha256_of(tmp_path / "cache" / "mnist.pkl.gz") == digest


def test_offline_error_lists_every_source_and_how_to_place_the_file(tmp_path):
    with pytest.raises(DataError) as error:
        fetch(data_dir=tmp_path, sha256="0" * 64, remote_sources=[failing_source("offline"), failing_source("refused")])
    message = str(error.value)
    assert "a source that is offline: offline" in message and "a source that is refused: refused" in message
    assert str(tmp_path / "mnist.pkl.gz") in message and "--path" in message
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_https_source_fails_fast_and_cleanly_on_a_closed_port():
    source = sources.from_https("https://127.0.0.1:9/mnist.pkl.gz", timeout=2)
    with pytest.raises(sources.SourceUnavailable, match="127.0.0.1"):
        source(os.devnull)


def test_truncated_gzip_with_matching_checksum_is_a_clear_error(tmp_path, good_file):
    path, _ = good_file
    truncated = tmp_path / "truncated.pkl.gz"
    truncated.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(DataError, match="not a readable gzip'd pickle"):
        load_mnist(truncated, data_dir=tmp_path / "cache", sha256=sha256_of(truncated), sizes=TINY)
    assert not (tmp_path / "cache" / "mnist.npz").exists()


@pytest.mark.parametrize("broken, message", [
    (lambda t: ((t[0][0][:, :10], t[0][1]), t[1], t[2]), r"train images: shape \(5, 10\)"),
    (lambda t: (t[0], (t[1][0], t[1][1][:2]), t[2]), r"validation labels: shape \(2,\)"),
    (lambda t: (t[0], t[1], (t[2][0], t[2][1].astype(np.float64))), "test labels: expected a 1-d integer array"),
    (lambda t: (t[0], t[1], (t[2][0] * 2, t[2][1])), r"test images: values must be finite and in \[0, 1\)"),
    (lambda t: t[:2], "expected three"),
])
def test_arrays_of_the_wrong_shape_or_type_are_named(tmp_path, broken, message):
    path = tmp_path / "odd.pkl.gz"
    digest = write_pkl_gz(path, broken(fake_triple()))
    with pytest.raises(DataError, match=message):
        load_mnist(path, data_dir=tmp_path, sha256=digest, sizes=TINY)


def test_a_pickle_that_imports_anything_else_is_refused_even_with_a_matching_checksum(tmp_path):
    path = tmp_path / "evil.pkl.gz"
    digest = write_pkl_gz(path, (os.getcwd, 1, 2))  # would resolve a global from the os module
    with pytest.raises(DataError, match="refusing to load"):
        load_mnist(path, data_dir=tmp_path, sha256=digest, sizes=TINY)


def test_corrupt_npz_is_set_aside_and_rebuilt(tmp_path, good_file):
    path, digest = good_file
    load_mnist(path, data_dir=tmp_path, sha256=digest, sizes=TINY)
    npz = tmp_path / "mnist.npz"
    npz.write_bytes(npz.read_bytes()[:300])
    loaded = load_mnist(data_dir=tmp_path, sha256=digest, sizes=TINY, remote_sources=[])
    np.testing.assert_array_equal(loaded.test.labels, fake_triple()[2][1])
    assert (tmp_path / "mnist.npz.bad").exists()


def test_an_edited_npz_that_kept_its_source_checksum_is_rebuilt(tmp_path, good_file, capsys):
    path, digest = good_file
    load_mnist(path, data_dir=tmp_path, sha256=digest, sizes=TINY)
    npz = tmp_path / "mnist.npz"
    with np.load(npz) as held:
        arrays = dict(held)
    arrays["test_labels"] = (arrays["test_labels"] + 1) % 10  # every test label changed, checksums kept
    np.savez(npz, **arrays)
    loaded = load_mnist(data_dir=tmp_path, sha256=digest, sizes=TINY, remote_sources=[])
    np.testing.assert_array_equal(loaded.test.labels, fake_triple()[2][1])
    assert "its arrays are not those it was converted with" in capsys.readouterr().err


def test_npz_from_another_source_file_is_not_trusted(tmp_path, good_file):
    path, digest = good_file
    load_mnist(path, data_dir=tmp_path, sha256=digest, sizes=TINY)
    other = tmp_path / "other.pkl.gz"
    other_digest = write_pkl_gz(other, fake_triple(seed=1))
    loaded = load_mnist(data_dir=tmp_path, sha256=other_digest, sizes=TINY, remote_sources=[sources.from_file(other)])
    np.testing.assert_array_equal(loaded.train.labels, fake_triple(seed=1)[0][1])


def test_atomic_path_leaves_the_old_file_when_the_write_fails(tmp_path):
    target = tmp_path / "result.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["result.txt"]


@pytest.mark.mnist
def test_real_mnist_has_the_books_split(real_mnist):
    assert real_mnist.sha256 == mnist.SHA256
    for name, size in mnist.BOOK_SIZES.items():
        split = getattr(real_mnist, name)
        assert split.images.shape == (size, 784) and split.images.dtype == np.float32
        assert split.labels.shape == (size,)
        assert split.images.min() == 0.0 and split.images.max() == 255 / 256
    np.testing.assert_array_equal(np.bincount(real_mnist.test.labels),
                                  [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])


def test_jobs_that_may_not_repair_the_cache_say_so_instead_of_racing_to_rebuild_it(tmp_path, good_file):
    path, digest = good_file
    data_dir = tmp_path / "data"
    load_mnist(data_dir=data_dir, sha256=digest, sizes=TINY, remote_sources=[sources.from_file(path)])
    npz = data_dir / mnist.NPZ_NAME
    npz.write_bytes(npz.read_bytes()[:1000])  # corrupt
    with pytest.raises(DataError, match="unreadable; run `make data` to rebuild it"):
        load_mnist(data_dir=data_dir, sha256=digest, sizes=TINY, repair=False)
    assert npz.stat().st_size == 1000 and not (data_dir / "mnist.npz.bad").exists()  # left for `make data`
    npz.unlink()
    with pytest.raises(DataError, match="missing; run `make data` first"):
        load_mnist(data_dir=data_dir, sha256=digest, sizes=TINY, repair=False)


def test_the_test_split_is_read_alone_and_trusted_only_by_its_own_digest(tmp_path, good_file):
    path, digest = good_file
    load_mnist(path, data_dir=tmp_path, sha256=digest, sizes=TINY)
    test = mnist.load_test_split(data_dir=tmp_path, sha256=digest, sizes=TINY)
    np.testing.assert_array_equal(test.images, fake_triple()[2][0])
    npz = tmp_path / "mnist.npz"
    with np.load(npz) as held:
        arrays = dict(held)
    arrays["test_labels"] = (arrays["test_labels"] + 1) % 10  # every test label changed, digests kept
    np.savez(npz, **arrays)
    with pytest.raises(DataError, match=r"mnist.npz: DataError: its arrays are not those it was converted with "
                                        r".*; run `make data` to rebuild it.$"):
        mnist.load_test_split(data_dir=tmp_path, sha256=digest, sizes=TINY)
    with pytest.raises(DataError, match="made from another file; run `make data`"):
        mnist.load_test_split(data_dir=tmp_path, sha256="0" * 64, sizes=TINY)
    npz.unlink()
    with pytest.raises(DataError, match="missing; run `make data` first"):
        mnist.load_test_split(data_dir=tmp_path, sha256=digest, sizes=TINY)


def test_a_cache_without_each_splits_digest_is_converted_again_once(tmp_path, good_file, capsys):
    path, digest = good_file
    load_mnist(path, data_dir=tmp_path, sha256=digest, sizes=TINY)
    npz = tmp_path / "mnist.npz"
    with np.load(npz) as held:  # as an earlier version wrote it: one digest of all the arrays
        arrays = {name: value for name, value in held.items()
                  if name not in {f"{split}_sha256" for split in mnist.SPLITS}}
    assert sorted(arrays) == sorted(["source_sha256", "content_sha256", *(f"{split}_{part}" for split in mnist.SPLITS
                                                                         for part in ("images", "labels"))])
    np.savez(npz, **arrays)
    with pytest.raises(DataError, match="run `make data` to rebuild it"):
        mnist.load_test_split(data_dir=tmp_path, sha256=digest, sizes=TINY)
    load_mnist(data_dir=tmp_path, sha256=digest, sizes=TINY, remote_sources=[])
    assert "from an older version)); converting it again" in capsys.readouterr().err
    mnist.load_test_split(data_dir=tmp_path, sha256=digest, sizes=TINY)
