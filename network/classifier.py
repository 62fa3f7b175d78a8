"""`NetworkClassifier`: the chapter's network as a scikit-learn estimator, so one loop can evaluate it
beside every other classifier.

It turns labels into the one-hot output vectors the quadratic cost wants, builds
Network([n_features, *hidden_sizes, n_classes]) and trains it with the book's SGD. The defaults are
the chapter's first experiment: [784, 30, 10], 30 epochs, mini-batch 10, eta 3.0.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

from network import compiled_epoch
from network.network import Network
from network.numerics import numerics  # noqa: F401  (a run's identity finds it here: reports/runner/identity.py)


# An output neuron is saturated when its activation stays below SATURATED_BELOW or above
# SATURATED_ABOVE on at least SATURATED_SHARE of the images (see `diagnose`).
SATURATED_BELOW, SATURATED_ABOVE, SATURATED_SHARE = 0.01, 0.99, 0.99


def _seed_for_generator(random_state):
    """What numpy.random.default_rng accepts, from any scikit-learn style random_state.

    An int or None passes through unchanged, so NetworkClassifier(random_state=s) trains exactly
    Network(sizes, random_state=s); a legacy RandomState instance gives a seed drawn from it.
    """
    if random_state is None or isinstance(random_state, (int, np.integer, np.random.Generator)):
        return random_state
    return check_random_state(random_state).randint(2**32)


def _hidden_layers(hidden_sizes):
    """`hidden_sizes` as a tuple of layer sizes; a single int is one hidden layer, as in MLPClassifier,
    and () is none: the input layer feeds the output layer (the chapter's exercise, [784, 10])."""
    sizes = (hidden_sizes,) if isinstance(hidden_sizes, (int, np.integer)) else hidden_sizes
    if (not isinstance(sizes, (tuple, list))
            or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in sizes)):
        raise ValueError("hidden_sizes must be a positive int or a tuple of positive ints (() for no hidden "
                         f"layer), got {hidden_sizes!r}")
    return tuple(int(n) for n in sizes)


