"""The book's MNIST: fetched, verified against its SHA-256, converted once, loaded fast."""

from data.mnist import MNIST, DataError, Split, fetch, load_mnist

__all__ = ["MNIST", "DataError", "Split", "fetch", "load_mnist"]
