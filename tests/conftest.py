"""Shared fixtures: scikit-learn's 8x8 digits dressed as MNIST for fast end-to-end tests, and the
real MNIST for the few marked tests (skipped when `make data` has not run)."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from data import mnist


@pytest.fixture(scope="session")
def digits_mnist():
    """The 1,797 digits of 8x8 pixels split like MNIST's three parts (1,000 to train, 200 to validate,
    the last 597 to test), pixels in [0, 1) as float32; its `sha256` stands in for the data file's
    checksum."""
    data = load_digits()
    images, labels = (data.data / 17).astype(np.float32), data.target
    return mnist.MNIST(train=mnist.Split(images[:1000], labels[:1000]),
                       validation=mnist.Split(images[1000:1200], labels[1000:1200]),
                       test=mnist.Split(images[1200:], labels[1200:]), sha256="digits-" + "0" * 57)


@pytest.fixture(scope="session")
def real_mnist():
    """The book's data from data/mnist.npz; the test is skipped (not failed) when it is absent."""
    npz = mnist.DATA_DIR / mnist.NPZ_NAME
    if not npz.is_file():
        pytest.skip("real MNIST not present: run `make data` first")
    return mnist.load_mnist(remote_sources=[])
