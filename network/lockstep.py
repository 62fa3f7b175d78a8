"""Several seeds of one network trained in lockstep: the same arithmetic as `Network.SGD`, one NumPy
call for all the seeds where training alone makes one per seed.

The stacking. K networks of the same `sizes`, each with its own seed, are laid side by side on a
leading axis: `weights[l]` has shape (K, sizes[l+1], sizes[l]) and `biases[l]` (K, sizes[l+1], 1),
and row k of every stack is network k. Each network keeps its own random generator, so it draws its
own initial weights (`Network.__init__`) and its own shuffle of every epoch, exactly as it would
alone. A step gathers the K mini-batches into one array of shape (K, m, sizes[0]) and runs the
book's step once on the stack: `np.matmul` of (K, a, b) by (K, b, c) is K matrix products in one
call. A training step costs NumPy a few dozen calls whatever K is, so K seeds pay that overhead once.

Why it is bit for bit the same as training alone, and must stay so:
- `np.matmul` on a stack hands each of the K products to the same BLAS routine with the same shapes
  and memory layout as the unstacked call, so each product is rounded exactly as alone. This holds
  only while each matrix of a stack is laid out as the network's own (a C-contiguous block, or its
  transpose as a view): a copy into another layout, or a single large product over the K networks,
  would sum in another order.
- The bias gradient sums delta over the examples, the last, contiguous axis here as alone, so
  NumPy's pairwise summation adds the same numbers in the same order.
- Everything else (adding biases, the sigmoid, the updates) is elementwise: each number is computed
  from the same operands by the same correctly rounded operation (SciPy's expit for the sigmoid),
  whatever the stack around it.
Float64 throughout: float32, a fused multiply-add or BLAS's alpha scaling would change the rounding.
tests/test_lockstep.py compares every weight with np.array_equal, not a tolerance.

Where the book's equations are: `backprop` marks the backpropagation equations BP1 to BP4 of the
book's chapter 2 (BP3 and BP4 summed over the mini-batch), and `update_mini_batch` the mini-batch
step of chapter 1, w -> w - (eta/m) sum_j dC_j/dw and likewise for b.

Where the compiled epoch gives the same bits (network/compiled_epoch.py), `SGD` hands each network's
epoch to it in turn instead, still epoch by epoch for all of them: compiled, there is no per-call cost
left for a stack to share, and the zero pixels are skipped. The stack then only holds the weights.

The per-seed `Network` (network/network.py) stays the readable reference; this file mirrors its
names and order (SGD, update_mini_batch, backprop), and `fit_in_lockstep` does the same for
`NetworkClassifier.fit`.
"""

import sys
from types import SimpleNamespace

import numpy as np
from threadpoolctl import threadpool_limits

from network import compiled_epoch
from network.classifier import NetworkClassifier
from network.network import Network, _require_whole_number, _times_sigmoid_slope, sigmoid


