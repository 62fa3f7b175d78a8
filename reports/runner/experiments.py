"""The built-in experiments, written once: make's rules, the report's rows and the chapter's rows are
all derived from this list (reports/runner/runner.py runs what a request wants of it).

An experiment says what runs and nothing else: the factory ("module:attr") and its keyword
arguments, whether it is stochastic (run over seeds, each passed as `random_state`), the images it
trains on, and which commands include it. What the book printed about it, and how the reports
describe it, live in reports/render/book.py, so that editing a description never puts a run out of
date.
"""

from dataclasses import dataclass, field

TRAINING_SETS = ("train", "train+validation")


@dataclass(frozen=True)
class Experiment:
    """One classifier configuration.

    name: the name of its run files and its row; factory: "module:attr" returning an estimator;
    params: the factory's keyword arguments, part of every run's identity; stochastic: run over
    seeds 0, 1, ... (given as `random_state`); training_set: "train" (the book's 50,000 images) or "train+validation" (the
    60,000 of the original MNIST training set); commands: the make commands that include it;
    seconds: a rough cost of one run on a 2-core machine (of the order `make chapter` took on the
    machine of the README's figures), and every_core: whether it uses every core
    (scikit-learn-intelex's SVC does), so that make can start the long runs first and keep every
    core busy until the end (reports/runner/runner.py); seeding: how a plug-in's spec declares it is
    seeded ("seeds", "fixed" or "deterministic", reports/runner/registry.py), None when it does not
    say, and then the runner probes it. It only decides `stochastic`; it is not part of a run's identity.
    inputs: files a plug-in's spec says it reads, whose content counts in its runs' identity.
    chapter_seeds: the most seeds `make chapter` gives it by default: the cap of its rounds where the
    book printed a figure for it (reports/rounds.py adds seeds until its verdict is decided), else the
    fixed count it always gets. chapter_min_seeds: the least seeds before the rule may stop (its first
    look; a count below it is no look, reports/sequential.py), 0 for the first round. Like `seconds`,
    both are a plan, never part of a run's identity.
    """

    name: str
    factory: str
    params: dict = field(default_factory=dict)
    stochastic: bool = False
    training_set: str = "train"
    commands: tuple = ()
    seconds: float = 1.0
    every_core: bool = False
    seeding: str | None = None
    inputs: tuple = ()
    chapter_seeds: int = 10
    chapter_min_seeds: int = 0


NETWORK = "network.classifier:NetworkClassifier"
SVC = "baselines.svm:SVCClassifier"
BOTH = ("report", "chapter")


def _network(name, hidden, commands, seconds, chapter_seeds, chapter_min_seeds=0, **settings):
    """A network experiment: NetworkClassifier's defaults (the chapter's epochs, mini-batch and eta, written
    once, there) with these hidden layers and any `settings` that differ. The book's "Epoch j: n / 10000"
    lines are printed by the runner, which scores the test images after every epoch
    (reports/runner/protocol.py); the network's own verbose lines would count its validation images."""
    return Experiment(name, NETWORK, {"hidden_sizes": hidden, **settings}, stochastic=True, commands=commands,
                      seconds=seconds, chapter_seeds=chapter_seeds, chapter_min_seeds=chapter_min_seeds)


# chapter_seeds, the caps and fixed counts of `make chapter`, are chosen so that a cold default run takes
# about 20 minutes on a 2-core machine. Measured here (fit CPU seconds per seed, with the runner's scoring
# of every epoch): [784, 30, 10] 7.3, [784, 10] 4.5 (4.9 with chapter 3's weights), [784, 100, 10] 12.3;
# the three SVC runs, by their `seconds` below on both cores, about 10 CPU-minutes together. The
# chapter's network, whose row must put a number on the book's 9,542 (an estimate with an interval, which
# takes of the order of 100 seeds), runs at least 80 seeds before the rule may stop, and up to 160; the two
# [784, 100, 10] experiments, the dearest, to 20; the exercise, which the book gives no figure for, has a
# fixed 40, enough to see each of its groups of runs (0, 1 or 2 dead outputs) several times.
EXPERIMENTS = [
    Experiment("random", "baselines.random_guess:random_guess_classifier", stochastic=True, commands=BOTH,
               chapter_seeds=20),
    Experiment("darkness", "baselines.darkness:AverageDarknessClassifier", commands=BOTH),
    Experiment("svc-book", SVC, {"preset": "book"}, commands=BOTH, seconds=55, every_core=True),
    Experiment("svc-modern", SVC, {"preset": "modern"}, commands=("report",), seconds=30, every_core=True),
    _network("network", (30,), BOTH, seconds=6, chapter_seeds=160, chapter_min_seeds=80),
    # The chapter's exercise: "Try creating a network with just two layers - an input and an output
    # layer, no hidden layer - with 784 and 10 neurons, respectively. Train the network using stochastic
    # gradient descent. What classification accuracy can you achieve?" (neuralnetworksanddeeplearning.com/
    # chap1.html). It names no learning rate, epochs or mini-batch size, so it takes the chapter's
    # training settings, NetworkClassifier's defaults: eta 3.0, 30 epochs, mini-batches of 10.
    _network("network-0-hidden", (), ("chapter",), seconds=4, chapter_seeds=40),
    # A sidebar to the exercise: chapter 3's initial weights (standard deviation 1/sqrt(n_in)) keep its
    # output neurons out of saturation, which no learning rate does for chapter 1's N(0, 1) weights.
    _network("network-0-hidden-init3", (), ("chapter",), seconds=4, chapter_seeds=20, init="chapter3"),
    _network("network-100", (100,), ("chapter",), seconds=12, chapter_seeds=20),
    _network("network-100-slow", (100,), ("chapter",), seconds=12, chapter_seeds=20, eta=0.001),
    _network("network-eta100", (30,), ("chapter",), seconds=6, chapter_seeds=40, eta=100.0),
    # Andreas Mueller's tuned SVM, on the book's 50,000 training images and, as he ran it, on 60,000.
    Experiment("svc-tuned", SVC, {"preset": "tuned"}, commands=("chapter",), seconds=110, every_core=True),
    Experiment("svc-mueller", SVC, {"preset": "tuned"}, training_set="train+validation", commands=("chapter",),
               seconds=130, every_core=True),
]

BY_NAME = {experiment.name: experiment for experiment in EXPERIMENTS}
COMMANDS = ("report", "chapter")


def experiments_of(command):
    """The built-in experiments that `make COMMAND` runs, in the order of the list."""
    if command not in COMMANDS:
        raise ValueError(f"command must be one of {COMMANDS}, got {command!r}")
    return [experiment for experiment in EXPERIMENTS if command in experiment.commands]
