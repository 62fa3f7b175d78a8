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
- A training step allocates nothing: it works in buffers made once per mini-batch size, and BLAS runs
  on one thread, since on matrices this small more threads only cost time.
- Wherever a C compiler works, an epoch is trained by network/compiled_epoch.c instead
  (`train_epoch`): the same equations in an order and rounding that file defines, so the numbers are
  the same on every machine, and the products by zero pixels skipped. The NumPy code here is the
  readable reference it is held to within a stated tolerance (tests/test_compiled_epoch.py), and the
  fallback where no compiler can be had; its numbers depend on the BLAS's rounding.
"""

import sys
from types import SimpleNamespace

import numpy as np
from scipy.special import expit
from threadpoolctl import threadpool_limits

from network import compiled_epoch


def sigmoid(z, out=None):
    """The sigmoid function 1 / (1 + e^-z), elementwise, without overflow warnings."""
    return expit(z, out=out)


def sigmoid_prime(z):
    """Derivative of the sigmoid function: sigma(z) (1 - sigma(z))."""
    s = sigmoid(z)
    return s * (1 - s)


def _times_sigmoid_slope(delta, a, scratch):
    """delta *= sigma'(z) in place, where a = sigma(z): sigma'(z) = a (1 - a)."""
    delta *= a
    np.subtract(1.0, a, out=scratch)
    delta *= scratch


def _require_whole_number(name, value, minimum):
    """Raise ValueError naming the parameter unless `value` is an integer >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")


INITS = ("chapter1", "chapter3")  # the initial weights: N(0, 1), or N(0, 1/n_in) (see Network.__init__)


