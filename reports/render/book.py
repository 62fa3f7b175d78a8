"""What the reports say about each built-in experiment: a description, and the figure the book printed.

Every count is of the 10,000 test images. `correct` is what the book printed and `measure` what it
measures: the final count of a classifier ("final"), a network's best epoch ("best epoch") or last
epoch ("last epoch"), or a bound ("at least"; "above 98.5 percent" of 10,000 is 9,851 or more).
`assumed` says why, where the book does not say which count it printed. `epochs` holds the lines of
the book's "Epoch j: n / 10000" listings. `text` quotes the chapter, "Using neural nets to recognize
handwritten digits" (neuralnetworksanddeeplearning.com/chap1.html); every figure was checked
against it. Nothing here is part of a run's identity: editing it re-renders, never recomputes.

A description is a template filled from the run it describes (`settings`): the layers and learning
rate its record holds, the epochs its history counts. It never asks today's code for a setting, so
an archived run is described as it was computed, and rendering imports no classifier. A setting the
record does not hold (an experiment gives only what differs from its factory's defaults) is the
book's: the chapter's `SGD(training_data, 30, 10, 3.0, ...)`, or Mueller's C and gamma for the
"tuned" preset; tests/test_book.py checks that the factories' defaults still are the book's.
"""

from dataclasses import dataclass, field

from reports.render.stats import BEST_OF

# The book's settings: the chapter's network trains with SGD(training_data, 30, 10, 3.0), and Andreas
# Mueller's blog post tunes the SVC to C = 2.8, gamma = 0.0073 on pixels scaled to [-1, 1].
CHAPTER_SGD = {"epochs": 30, "mini_batch_size": 10, "eta": 3.0}
MUELLER = {"C": 2.8, "gamma": 0.0073}
MNIST_PIXELS = 28 * 28  # a network's input layer


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
    "network": Book("the chapter's network {layers}, {epochs} epochs, mini-batch {mini_batch_size}, eta {eta}",
                    9542, "best epoch",
                    {0: 9129, 1: 9295, 2: 9348, 27: 9528, 28: 9542, 29: 9534},
                    '"about 95 percent - 95.42 percent at its peak (\'Epoch 28\')", the best of three runs',
                    procedure=BEST_OF_BOOK),
    "network-0-hidden": Book("the chapter's exercise: {layers}, no hidden layer, eta {eta}", measure="best epoch",
                             text='"Try creating a network with just two layers - an input and an output layer, no '
                                  'hidden layer - with 784 and 10 neurons, respectively. [...] What classification '
                                  'accuracy can you achieve?"',
                             no_figure="the book asks, prints no figure"),
    "network-0-hidden-init3": Book("the exercise with chapter 3's weights: sd 1/sqrt(784), not 1",
                                   measure="best epoch",
                                   text='"a better way of initializing the weights" (chapter 3), not a chapter-1 '
                                        'experiment',
                                   no_figure="a sidebar: the book prints no figure"),
    "network-100": Book("{layers}, eta {eta}", 9659, "best epoch",
                        text='"this improves the results to 96.59 percent", with a footnote: "some training runs '
                             'give results quite a bit worse"',
                        assumed="the book gives no listing and does not say which epoch; we assume its 96.59% is "
                                "a best epoch, as its 95.42% was",
                    procedure=BEST_OF_BOOK),
    "network-100-slow": Book("{layers}, eta {eta}: too small a learning rate", 2142, "last epoch",
                             {0: 1139, 1: 1136, 2: 1135, 27: 2101, 28: 2123, 29: 2142},
                             '"Epoch 29: 2142 / 10000": "much less encouraging", but slowly getting better',
                    procedure=BEST_OF_BOOK),
    "network-eta100": Book("{layers}, eta {eta:g}: too large a learning rate", 982, "last epoch",
                           {0: 1009, 1: 1009, 2: 1009, 3: 1009, 27: 982, 28: 982, 29: 982},
                           '"Epoch 29: 982 / 10000": "the learning rate is too high"',
                    procedure=BEST_OF_BOOK),
    "svc-tuned": Book("SVC with Andreas Mueller's tuned setting (C = {C}, gamma = {gamma} on pixels scaled to "
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


def settings(run):
    """The settings a description names, from what `run` holds: its record's parameters, the epochs its
    history counts, and the book's settings for what the record leaves to its factory's defaults."""
    params = run["params"]
    book = {**CHAPTER_SGD, **MUELLER}  # a description takes only the settings it names
    history = run.get("history")
    outputs = len(run.get("classes") or range(10))
    layers = (MNIST_PIXELS, *params.get("hidden_sizes", ()), outputs)
    return {**book, **params, "layers": f"[{', '.join(map(str, layers))}]",
            "epochs": len(history) if history else params.get("epochs", book["epochs"])}


def description(run):
    """A run's description: the book's words filled with its settings for a built-in, the factory for a
    plug-in."""
    if run["name"] not in BOOK:
        return f"plug-in {run['factory']}"
    return BOOK[run["name"]].description.format(**settings(run))
