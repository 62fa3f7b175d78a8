"""How fast the network trains: the project's matrix form against the book's per-example loop, and
both against the floor set by the machine's matrix-product throughput, all measured in one run."""

import numpy as np
from threadpoolctl import threadpool_limits

from bench.timing import median_seconds
from network import Network
from network.reference import per_example_gradient

SIZES = [784, 30, 10]
MINI_BATCH = 10
ETA = 3.0


def epoch_seconds(X, Y, repeat):
    """Seconds for one epoch of Network.SGD over all of X (the book's settings)."""
    net = Network(SIZES, random_state=0)
    return median_seconds(lambda: net.SGD((X, Y), 1, MINI_BATCH, ETA), repeat=repeat)


def reference_epoch_seconds(X, Y, n_examples, repeat):
    """Seconds per epoch of the book's loop (network/reference.py: one example at a time through
    backprop, summed per mini-batch), timed on `n_examples` and scaled to the whole of X."""
    net = Network(SIZES, random_state=0)

    def part_of_an_epoch():
        for k in range(0, n_examples, MINI_BATCH):
            x, y = X[k:k + MINI_BATCH].T, Y[k:k + MINI_BATCH].T
            nabla_b, nabla_w = per_example_gradient(net, x, y)
            for p, g in zip(net.weights + net.biases, nabla_w + nabla_b):
                p -= (ETA / MINI_BATCH) * g

    return median_seconds(part_of_an_epoch, repeat=repeat) * len(X) / n_examples


def matmul_flops_per_epoch(n_examples):
    """Floating-point operations of the matrix products in one epoch: per example and layer, 2 n_in n_out
    for the forward pass and as many for the weight gradient, and again for propagating the error back
    through every layer but the first. Elementwise work (sigmoid, updates) is left out: a floor."""
    layers = list(zip(SIZES[:-1], SIZES[1:]))
    per_example = sum(2 * n_in * n_out * 2 for n_in, n_out in layers)
    per_example += sum(2 * n_in * n_out for n_in, n_out in layers[1:])
    return per_example * n_examples


def gflops(shape_a, shape_b, repeat=20):
    """Measured single-thread float64 throughput of the product of two matrices of these shapes."""
    rng = np.random.default_rng(0)
    a, b = rng.random(shape_a), rng.random(shape_b)
    out = np.empty((shape_a[0], shape_b[1]))
    calls = max(1, int(2e8 // (2 * shape_a[0] * shape_a[1] * shape_b[1])))  # about 0.2 GFLOP per timing

    def products():
        for _ in range(calls):
            np.matmul(a, b, out=out)

    with threadpool_limits(limits=1, user_api="blas"):
        seconds = median_seconds(products, repeat=repeat)
    return 2 * shape_a[0] * shape_a[1] * shape_b[1] * calls / seconds / 1e9


def measure(X, Y, repeat=5, reference_examples=5000):
    ours = epoch_seconds(X, Y, repeat)
    reference = reference_epoch_seconds(X, Y, reference_examples, repeat=3)
    flops = matmul_flops_per_epoch(len(X))
    large = gflops((1000, 1000), (1000, 1000), repeat=5)
    batch = gflops((SIZES[1], SIZES[0]), (SIZES[0], MINI_BATCH))
    return {
        "sizes": SIZES, "mini_batch_size": MINI_BATCH, "n_train": len(X),
        "network_seconds_per_epoch": ours,
        "reference_seconds_per_epoch": reference,
        "speedup_over_reference": reference / ours,
        "gflop_per_epoch": flops / 1e9,
        "gflops_large_matmul": large,
        "gflops_batch_matmul": batch,
        "floor_seconds_large": flops / 1e9 / large,
        "floor_seconds_batch": flops / 1e9 / batch,
    }