class LockstepNetworks:
    """K `Network`s of the same sizes trained as one stack.

    While the stack lives, each network's `weights[l]` and `biases[l]` are views of row k of the
    stack's arrays, so `networks[k].evaluate` and `feedforward` read the weights being trained.
    `release()` gives every network its own copies again.
    """

    def __init__(self, networks):
        self.networks = list(networks)
        if not self.networks:
            raise ValueError("LockstepNetworks needs at least one network")
        first = self.networks[0]
        for net in self.networks[1:]:
            if net.sizes != first.sizes or net.dtype != first.dtype:
                raise ValueError(f"networks to train in lockstep must share sizes and dtype; "
                                 f"got {net.sizes} {net.dtype} and {first.sizes} {first.dtype}")
        self.sizes, self.num_layers, self.dtype = first.sizes, first.num_layers, first.dtype
        self.weights = [np.stack([net.weights[l] for net in self.networks]) for l in range(self.num_layers - 1)]
        self.biases = [np.stack([net.biases[l] for net in self.networks]) for l in range(self.num_layers - 1)]
        for k, net in enumerate(self.networks):
            net.weights = [w[k] for w in self.weights]
            net.biases = [b[k] for b in self.biases]
        self._workspaces = {}

    def release(self):
        """Give each network its own weights and biases (copies of its rows of the stack)."""
        for net in self.networks:
            net.weights = [w.copy() for w in net.weights]
            net.biases = [b.copy() for b in net.biases]

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None, verbose=False, names=None):
        """Train every network on the same data as `Network.SGD` would train it alone.

        Each network shuffles with its own generator, so the K mini-batches of a step are K
        different sets of rows of X. Returns one history per network (empty without test_data).
        Verbose lines name the network: `names[k]`, by default its index.
        """
        _require_whole_number("epochs", epochs, 0)
        X = np.ascontiguousarray(training_data[0], dtype=self.dtype)
        Y = np.ascontiguousarray(training_data[1], dtype=self.dtype)
        # Zero epochs of training alone: its checks of every other argument and of the data, once.
        self.networks[0].SGD((X, Y), 0, mini_batch_size, eta)
        names = list(range(len(self.networks))) if names is None else list(names)
        n, K = len(X), len(self.networks)
        # Mini-batches are gathered as rows, (K, m, features), and handed on as columns by a transposed
        # view, so each network's product sees the layout it sees alone.
        x_rows = np.empty((K, min(mini_batch_size, n), X.shape[1]), dtype=self.dtype)
        y_rows = np.empty((K, min(mini_batch_size, n), Y.shape[1]), dtype=self.dtype)
        histories = [[] for _ in self.networks]
        # Where the compiled epoch gives the same bits (network/compiled_epoch.py), it trains each network
        # in turn: it pays no per-call cost for the stack to share, and it skips the zero pixels.
        compiled = compiled_epoch.for_training(X, Y) if epochs else None
        with threadpool_limits(limits=1, user_api="blas"):
            for j in range(epochs):
                orders = np.stack([net.rng.permutation(n) for net in self.networks])
                if compiled is not None:
                    for net, order in zip(self.networks, orders):
                        net.train_epoch(X, Y, order, mini_batch_size, eta, compiled)
                else:
                    for k in range(0, n, mini_batch_size):
                        batches = orders[:, k:k + mini_batch_size]
                        x, y = x_rows[:, :batches.shape[1]], y_rows[:, :batches.shape[1]]
                        # mode="clip" (the indices are valid anyway) lets take write straight into x.
                        np.take(X, batches, axis=0, out=x, mode="clip")
                        np.take(Y, batches, axis=0, out=y, mode="clip")
                        self.update_mini_batch(x.transpose(0, 2, 1), y.transpose(0, 2, 1), eta)
                for name, net, history in zip(names, self.networks, histories):
                    if test_data is not None:
                        # The network's own evaluate, on its views of the stack: the same numbers as alone.
                        history.append(net.evaluate(*test_data))
                        if verbose:
                            print(f"seed {name}: Epoch {j}: {history[-1]} / {len(test_data[1])}",
                                  file=sys.stderr, flush=True)
                    elif verbose:
                        print(f"seed {name}: Epoch {j} complete", file=sys.stderr, flush=True)
        return histories

    def update_mini_batch(self, x, y, eta):
        """One gradient-descent step per network: x and y are (K, features, m), network k's batch as columns."""
        m = x.shape[2]
        nabla_b, nabla_w = self.backprop(x, y)
        for b, w, nb, nw in zip(self.biases, self.weights, nabla_b, nabla_w):
            # The mini-batch step w -> w - (eta/m) nabla_w, in the gradient's buffer: the same two roundings
            # (product, then difference) as training alone; a fused form would round once.
            nw *= eta / m
            w -= nw
            nb *= eta / m
            b -= nb

    def backprop(self, x, y):
        """Per network, the gradient of the quadratic cost summed over its m examples: `Network.backprop`
        with a leading axis of K. The arrays returned are reused by the next call with the same m."""
        ws = self._workspace(x.shape[2])
        # Forward pass, a^{l+1} = sigma(w a^l + b), keeping every layer's activations.
        activations = [x, *ws.activations]
        for b, w, a_in, a_out in zip(self.biases, self.weights, activations, ws.activations):
            np.matmul(w, a_in, out=a_out)
            a_out += b
            sigmoid(a_out, out=a_out)
        # BP1: delta^L = (a^L - y) * sigma'(z^L), with sigma'(z) = a (1 - a).
        delta = ws.deltas[-1]
        np.subtract(activations[-1], y, out=delta)
        _times_sigmoid_slope(delta, activations[-1], ws.scratch[-1])
        for layer in range(1, self.num_layers):
            # BP3 and BP4 summed over the examples: the bias gradient sums delta along its last axis
            # (the examples, contiguous, as alone) and the weight gradient is delta (a^{l-1})^T.
            np.add.reduce(delta, axis=2, keepdims=True, out=ws.nabla_b[-layer])
            np.matmul(delta, activations[-layer - 1].transpose(0, 2, 1), out=ws.nabla_w[-layer])
            if layer < self.num_layers - 1:
                # BP2: delta^l = (w^{l+1})^T delta^{l+1} * sigma'(z^l)
                previous = ws.deltas[-layer - 1]
                np.matmul(self.weights[-layer].transpose(0, 2, 1), delta, out=previous)
                _times_sigmoid_slope(previous, activations[-layer - 1], ws.scratch[-layer - 1])
                delta = previous
        return ws.nabla_b, ws.nabla_w

    def _workspace(self, m):
        """Buffers for a step of m examples per network, made once per batch size."""
        if m not in self._workspaces:
            K, layers = len(self.networks), self.sizes[1:]
            self._workspaces[m] = SimpleNamespace(
                activations=[np.empty((K, n, m), dtype=self.dtype) for n in layers],
                deltas=[np.empty((K, n, m), dtype=self.dtype) for n in layers],
                scratch=[np.empty((K, n, m), dtype=self.dtype) for n in layers],
                nabla_b=[np.empty_like(b) for b in self.biases],
                nabla_w=[np.empty_like(w) for w in self.weights],
            )
        return self._workspaces[m]


