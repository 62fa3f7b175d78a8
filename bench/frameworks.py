"""The book's epoch written for JAX and for PyTorch, to time them beside this project's NumPy.

Neither is a dependency: `epoch_runner` returns None when the framework is not installed. Both
run the chapter's math (N(0, 1) initial weights, sigmoid layers, quadratic cost, w -> w - (eta/m)
sum of gradients) in float64 on one thread, like the project; their results are not bit for bit the
project's (their products sum in their own order), only their speed is compared.
"""

import importlib
import os

import numpy as np


def _import(name):
    """The module, or None when it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def epoch_runner(framework, X, Y, sizes, mini_batch_size, eta, seed=0):
    """A function that trains one network for one more epoch on (X, Y) with `framework` ("jax" or
    "torch"), or None when the framework cannot be imported. Examples past the last whole
    mini-batch are left out (JAX compiles one shape of batch)."""
    if framework == "jax":
        # One CPU thread, as the project trains; read by XLA when JAX is first imported.
        os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    module = _import(framework)
    if module is None:
        return None
    rng = np.random.default_rng(seed)
    params = [(rng.standard_normal((n_out, 1)), rng.standard_normal((n_out, n_in)))
              for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    n = len(X) - len(X) % mini_batch_size
    build = _jax_runner if framework == "jax" else _torch_runner
    return build(module, params, X, Y, n, rng, mini_batch_size, eta)


def _jax_runner(jax, params, X, Y, n, rng, m, eta):
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    X, Y = jnp.asarray(X, dtype=jnp.float64), jnp.asarray(Y, dtype=jnp.float64)

    def cost(params, x, y):  # x, y: a mini-batch as columns; C summed over it
        a = x
        for b, w in params:
            a = jax.nn.sigmoid(w @ a + b)
        return 0.5 * jnp.sum((a - y) ** 2)

    def update_mini_batch(params, batch):
        nabla = jax.grad(cost)(params, X[batch].T, Y[batch].T)
        return [(b - (eta / m) * nb, w - (eta / m) * nw) for (b, w), (nb, nw) in zip(params, nabla)], None

    # The whole epoch is one compiled loop over its mini-batches.
    epoch = jax.jit(lambda params, order: jax.lax.scan(update_mini_batch, params, order.reshape(-1, m))[0])
    state = {"params": [(jnp.asarray(b), jnp.asarray(w)) for b, w in params]}

    def run():
        order = jnp.asarray(rng.permutation(len(X))[:n])
        state["params"] = jax.block_until_ready(epoch(state["params"], order))

    return run


def _torch_runner(torch, params, X, Y, n, rng, m, eta):
    torch.set_num_threads(1)
    X, Y = torch.from_numpy(np.asarray(X, dtype=np.float64)), torch.from_numpy(np.asarray(Y, dtype=np.float64))
    params = [(torch.tensor(b, requires_grad=True), torch.tensor(w, requires_grad=True)) for b, w in params]
    flat = [p for pair in params for p in pair]

    def run():
        order = torch.from_numpy(rng.permutation(len(X))[:n])
        for k in range(0, n, m):
            batch = order[k:k + m]
            a, y = X[batch].T, Y[batch].T
            for b, w in params:
                a = torch.sigmoid(w @ a + b)
            nabla = torch.autograd.grad(0.5 * ((a - y) ** 2).sum(), flat)
            with torch.no_grad():
                for p, g in zip(flat, nabla):
                    p -= (eta / m) * g

    return run
