"""The network's epoch in NumPy against the compiled epoch (network/compiled_epoch.c) and the peers: scikit-learn's MLPClassifier, JAX and PyTorch (the last two
only where importable), all timed in alternate turns in one run, so that the machine's noise falls
on every contender alike.

Every figure is seconds per epoch per seed, the median over the turns after a warm-up turn; every
ratio is the median of the per-turn ratios to one network trained alone in NumPy, timed in the same
turns.
"""

import inspect
import multiprocessing
import statistics
import time
import warnings
from contextlib import nullcontext

import numpy as np
from tabulate import tabulate
from threadpoolctl import threadpool_limits

from bench import frameworks, network_speed
from bench.timing import median_seconds
from network import compiled_epoch
from network.classifier import NetworkClassifier
from network.network import Network

MINI_BATCH, ETA = network_speed.MINI_BATCH, network_speed.ETA
CHAPTER = [784, 30, 10]
WIDE = [784, 100, 10]
SEEDS_AT_ONCE = 10  # the wall-time target: this many seeds of the chapter's network on the machine's 2 cores


def _one_more_epoch(net, X, Y, prepared):
    """One epoch of a fit already under way: compiled with `prepared` (from compiled_epoch.for_training),
    in NumPy without it."""
    net.train_epoch(X, Y, net.rng.permutation(len(X)), MINI_BATCH, ETA, prepared)


def _alone(sizes, X, Y, seed=0, compiled=False):
    """A network and a function that trains it one more epoch, as an epoch of a fit trains it: in
    NumPy, or compiled, the nonzero pixels indexed once beforehand as a fit indexes them once."""
    net = Network(sizes, random_state=seed)
    prepared = compiled_epoch.for_training(X, Y) if compiled else None

    def epoch():
        with threadpool_limits(limits=1, user_api="blas"), (nullcontext() if compiled else compiled_epoch.disabled()):
            _one_more_epoch(net, X, Y, prepared)

    return net, epoch


def _mlp(sizes, X, labels):
    """scikit-learn's MLPClassifier set as close to the book as it allows; partial_fit is one epoch."""
    from sklearn.neural_network import MLPClassifier
    mlp = MLPClassifier(hidden_layer_sizes=sizes[1:-1], activation="logistic", solver="sgd", alpha=0.0,
                        batch_size=MINI_BATCH, learning_rate="constant", learning_rate_init=ETA,
                        momentum=0.0, nesterovs_momentum=False, shuffle=True, random_state=0)

    def epoch():
        # One BLAS thread, as every other contender trains.
        with threadpool_limits(limits=1, user_api="blas"):
            mlp.partial_fit(X, labels, classes=np.arange(sizes[-1]))

    return mlp, epoch


def turns(contenders, rounds):
    """Time every contender once per turn, `rounds` turns after a warm-up turn.

    `contenders` maps a name to (function, seeds it trains per call) and must include "alone".
    Returns {name: {"seconds": median seconds per seed, "ratio": median per-turn ratio to alone}}.
    """
    times = {name: [] for name in contenders}
    for turn in range(rounds + 1):
        for name, (function, seeds) in contenders.items():
            start = time.perf_counter()
            function()
            if turn:
                times[name].append((time.perf_counter() - start) / seeds)
    return {name: {"seconds": statistics.median(t),
                   "ratio": statistics.median(s / a for s, a in zip(t, times["alone"]))}
            for name, t in times.items()}


# The wall time of SEEDS_AT_ONCE seeds on two processes. The workers are forked, so they share the
# data of the parent instead of receiving a copy of it.
_DATA = {}


def _train_one_epoch(sizes, seeds, compiled):
    X, Y = _DATA["XY"]
    if compiled:  # each seed one epoch in turn, the pixels indexed once per worker, as once per fit
        if "compiled" not in _DATA:
            _DATA["compiled"] = compiled_epoch.for_training(X, Y)
        for seed in seeds:
            _one_more_epoch(Network(sizes, random_state=seed), X, Y, _DATA["compiled"])
        return
    with compiled_epoch.disabled():
        for seed in seeds:
            Network(sizes, random_state=seed).SGD((X, Y), 1, MINI_BATCH, ETA)