def train_in_lockstep(sizes, seeds, training_data, epochs, mini_batch_size, eta, test_data=None, verbose=False):
    """Train Network(sizes, random_state=seed) for every seed, all in one stack.

    Arguments as for `Network.SGD`. Returns (networks, histories): one ordinary `Network` per seed,
    in the order of `seeds`, with the weights, biases and generator state that
    `Network(sizes, random_state=seed).SGD(...)` would leave, and its history (the correct count on
    test_data after every epoch; empty lists without test_data).
    """
    networks = [Network(sizes, random_state=seed) for seed in seeds]
    stack = LockstepNetworks(networks)
    try:
        histories = stack.SGD(training_data, epochs, mini_batch_size, eta, test_data=test_data, verbose=verbose,
                              names=seeds)
    finally:
        stack.release()
    return networks, histories


def fit_in_lockstep(estimators, X, y, eval_set=None):
    """Fit NetworkClassifiers that differ only in random_state, each exactly as its own
    `estimator.fit(X, y, eval_set=eval_set)` would, in one stack. Returns the list of estimators.

    Each estimator is prepared as fit prepares it (its checks, `classes_`, `n_features_in_`, and
    `network_` with the initial weights drawn from its own seed); the networks are then trained
    together for `epochs` epochs on the data fit would train them on, and `history_` is set.
    """
    estimators = list(estimators)
    _check_same_but_for_the_seed(estimators)
    first = estimators[0]
    training_data, test_data = first._prepare(X, y, eval_set)
    for estimator in estimators[1:]:
        estimator._prepare(X, y, eval_set)  # the same data; only its network and seed are kept
    stack = LockstepNetworks([estimator.network_ for estimator in estimators])
    try:
        histories = stack.SGD(training_data, first.epochs, first.mini_batch_size, first.eta, test_data=test_data,
                              verbose=first.verbose, names=[estimator.random_state for estimator in estimators])
    finally:
        stack.release()
    for estimator, history in zip(estimators, histories):
        estimator.history_ = history
    return estimators


def _check_same_but_for_the_seed(estimators):
    """Raise ValueError unless the estimators are distinct NetworkClassifiers with equal parameters
    apart from random_state, and share no numpy Generator (one shared generator would be drawn from
    in another order in lockstep than by fitting one estimator after the other)."""
    if not estimators:
        raise ValueError("fit_in_lockstep needs at least one estimator")
    for estimator in estimators:
        if type(estimator) is not NetworkClassifier:
            raise ValueError(f"fit_in_lockstep fits NetworkClassifier instances, got {type(estimator).__name__}")
    if len({id(estimator) for estimator in estimators}) < len(estimators):
        raise ValueError("fit_in_lockstep got the same estimator twice")
    generators = [id(e.random_state) for e in estimators if isinstance(e.random_state, np.random.Generator)]
    if len(set(generators)) < len(generators):
        raise ValueError("fit_in_lockstep got estimators sharing one numpy Generator as random_state")

    def settings(estimator):
        params = estimator.get_params(deep=False)
        del params["random_state"]
        return params

    reference = settings(estimators[0])
    for estimator in estimators[1:]:
        if settings(estimator) != reference:
            differ = sorted(k for k in reference if settings(estimator).get(k) != reference[k])
            raise ValueError(f"estimators to fit in lockstep must differ only in random_state; they differ in {differ}")