class NetworkClassifier(ClassifierMixin, BaseEstimator):
    """The chapter's sigmoid network trained by mini-batch SGD on the quadratic cost.

    Parameters
    ----------
    hidden_sizes : int or tuple of int, default=(30,)
        Neurons in each hidden layer (an int is one hidden layer: 30 means (30,); () is no hidden
        layer); the input and output layers follow from the data.
    epochs : int, default=30
    mini_batch_size : int, default=10
    eta : float, default=3.0
        The learning rate.
    random_state : int, numpy Generator, RandomState or None, default=None
        Seeds the initial weights and the shuffling of every epoch.
    init : {"chapter1", "chapter3"}, default="chapter1"
        The initial weights: chapter 1's, drawn from N(0, 1); or chapter 3's, drawn with standard
        deviation 1/sqrt(n_in), n_in being the neuron's number of inputs. Biases are N(0, 1) in both.
    verbose : bool, default=False
        Print the book's "Epoch j: n / N" line after each epoch.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    network_ : Network
    history_ : list of int
        Correct count on the `eval_set` after each epoch (empty when fit had no eval_set). The
        project's runner gives the book's validation images as eval_set, never the test images.
    """

    def __init__(self, hidden_sizes=(30,), epochs=30, mini_batch_size=10, eta=3.0, random_state=None,
                 verbose=False, init="chapter1"):
        self.hidden_sizes = hidden_sizes
        self.epochs = epochs
        self.mini_batch_size = mini_batch_size
        self.eta = eta
        self.random_state = random_state
        self.verbose = verbose
        self.init = init

    def fit(self, X, y, eval_set=None, epoch_callback=None):
        """Train on X (n_samples, n_features) and labels y.

        eval_set : list of one (X, y) pair, optional
            Scored after every epoch into `history_` (the book scores its test set so; the runner
            gives the validation set). The list form is the convention of XGBoost and LightGBM, so a
            runner can treat them alike. Checked before training starts, so a malformed one costs no
            epoch.
        epoch_callback : callable, optional
            Called as epoch_callback(self, epoch) after every epoch, when `predict` answers as the
            network stands then: how a runner scores data that fit is never given. It must not
            change the estimator; reading it changes no bit of the training.
        """
        training_data, eval_data = self._prepare(X, y, eval_set)
        after_epoch = None if epoch_callback is None else (lambda network, epoch: epoch_callback(self, epoch))
        self.history_ = self.network_.SGD(training_data, self.epochs, self.mini_batch_size, self.eta,
                                          test_data=eval_data, verbose=self.verbose, epoch_callback=after_epoch)
        return self

    def _prepare(self, X, y, eval_set=None):
        """Everything `fit` does before training: check the data (and eval_set), set `classes_` and
        `network_` with its initial weights; return what `Network.SGD` trains on and scores with."""
        hidden_sizes = _hidden_layers(self.hidden_sizes)
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"NetworkClassifier needs at least 2 classes to train; got 1 class ({self.classes_[0]!r})")
        one_hot = np.eye(len(self.classes_))[y_index]
        test_data = None if eval_set is None else self._eval_data(eval_set)
        sizes = [X.shape[1], *hidden_sizes, len(self.classes_)]
        self.network_ = Network(sizes, random_state=_seed_for_generator(self.random_state), init=self.init)
        return (X, one_hot), test_data

    def _eval_data(self, eval_set):
        """(X, label indices) for Network.SGD from `eval_set`, or a ValueError naming the problem."""
        sequence = (list, tuple)
        if not (isinstance(eval_set, sequence) and len(eval_set) == 1
                and isinstance(eval_set[0], sequence) and len(eval_set[0]) == 2):
            got = type(eval_set).__name__
            if isinstance(eval_set, sequence):
                got += "[" + ", ".join(type(item).__name__ for item in eval_set) + "]"
            raise ValueError(f"eval_set must be a list of one (X, y) pair, as in [(X_test, y_test)]; got {got}")
        X_eval, y_eval = eval_set[0]
        try:
            X_eval = validate_data(self, X_eval, reset=False, dtype=np.float64)
        except ValueError as error:
            raise ValueError(f"eval_set: {error}") from None
        y_eval = np.asarray(y_eval)
        if y_eval.shape != (len(X_eval),):
            raise ValueError(f"eval_set: y must hold one label per row of X ({len(X_eval)}), "
                             f"got shape {y_eval.shape}")
        # Labels are compared as indices into classes_; one never seen in training counts as wrong.
        known = np.isin(y_eval, self.classes_)
        return X_eval, np.where(known, np.searchsorted(self.classes_, y_eval), -1)

    def _output_activations(self, X):
        """The output layer's activations, one row per row of X: shape (n_samples, n_classes)."""
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.network_.feedforward(X.T).T

    def predict(self, X):
        """The class whose output neuron is most active, for each row of X."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self._output_activations(X), axis=1)]

    def decision_function(self, X):
        """The output layer's activations, shape (n_samples, n_classes); argmax is `predict`.

        With two classes scikit-learn expects one score per row, positive for classes_[1]: here
        (a1 - a0) / (a0 + a1), which is predict_proba[:, 1] - predict_proba[:, 0], shape (n_samples,).
        """
        check_is_fitted(self)
        a = self._output_activations(X)
        if len(self.classes_) != 2:
            return a
        # Divided by the sum, not the bare a1 - a0: that would have predict's sign but could rank two
        # rows unlike predict_proba[:, 1] does, and scikit-learn's checks require both.
        total = a.sum(axis=1)
        return np.divide(a[:, 1] - a[:, 0], total, out=np.zeros_like(total), where=total > 0)

    def predict_proba(self, X):
        """The output activations scaled to sum to 1 per row, shape (n_samples, n_classes).

        Not calibrated probabilities: the ten sigmoid outputs are independent numbers in (0, 1),
        trained on the quadratic cost, not a distribution. Scaling keeps their order, so argmax is
        `predict`, and makes the rows sum to 1 as scikit-learn's API requires.
        """
        check_is_fitted(self)
        a = self._output_activations(X)
        total = a.sum(axis=1, keepdims=True)
        # Only a network whose every output underflowed to 0 sums to 0; it prefers no class.
        return np.divide(a, total, out=np.full_like(a, 1 / a.shape[1]), where=total > 0)

    def diagnose(self, X):
        """What the trained network does on X, to explain a failed run.

        Returns the classes whose output neuron is saturated (activation below SATURATED_BELOW or above
        SATURATED_ABOVE on at least SATURATED_SHARE of X): there the sigmoid is so flat that the quadratic cost's gradient
        (a - y) * sigma'(z) all but vanishes, and gradient descent can no longer move the neuron. The
        thresholds are returned too, so that a report explains a run by the rule it was diagnosed with.
        """
        check_is_fitted(self)
        outputs = self.network_.feedforward(validate_data(self, X, reset=False, dtype=np.float64).T)
        saturated = np.mean((outputs < SATURATED_BELOW) | (outputs > SATURATED_ABOVE), axis=1) >= SATURATED_SHARE
        return {"saturated_outputs": self.classes_[saturated].tolist(),
                "saturated_when": {"below": SATURATED_BELOW, "above": SATURATED_ABOVE, "share": SATURATED_SHARE}}
