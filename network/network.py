"""The sigmoid network of chapter 1, trained by mini-batch stochastic gradient descent.

The names and reading order follow the book (`sizes`, `biases`, `weights`, `feedforward`, `SGD`,
`update_mini_batch`, `backprop`, `evaluate`, `sigmoid`, `sigmoid_prime`), and so does the math:
weights and biases drawn from N(0, 1), sigmoid neurons in every layer, the quadratic cost
C = 1/2 ||y - a||^2, and the step w -> w - (eta/m) * (sum of the m per-example gradients).

Where this departs from the book's code, on purpose:
- A mini-batch goes through the network as one matrix, one column per example, so `backprop`
  returns the *sum* of the per-example gradients in a few matrix products instead of a Python loop.
  The sums are the same numbers up to floating-point rounding order.
- All randomness (initial weights, shuffling) comes from one seeded `numpy.random.Generator`, so the
  same seed gives the same network bit for bit.
- Arrays are float64 by default; data is passed as arrays (images as rows), not lists of tuples.
- `sigmoid` is SciPy's `expit`, which never overflows: a diverging network (eta = 100) saturates
  quietly instead of flooding the terminal with warnings.
"""

import sys

import numpy as np
from scipy.special import expit


def sigmoid(z):
    """The sigmoid function 1 / (1 + e^-z), elementwise, without overflow warnings."""
    return expit(z)


def sigmoid_prime(z):
    """Derivative of the sigmoid function: sigma(z) (1 - sigma(z))."""
    s = sigmoid(z)
    return s * (1 - s)


def _require_whole_number(name, value, minimum):
    """Raise ValueError naming the parameter unless `value` is an integer >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")


class Network:
    """A fully connected sigmoid network.

    `sizes` lists the number of neurons per layer, input first: [784, 30, 10] is the chapter's
    network. `biases[l]` is a column of shape (sizes[l+1], 1) and `weights[l]` has shape
    (sizes[l+1], sizes[l]), so that layer l+1 computes sigmoid(weights[l] @ a + biases[l]).
    The input layer has no biases.
    """

    def __init__(self, sizes, random_state=None, dtype=np.float64):
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least 2 layers (input and output), got {sizes!r}")
        for n in sizes:
            _require_whole_number("every layer size in sizes", n, 1)
        self.sizes = sizes
        self.num_layers = len(sizes)
        self.dtype = np.dtype(dtype)
        self.rng = np.random.default_rng(random_state)
        self.biases = [self.rng.standard_normal((n, 1)).astype(self.dtype) for n in sizes[1:]]
        self.weights = [self.rng.standard_normal((n_out, n_in)).astype(self.dtype)
                        for n_in, n_out in zip(sizes[:-1], sizes[1:])]

    def feedforward(self, a):
        """Return the output activations for input `a`: one column per example, (sizes[0], k)."""
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(w @ a + b)
        return a

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None, verbose=False):
        """Train by mini-batch stochastic gradient descent.

        `training_data` is a pair (X, Y): X of shape (n, sizes[0]) with one image per row and Y of
        shape (n, sizes[-1]) with the desired outputs (one-hot rows). Each epoch shuffles the
        examples and steps once per mini-batch of `mini_batch_size` (the last one may be smaller).
        If `test_data` (X, labels) is given, the number of test inputs classified correctly is
        recorded after every epoch, as in the book's "Epoch j: n / 10000" lines, and returned.
        """
        _require_whole_number("epochs", epochs, 0)
        _require_whole_number("mini_batch_size", mini_batch_size, 1)
        if isinstance(eta, bool) or not isinstance(eta, (int, float, np.number)) or not 0 < eta < np.inf:
            raise ValueError(f"eta must be a finite number > 0, got {eta!r}")
        X, Y = training_data
        # Columns are examples from here on, matching the book's column-vector equations.
        X = np.asarray(X, dtype=self.dtype)
        Y = np.asarray(Y, dtype=self.dtype)
        n = len(X)
        history = []
        for j in range(epochs):
            order = self.rng.permutation(n)
            for k in range(0, n, mini_batch_size):
                batch = order[k:k + mini_batch_size]
                self.update_mini_batch(X[batch].T, Y[batch].T, eta)
            if test_data is not None:
                history.append(self.evaluate(*test_data))
                if verbose:
                    print(f"Epoch {j}: {history[-1]} / {len(test_data[1])}", file=sys.stderr, flush=True)
            elif verbose:
                print(f"Epoch {j} complete", file=sys.stderr, flush=True)
        return history

    def update_mini_batch(self, x, y, eta):
        """Apply one gradient-descent step for the mini-batch of columns x (inputs) and y (targets)."""
        m = x.shape[1]
        nabla_b, nabla_w = self.backprop(x, y)
        for b, w, nb, nw in zip(self.biases, self.weights, nabla_b, nabla_w):
            w -= (eta / m) * nw
            b -= (eta / m) * nb

    def backprop(self, x, y):
        """Return (nabla_b, nabla_w): the gradient of the quadratic cost summed over the columns of x.

        Layer by layer like `biases` and `weights`. With a single column this is exactly the book's
        per-example backpropagation; with m columns it is the sum of the m per-example gradients.
        """
        # Forward pass, keeping every layer's activations (the book's zs are not needed: see below).
        activations = [x]
        for b, w in zip(self.biases, self.weights):
            activations.append(sigmoid(w @ activations[-1] + b))
        # Output error delta^L = (a^L - y) * sigma'(z^L). sigma'(z) = a (1 - a) reuses the stored
        # activation instead of evaluating the sigmoid again as sigmoid_prime(z) would.
        a = activations[-1]
        delta = (a - y) * a * (1 - a)
        nabla_b = [None] * len(self.biases)
        nabla_w = [None] * len(self.weights)
        for layer in range(1, self.num_layers):
            # Summing delta over the columns sums the per-example bias gradients, and the matrix
            # product delta @ a^T sums the per-example outer products delta_i a_i^T.
            nabla_b[-layer] = delta.sum(axis=1, keepdims=True)
            nabla_w[-layer] = delta @ activations[-layer - 1].T
            if layer < self.num_layers - 1:
                a = activations[-layer - 1]
                delta = (self.weights[-layer].T @ delta) * a * (1 - a)
        return nabla_b, nabla_w

    def evaluate(self, X, labels):
        """Return how many rows of X the network classifies as `labels` (output neuron with the
        highest activation)."""
        outputs = self.feedforward(np.asarray(X, dtype=self.dtype).T)
        return int(np.sum(np.argmax(outputs, axis=0) == np.asarray(labels)))
