"""What the reports say about each built-in experiment: a description, and the figure the book printed.

Every count is of the 10,000 test images. `correct` is what the book printed and `measure` what it
measures: the final count of a classifier ("final"), a network's best epoch ("best epoch") or last
epoch ("last epoch"), or a bound ("at least"; "above 98.5 percent" of 10,000 is 9,851 or more).
`assumed` says why, where the book does not say which count it printed. `epochs` holds the lines of
the book's "Epoch j: n / 10000" listings. `text` quotes the chapter, "Using neural nets to recognize
handwritten digits" (neuralnetworksanddeeplearning.com/chap1.html); every figure was checked
against it. Nothing here is part of a run's identity: editing it re-renders, never recomputes.
"""

import inspect
from dataclasses import dataclass, field

from baselines.svm import PRESETS
from network.classifier import NetworkClassifier
from reports.render.stats import BEST_OF

# The network's training settings as NetworkClassifier defines them (the chapter's: the experiments
# only change the hidden layer and eta), and Mueller's tuned SVC as baselines/svm.py defines it.
NETWORK_DEFAULTS = {name: p.default for name, p in inspect.signature(NetworkClassifier).parameters.items()}
TUNED = PRESETS["tuned"]


BEST_OF_BOOK = f"best of {BEST_OF}"  # "To generate results in this chapter I've taken best-of-three runs."


@dataclass(frozen=True)
class Book:
    """How the reports describe one experiment, and what the book printed for it (if anything)."""

    description: str
    correct: int | None = None
    measure: str = "final"
    epochs: dict = field(default_factory=dict)
    text: str = ""
    assumed: str = ""
    no_figure: str = ""  # what the chapter's table says in place of a verdict where the book prints none
    procedure: str = "one run"  # how the book got its figure: "one run", BEST_OF_BOOK, or "expectation"

    @property
    def runs(self):
        """How many runs the book's procedure takes the best of (3 for its networks, else 1)."""
        return BEST_OF if self.procedure == BEST_OF_BOOK else 1

    @property
    def printed(self):
        """The figure as the tables print it ("≥ 9,851" for a bound), or "-"."""
        if self.correct is None:
            return "-"
        return f"≥ {self.correct:,}" if self.measure == "at least" else f"{self.correct:,}"


BOOK = {
    "random": Book("random guessing, uniform over the ten digits", 1000,
                   text='"about ten percent of the time" (the naive baseline)', procedure="expectation"),
    "darkness": Book("average darkness: the digit whose mean pixel sum is nearest", 2225,
                     text='"2,225 of the 10,000 test images"'),
    "svc-book": Book('SVC with the defaults of the book\'s day (gamma = 1/784, "auto" today)', 9435,
                     text='"9,435 of 10,000 test images correct" with scikit-learn\'s default settings'),
    "svc-modern": Book('SVC with today\'s defaults (gamma = "scale"); not in the book'),
    "network": Book(f"the chapter's network [784, 30, 10], {NETWORK_DEFAULTS['epochs']} epochs, mini-batch "
                    f"{NETWORK_DEFAULTS['mini_batch_size']}, eta {NETWORK_DEFAULTS['eta']}", 9542, "best epoch",
                    {0: 9129, 1: 9295, 2: 9348, 27: 9528, 28: 9542, 29: 9534},
                    '"about 95 percent - 95.42 percent at its peak (\'Epoch 28\')", the best of three runs',
                    procedure=BEST_OF_BOOK),
    "network-0-hidden": Book("the chapter's exercise: [784, 10], no hidden layer, eta 3.0", measure="best epoch",
                             text='"Try creating a network with just two layers - an input and an output layer, no '
                                  'hidden layer - with 784 and 10 neurons, respectively. [...] What classification '
                                  'accuracy can you achieve?"',
                             no_figure="the book asks, prints no figure"),
    "network-0-hidden-init3": Book("the exercise with chapter 3's weights: sd 1/sqrt(784), not 1",
                                   measure="best epoch",
                                   text='"a better way of initializing the weights" (chapter 3), not a chapter-1 '
                                        'experiment',
                                   no_figure="a sidebar: the book prints no figure"),
    "network-100": Book("[784, 100, 10], eta 3.0", 9659, "best epoch",
                        text='"this improves the results to 96.59 percent", with a footnote: "some training runs '
                             'give results quite a bit worse"',
                        assumed="the book gives no listing and does not say which epoch; we assume its 96.59% is "
                                "a best epoch, as its 95.42% was",
                    procedure=BEST_OF_BOOK),
    "network-100-slow": Book("[784, 100, 10], eta 0.001: too small a learning rate", 2142, "last epoch",
                             {0: 1139, 1: 1136, 2: 1135, 27: 2101, 28: 2123, 29: 2142},
                             '"Epoch 29: 2142 / 10000": "much less encouraging", but slowly getting better',
                    procedure=BEST_OF_BOOK),
    "network-eta100": Book("[784, 30, 10], eta 100: too large a learning rate", 982, "last epoch",
                           {0: 1009, 1: 1009, 2: 1009, 3: 1009, 27: 982, 28: 982, 29: 982},
                           '"Epoch 29: 982 / 10000": "the learning rate is too high"',
                    procedure=BEST_OF_BOOK),
    "svc-tuned": Book(f"SVC with Andreas Mueller's tuned setting (C = {TUNED['C']}, gamma = {TUNED['gamma']} on pixels scaled to "
                      "[-1, 1]), trained on the book's 50,000 images", 9851, "at least",
                      text='"above 98.5 percent accuracy" for an SVM tuned as in a blog post by Andreas Mueller'),
    "svc-mueller": Book("the same tuned SVC as Mueller ran it: trained on the 60,000 images of the original "
                        "training set (the book's training and validation sets)", 9851, "at least",
                        text='"above 98.5 percent accuracy" for an SVM tuned as in a blog post by Andreas Mueller'),
}


def measured(run, kind):
    """A run's figure as the book measured it: its best epoch, or its final (= last epoch) count."""
    if kind == "best epoch" and run.get("history"):
        return max(run["history"])
    return run["correct"]


def description(name, factory=None):
    """A record's description: the book's for a built-in, the factory for a plug-in."""
    return BOOK[name].description if name in BOOK else f"plug-in {factory}"