def _two_processes(pool, sizes, groups, compiled=False):
    def run():
        for result in [pool.apply_async(_train_one_epoch, (sizes, group, compiled)) for group in groups]:
            result.get()
    return run


def measure(X, Y, X_test, labels_test, rounds=5, epochs=None, peers=("jax", "torch")):
    """Everything the peers section shows; X float64 images as rows, Y one-hot rows. `epochs`: the
    chapter's (NetworkClassifier's default) unless given."""
    epochs = epochs or inspect.signature(NetworkClassifier).parameters["epochs"].default
    labels = np.argmax(Y, axis=1)
    _DATA["XY"] = (X, Y)
    # The two worker processes are forked before JAX is imported: forking a process that runs JAX's
    # threads can deadlock.
    with multiprocessing.get_context("fork").Pool(2) as pool:
        alone, alone_epoch = _alone(CHAPTER, X, Y)
        mlp, mlp_epoch = _mlp(CHAPTER, X, labels)
        contenders = {"alone": (alone_epoch, 1)}
        contenders["compiled"] = (_alone(CHAPTER, X, Y, seed=1, compiled=True)[1], 1)
        contenders["MLPClassifier"] = (mlp_epoch, 1)
        absent = []
        for name in peers:
            runner = frameworks.epoch_runner(name, X, Y, CHAPTER, MINI_BATCH, ETA)
            if runner is None:
                absent.append(name)
            else:
                contenders[name] = (runner, 1)
        seeds = list(range(SEEDS_AT_ONCE))
        halves = [seeds[:len(seeds) // 2], seeds[len(seeds) // 2:]]
        contenders[f"{SEEDS_AT_ONCE} seeds alone, 2 processes, NumPy"] = (
            _two_processes(pool, CHAPTER, [[s] for s in seeds]), 1)
        contenders[f"{SEEDS_AT_ONCE} seeds, 2 processes, compiled"] = (
            _two_processes(pool, CHAPTER, halves, compiled=True), 1)
        chapter = turns(contenders, rounds)
    _DATA.clear()
    wide = {"alone": (_alone(WIDE, X, Y)[1], 1)}
    wide["compiled"] = (_alone(WIDE, X, Y, seed=1, compiled=True)[1], 1)
    wide = turns(wide, rounds)
    # Accuracy after `epochs` epochs: both have trained rounds + 1 epochs in the turns.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLPClassifier warns that one epoch per call has not converged
        for _ in range(epochs - rounds - 1):
            alone_epoch()
            mlp_epoch()
    indexing = median_seconds(lambda: compiled_epoch.for_training(X, Y), repeat=3)
    floor = network_speed.matmul_flops_per_epoch(len(X), CHAPTER) / 1e9
    gflops = network_speed.gflops((CHAPTER[1], CHAPTER[0]), (CHAPTER[0], MINI_BATCH))
    return {
        "n_train": len(X), "n_test": len(labels_test), "epochs": epochs, "eta": ETA, "rounds": rounds,
        "chapter": chapter, "wide": wide, "absent": absent, "compiled_not_available": compiled_epoch.why_not(),
        "indexing_seconds": indexing,
        "floor_seconds_batch": floor / gflops, "gflops_batch_matmul": gflops,
        "network_correct": alone.evaluate(X_test, labels_test),
        "mlp_correct": int(np.sum(mlp.predict(X_test) == labels_test)),
    }


PEER_NAMES = {"jax": "JAX (jit, one compiled loop per epoch)", "torch": "PyTorch (eager, autograd)"}


def table(rows, head):
    return tabulate(rows, head, tablefmt="github", disable_numparse=True)


def markdown(p, section):
    """The peers section as markdown lines; `section` is its heading's hashes."""
    c, w = p["chapter"], p["wide"]
    alone = c["alone"]["seconds"]
    why_not = p.get("compiled_not_available")
    compiled_name = ("compiled epoch (`network/compiled_epoch.c`, the default)" if not why_not
                     else f"compiled epoch: not available here ({why_not}), so NumPy again")
    rows = [["one seed alone, NumPy (`Network.train_epoch`, compiled epoch off)", f"{alone:.3f}", "1.00"]]
    rows.append([f"one seed, {compiled_name}", f"{c['compiled']['seconds']:.3f}", f"{c['compiled']['ratio']:.2f}"])
    rows.append([f"floor: the dense products at {p['gflops_batch_matmul']:.0f} GFLOP/s (784 x 10 batch products)",
                 f"{p['floor_seconds_batch']:.3f}", f"{p['floor_seconds_batch'] / alone:.2f}"])
    rows.append(["scikit-learn MLPClassifier (see below)", f"{c['MLPClassifier']['seconds']:.3f}",
                 f"{c['MLPClassifier']['ratio']:.2f}"])
    rows += [[PEER_NAMES[name], f"{c[name]['seconds']:.3f}", f"{c[name]['ratio']:.2f}"]
             for name in PEER_NAMES if name in c]
    rows += [[PEER_NAMES[name], "not installed here (never a dependency)", "-"] for name in p["absent"]]
    wall = [[name, f"{r['seconds']:.2f}", f"{r['ratio']:.2f}"] for name, r in c.items() if "seeds" in name]
    wide = [["one seed alone, NumPy" if name == "alone" else
             f"one seed, {compiled_name}",
             f"{r['seconds']:.3f}", f"{r['ratio']:.2f}"] for name, r in w.items()]
    n = f"{p['n_train']:,}"
    return [
        f"{section} The compiled epoch and the peers: [784, 30, 10], mini-batch {MINI_BATCH}, "
        f"eta {p['eta']}, one epoch of {n} images", "",
        f"Seconds per epoch per seed, float64, one core: medians of {p['rounds']} turns after a warm-up, every "
        "contender timed once per turn; the ratio is the median of the per-turn ratios to one seed alone in "
        "NumPy. A contender trains one more epoch of a fit each call: one seed alone in NumPy "
        "(`Network.train_epoch`), or one seed compiled (the portable arithmetic), without NumPy's "
        "per-call cost and without the products by zero pixels (about 80% of MNIST's). The compiled epoch's one-off cost per fit, indexing the nonzero "
        f"pixels of the {n} images, is {p.get('indexing_seconds', float('nan')):.2f} s. The floor counts "
        "the dense products, which the compiled epoch does not all do.", "",
        table(rows, ["", "seconds per epoch per seed", "ratio to alone in NumPy"]), "",
        f"Wall seconds of one epoch of {SEEDS_AT_ONCE} seeds, on the machine's 2 cores (ratio to one seed alone "
        "in NumPy).", "",
        table(wall, ["", "wall seconds per epoch", "ratio to one seed in NumPy"]), "",
        f"MLPClassifier: `activation=\"logistic\", solver=\"sgd\", batch_size={MINI_BATCH}, momentum=0, alpha=0, "
        f"learning_rate_init={p['eta']}`. It averages the gradient over the mini-batch, so its rate multiplies "
        "the same (eta/m) sum as the book's; but its cost is not the book's: the output layer is a softmax "
        "with the log-loss, whose output error is a - y without the book's factor sigma'(z), and its initial "
        "weights are Glorot-uniform, not N(0, 1). After "
        f"{p['epochs']} epochs it classifies {p['mlp_correct']:,} of {p['n_test']:,} test images; this "
        f"project's network (seed 0) {p['network_correct']:,}.", "",
        f"{section} [784, 100, 10], eta {p['eta']}: the compiled epoch", "",
        table(wide, ["", "seconds per epoch per seed", "ratio to alone in NumPy"]), "",
    ]
