"""The book's per-example backpropagation, kept as a slow, trusted reference for `Network`.

The tests hold `Network.backprop` (a whole mini-batch as matrices) against these, and the benchmark
times them side by side. Nothing here is vectorised on purpose.
"""

import numpy as np

from network.network import sigmoid, sigmoid_prime


def backprop_one(net, x, y):
    """Gradient of C = 1/2 ||y - a||^2 for one example (x, y as columns), following the book's
    equations BP1-BP4 literally: weighted inputs z, then the errors delta from the output back."""
    activation, activations, zs = x, [x], []
    for b, w in zip(net.biases, net.weights):
        z = w @ activation + b
        zs.append(z)
        activation = sigmoid(z)
        activations.append(activation)
    delta = (activations[-1] - y) * sigmoid_prime(zs[-1])  # BP1
    nabla_b, nabla_w = [None] * len(net.biases), [None] * len(net.weights)
    nabla_b[-1], nabla_w[-1] = delta, delta @ activations[-2].T  # BP3, BP4
    for layer in range(2, net.num_layers):
        delta = (net.weights[-layer + 1].T @ delta) * sigmoid_prime(zs[-layer])  # BP2
        nabla_b[-layer], nabla_w[-layer] = delta, delta @ activations[-layer - 1].T
    return nabla_b, nabla_w


def per_example_gradient(net, x, y):
    """Sum of `backprop_one` over the columns of x and y, added up example by example."""
    total_b = [np.zeros_like(b) for b in net.biases]
    total_w = [np.zeros_like(w) for w in net.weights]
    for i in range(x.shape[1]):
        nabla_b, nabla_w = backprop_one(net, x[:, i:i + 1], y[:, i:i + 1])
        total_b = [t + n for t, n in zip(total_b, nabla_b)]
        total_w = [t + n for t, n in zip(total_w, nabla_w)]
    return total_b, total_w


def quadratic_cost(net, x, y):
    """C = sum over the columns of 1/2 ||y - a||^2."""
    return 0.5 * np.sum((y - net.feedforward(x)) ** 2)
