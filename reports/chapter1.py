"""The experiments of chapter 1, as data: each classifier's configuration and the figure the book printed.

Every count is of the 10,000 test images. `book_correct` is what the book printed and `book_measure`
what it measures: the final count of a classifier ("final"), a network's best epoch ("best epoch") or
last epoch ("last epoch"), or a bound ("at least"). `book_epochs` holds the lines of the book's
"Epoch j: n / 10000" listings. `book_text` quotes the chapter, "Using neural nets to recognize
handwritten digits" (neuralnetworksanddeeplearning.com/chap1.html); every figure was checked against it.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Experiment:
    """One classifier configuration of the chapter.

    name: the results file's name; factory: "module:attr" returning an estimator; params: its keyword
    arguments; stochastic: whether it is run over several seeds (passed as `random_state`).
    """

    name: str
    factory: str
    params: dict = field(default_factory=dict)
    stochastic: bool = False
    description: str = ""
    book_correct: int | None = None
    book_measure: str = "final"
    book_epochs: dict = field(default_factory=dict)
    book_text: str = ""


NETWORK = "network.classifier:NetworkClassifier"

EXPERIMENTS = [
    Experiment("random", "baselines.random_guess:random_guess_classifier", stochastic=True,
               description="random guessing, uniform over the ten digits",
               book_correct=1000, book_text='"about ten percent of the time" (the naive baseline)'),
    Experiment("darkness", "baselines.darkness:AverageDarknessClassifier",
               description="average darkness: the digit whose mean pixel sum is nearest",
               book_correct=2225, book_text='"2,225 of the 10,000 test images"'),
    Experiment("svc-book", "baselines.svm:SVCClassifier", {"preset": "book"},
               description='SVC with the defaults of the book\'s day (gamma = 1/784, "auto" today)',
               book_correct=9435, book_text='"9,435 of 10,000 test images correct" with scikit-learn\'s default settings'),
    Experiment("svc-modern", "baselines.svm:SVCClassifier", {"preset": "modern"},
               description='SVC with today\'s defaults (gamma = "scale"); not in the book'),
    Experiment("network", NETWORK, {"hidden_sizes": (30,), "epochs": 30, "mini_batch_size": 10, "eta": 3.0,
                                    "verbose": True}, stochastic=True,
               description="the chapter's network [784, 30, 10], 30 epochs, mini-batch 10, eta 3.0",
               book_correct=9542, book_measure="best epoch",
               book_epochs={0: 9129, 1: 9295, 2: 9348, 27: 9528, 28: 9542, 29: 9534},
               book_text='"about 95 percent - 95.42 percent at its peak (Epoch 28)", the best of three runs'),
    Experiment("network-100", NETWORK, {"hidden_sizes": (100,), "epochs": 30, "mini_batch_size": 10, "eta": 3.0,
                                        "verbose": True}, stochastic=True,
               description="[784, 100, 10], eta 3.0",
               book_correct=9659, book_measure="best epoch",
               book_text='"improves the results to 96.59 percent"; a footnote warns that some runs do much worse'),
    Experiment("network-100-slow", NETWORK, {"hidden_sizes": (100,), "epochs": 30, "mini_batch_size": 10,
                                             "eta": 0.001, "verbose": True}, stochastic=True,
               description="[784, 100, 10], eta 0.001: too small a learning rate",
               book_correct=2142, book_measure="last epoch",
               book_epochs={0: 1139, 1: 1136, 2: 1135, 27: 2101, 28: 2123, 29: 2142},
               book_text='"Epoch 29: 2142 / 10000": "much less encouraging", but slowly getting better'),
    Experiment("network-eta100", NETWORK, {"hidden_sizes": (30,), "epochs": 30, "mini_batch_size": 10,
                                           "eta": 100.0, "verbose": True}, stochastic=True,
               description="[784, 30, 10], eta 100: too large a learning rate",
               book_correct=982, book_measure="last epoch",
               book_epochs={0: 1009, 1: 1009, 2: 1009, 3: 1009, 27: 982, 28: 982, 29: 982},
               book_text='"Epoch 29: 982 / 10000": "the learning rate is too high"'),
    Experiment("svc-tuned", "baselines.svm:SVCClassifier", {"preset": "tuned"},
               description="SVC with C = 2.8, gamma = 0.0073 on [-1, 1] pixels (Andreas Mueller's tuned setting)",
               book_correct=9850, book_measure="at least",
               book_text='"above 98.5 percent accuracy" for an SVM tuned as in a blog post by Andreas Mueller'),
]

BY_NAME = {experiment.name: experiment for experiment in EXPERIMENTS}
# What `make report` runs; `make chapter` runs every experiment but svc-modern, which is not in the book.
REPORT = ["random", "darkness", "svc-book", "svc-modern", "network"]
