"""The book's MNIST: fetched, verified against its SHA-256, converted once, loaded fast."""

__all__ = ["MNIST", "DataError", "Split", "fetch", "load_mnist"]


def __getattr__(name):
    # Loaded on first use, so that `python -m data` takes charge of Ctrl-C (common/cli.py) before NumPy
    # loads, and a run's identity, which follows imports, holds only the modules of `data` it uses.
    if name in __all__:
        from data import mnist
        return getattr(mnist, name)
    raise AttributeError(f"module 'data' has no attribute {name!r}")