class Network:
    """A fully connected sigmoid network.

    `sizes` lists the number of neurons per layer, input first: [784, 30, 10] is the chapter's
    network. `biases[l]` is a column of shape (sizes[l+1], 1) and `weights[l]` has shape
    (sizes[l+1], sizes[l]), so that layer l+1 computes sigmoid(weights[l] @ a + biases[l]).
    The input layer has no biases.
    """

    def __init__(self, sizes, random_state=None, dtype=np.float64, init="chapter1"):
        sizes = list(sizes)
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {init!r}")
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least 2 layers (input and output), got {sizes!r}")
        for n in sizes:
            _require_whole_number("every layer size in sizes", n, 1)
        self.sizes = sizes
        self.num_layers = len(sizes)
        self.dtype = np.dtype(dtype)
        self.rng = np.random.default_rng(random_state)
        self.biases = [self.rng.standard_normal((n, 1)).astype(self.dtype) for n in sizes[1:]]
        # Chapter 1 draws every weight from N(0, 1). Chapter 3 ("Weight initialization") divides them by
        # sqrt(n_in), the number of inputs of the neuron, so that z = w . a + b starts with a standard
        # deviation near 1 instead of near sqrt(n_in), and the sigmoid does not start saturated. The same
        # draws either way, in the same order: only their scale differs.
        self.weights = [(self.rng.standard_normal((n_out, n_in)) / (np.sqrt(n_in) if init == "chapter3" else 1))
                        .astype(self.dtype) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        self._workspaces = {}

    def feedforward(self, a):
        """Return the output activations for input `a`: one column per example, (sizes[0], k).

        Computed by network/compiled_epoch.c's arithmetic where it can be had, so that predictions are
        the same on every machine, as training is; in NumPy otherwise."""
        if np.ndim(a) == 2 and self.dtype == np.float64:
            outputs = compiled_epoch.feedforward(self, np.asarray(a).T)
            if outputs is not None:
                return outputs.T
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(w @ a + b)
        return a

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None, verbose=False, epoch_callback=None):
        """Train by mini-batch stochastic gradient descent.

        `training_data` is a pair (X, Y): X of shape (n, sizes[0]) with one image per row and Y of
        shape (n, sizes[-1]) with the desired outputs (one-hot rows). Each epoch shuffles the
        examples and steps once per mini-batch of `mini_batch_size` (the last one may be smaller).
        If `test_data` (X, labels) is given, the number of test inputs classified correctly is
        recorded after every epoch, as in the book's "Epoch j: n / 10000" lines, and returned.
        If `epoch_callback` is given, it is called as epoch_callback(self, j) after epoch j: it may
        read the network (a runner scores data the training never sees) but must not change it.
        """
        _require_whole_number("epochs", epochs, 0)
        _require_whole_number("mini_batch_size", mini_batch_size, 1)
        if isinstance(eta, bool) or not isinstance(eta, (int, float, np.number)) or not 0 < eta < np.inf:
            raise ValueError(f"eta must be a finite number > 0, got {eta!r}")
        X = np.ascontiguousarray(training_data[0], dtype=self.dtype)
        Y = np.ascontiguousarray(training_data[1], dtype=self.dtype)
        expected = {"inputs X": (len(X), self.sizes[0]), "targets Y": (len(X), self.sizes[-1])}
        for (name, shape), array in zip(expected.items(), (X, Y)):
            if array.shape != shape:
                raise ValueError(f"training {name}: shape {array.shape}, expected {shape} for sizes {self.sizes}")
            if not np.all(np.isfinite(array)):
                raise ValueError(f"training {name}: contains NaN or infinity")
        history = []
        # The epochs compiled wherever a C compiler works (network/compiled_epoch.py).
        compiled = compiled_epoch.for_training(X, Y) if epochs else None
        # BLAS threads only cost time on matrices this small (a mini-batch is 784 x 10).
        with threadpool_limits(limits=1, user_api="blas"):
            for j in range(epochs):
                self.train_epoch(X, Y, self.rng.permutation(len(X)), mini_batch_size, eta, compiled)
                if test_data is not None:
                    history.append(self.evaluate(*test_data))
                    if verbose:
                        print(f"Epoch {j}: {history[-1]} / {len(test_data[1])}", file=sys.stderr, flush=True)
                elif verbose:
                    print(f"Epoch {j} complete", file=sys.stderr, flush=True)
                if epoch_callback is not None:
                    epoch_callback(self, j)
        return history

    def train_epoch(self, X, Y, order, mini_batch_size, eta, compiled=None):
        """One epoch: a gradient-descent step for each mini-batch of `mini_batch_size` rows of X and Y,
        taken in `order` (the last mini-batch may be smaller). `compiled`, from
        `compiled_epoch.for_training(X, Y)`, trains it compiled (the canonical arithmetic); without
        it, or for an epoch that would end with weights that are not finite, it is trained here."""
        if compiled is not None and compiled.train(self, order, mini_batch_size, eta):
            return
        # Mini-batches are gathered into these buffers (one image per row) and handed to
        # update_mini_batch transposed, as columns, without copying.
        x_rows = np.empty((min(mini_batch_size, len(order)), X.shape[1]), dtype=self.dtype)
        y_rows = np.empty((min(mini_batch_size, len(order)), Y.shape[1]), dtype=self.dtype)
        for k in range(0, len(order), mini_batch_size):
            batch = order[k:k + mini_batch_size]
            x, y = x_rows[:len(batch)], y_rows[:len(batch)]
            # mode="clip" (the indices are valid anyway) lets take write straight into x:
            # with the default mode it would gather into a buffer first.
            np.take(X, batch, axis=0, out=x, mode="clip")
            np.take(Y, batch, axis=0, out=y, mode="clip")
            self.update_mini_batch(x.T, y.T, eta)

    def update_mini_batch(self, x, y, eta):
        """Apply one gradient-descent step for the mini-batch of columns x (inputs) and y (targets)."""
        m = x.shape[1]
        nabla_b, nabla_w = self.backprop(x, y)
        for b, w, nb, nw in zip(self.biases, self.weights, nabla_b, nabla_w):
            # w -> w - (eta/m) nabla_w, computed in the gradient's own buffer to allocate nothing.
            nw *= eta / m
            w -= nw
            nb *= eta / m
            b -= nb

    def backprop(self, x, y):
        """Return (nabla_b, nabla_w): the gradient of the quadratic cost summed over the columns of x.

        Layer by layer like `biases` and `weights`. With a single column this is exactly the book's
        per-example backpropagation; with m columns it is the sum of the m per-example gradients.
        The arrays returned are reused by the next call with the same m: copy them to keep them.
        """
        ws = self._workspace(x.shape[1])
        # Forward pass, keeping every layer's activations (the book's zs are not needed: see below).
        activations = [x, *ws.activations]
        for b, w, a_in, a_out in zip(self.biases, self.weights, activations, ws.activations):
            np.matmul(w, a_in, out=a_out)
            a_out += b
            sigmoid(a_out, out=a_out)
        # Output error delta^L = (a^L - y) * sigma'(z^L), with sigma'(z) = a (1 - a) from the stored
        # activation instead of evaluating the sigmoid again as sigmoid_prime(z) would.
        delta = ws.deltas[-1]
        np.subtract(activations[-1], y, out=delta)
        _times_sigmoid_slope(delta, activations[-1], ws.scratch[-1])
        for layer in range(1, self.num_layers):
            # Summing delta over the columns sums the per-example bias gradients, and the matrix
            # product delta @ a^T sums the per-example outer products delta_i a_i^T.
            np.add.reduce(delta, axis=1, keepdims=True, out=ws.nabla_b[-layer])
            np.matmul(delta, activations[-layer - 1].T, out=ws.nabla_w[-layer])
            if layer < self.num_layers - 1:
                # delta^l = (w^{l+1})^T delta^{l+1} * sigma'(z^l)
                previous = ws.deltas[-layer - 1]
                np.matmul(self.weights[-layer].T, delta, out=previous)
                _times_sigmoid_slope(previous, activations[-layer - 1], ws.scratch[-layer - 1])
                delta = previous
        return ws.nabla_b, ws.nabla_w

    def _workspace(self, m):
        """Buffers for a mini-batch of m columns, made once per batch size and reused every step."""
        if m not in self._workspaces:
            layers = self.sizes[1:]
            self._workspaces[m] = SimpleNamespace(
                activations=[np.empty((n, m), dtype=self.dtype) for n in layers],
                deltas=[np.empty((n, m), dtype=self.dtype) for n in layers],
                scratch=[np.empty((n, m), dtype=self.dtype) for n in layers],
                nabla_b=[np.empty_like(b) for b in self.biases],
                nabla_w=[np.empty_like(w) for w in self.weights],
            )
        return self._workspaces[m]

    def evaluate(self, X, labels):
        """Return how many rows of X the network classifies as `labels` (output neuron with the
        highest activation)."""
        outputs = self.feedforward(np.asarray(X, dtype=self.dtype).T)
        return int(np.sum(np.argmax(outputs, axis=0) == np.asarray(labels)))
