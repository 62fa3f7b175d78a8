"""The renderer's one error, in a module of its own so that a command can name it without loading
the renderer (NumPy, matplotlib, scikit-learn): a report that needs nothing rendered answers at once."""


class RecordError(Exception):
    """Runs that cannot be reported together; the message names them."""
