"""Shared fixtures: the real MNIST for the few marked tests, skipped when `make data` has not run."""

import pytest

from data import mnist


@pytest.fixture(scope="session")
def real_mnist():
    """The book's data from data/mnist.npz; the test is skipped (not failed) when it is absent."""
    npz = mnist.DATA_DIR / mnist.NPZ_NAME
    if not npz.is_file():
        pytest.skip("real MNIST not present: run `make data` first")
    return mnist.load_mnist(remote_sources=[])
