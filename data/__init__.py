"""The book's MNIST: fetched, verified against its SHA-256, converted once, loaded fast."""

__all__ = ["MNIST", "DataError", "Split", "fetch", "load_mnist"]


def __getattr__(name):
    # Loaded on first use, so that data.cli and data.files import without NumPy: a command can then
    # take charge of Ctrl-C before its heavy imports.
    if name in __all__:
        from data import mnist
        return getattr(mnist, name)
    raise AttributeError(f"module 'data' has no attribute {name!r}")
