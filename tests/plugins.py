"""Plug-in factories for the runner's tests, imported by name as `tests.plugins:ATTR`."""

from sklearn.neighbors import KNeighborsClassifier

NOT_A_FACTORY = 42


def nearest_neighbours(n_neighbors=1):
    """A good plug-in: a deterministic scikit-learn estimator."""
    return KNeighborsClassifier(n_neighbors=n_neighbors)


def not_an_estimator():
    """Callable, but what it returns has no fit/predict."""
    return "hello"


def factory_raises():
    """A factory that fails before there is an estimator at all."""
    raise ValueError("no such setting")


class FitRaises:
    """An estimator whose fit fails, as a buggy plug-in would."""

    def fit(self, X, y):
        raise RuntimeError("out of cheese")

    def predict(self, X):
        return X[:, 0]
