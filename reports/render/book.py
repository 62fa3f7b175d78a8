"""What the reports say about each built-in experiment: a description, and the figure the book printed.

Every count is of the 10,000 test images. `correct` is what the book printed and `measure` what it
measures: the final count of a classifier ("final"), a network's best epoch ("best epoch") or last
epoch ("last epoch"), or a bound ("at least"; "above 98.5 percent" of 10,000 is 9,851 or more).
`assumed` says why, where the book does not say which count it printed. `epochs` holds the lines of
the book's "Epoch j: n / 10000" listings. `text` quotes the chapter, "Using neural nets to recognize
handwritten digits" (neuralnetworksanddeeplearning.com/chap1.html); every figure was checked
against it. Nothing here is part of a run's identity: editing it re-renders, never recomputes.

A description is a template filled from the run it describes (`settings`): every setting its
estimator ran with, its `get_params()` defaults included, as its record holds them
(`estimator_params`); where one of them is None, the value its fit used, as its `diagnostics` recorded
it (the SVC's C and gamma, which its preset gives); and the layers its classes make. It never asks
today's code or the book for a setting, so an archived run is described as it was computed, and
rendering imports no classifier. A run file that does not record a setting its description names, or
records one the description cannot write, is refused in one line naming the file and the setting.
"""

import string
from dataclasses import dataclass, field

from reports.render.errors import RecordError
from reports.render.stats import BEST_OF

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


def by_the_rule(name, stochastic):
    """Whether the sequential rule (reports/sequential.py) chooses the seeds of experiment `name` and
    judges its figure: seeded, with a figure of the book's that a run can reach (not an expectation).
    make chapter's rounds (reports/rounds.py) and the chapter's words (chapter.py) both ask here."""
    book = BOOK.get(name)
    return stochastic and book is not None and book.correct is not None and book.procedure != "expectation"


def measured(run, kind):
    """A run's figure as the book measured it: its best epoch, or its final (= last epoch) count."""
    if kind == "best epoch" and run.get("history"):
        return max(run["history"])
    return run["correct"]


def settings(run):
    """The settings a description may name, from what `run` holds: every setting its estimator ran with
    (`estimator_params`), for one that is None the value its fit used where its `diagnostics` recorded
    it, and the layers its classes make. A setting the run does not record (None included) is left out."""
    used = run.get("diagnostics") or {}
    found = {key: used.get(key) if value is None else value
             for key, value in (run.get("estimator_params") or {}).items()}
    found = {key: value for key, value in found.items() if value is not None}
    hidden = found.get("hidden_sizes")
    if isinstance(hidden, int) or (isinstance(hidden, list) and all(isinstance(size, int) for size in hidden)):
        layers = (MNIST_PIXELS, *([hidden] if isinstance(hidden, int) else hidden), len(run["classes"]))
        found["layers"] = f"[{', '.join(map(str, layers))}]"
    return found


# A setting a description names that the run derives from another it records: the layers, from hidden_sizes.
DERIVED_FROM = {"layers": "hidden_sizes"}


def description(run):
    """A run's description: the book's words filled with its settings for a built-in (a RecordError, in
    one line, where its file does not record one of them or records one the words cannot write), the
    factory for a plug-in."""
    if run["name"] not in BOOK:
        return f"plug-in {run['factory']}"
    found, words = settings(run), []
    for text, key, spec, _ in string.Formatter().parse(BOOK[run["name"]].description):
        words.append(text)
        if key is None:
            continue
        stored = DERIVED_FROM.get(key, key)
        if key not in found and stored in found:  # recorded, but as nothing it derives from
            raise _unfit(run, f"its {stored} is {found[stored]!r}, which its description cannot write as {key}")
        if key not in found:
            raise _unfit(run, f"it does not say which {stored} it ran with, which its description names")
        try:
            words.append(format(found[key], spec))
        except (TypeError, ValueError) as error:  # a setting of another kind than the words print (a hand edit)
            raise _unfit(run, f"its {stored} is {found[key]!r}, which its description cannot write ({error})") from None
    return "".join(words)


def _unfit(run, problem):
    """The one-line refusal of a built-in's run file that cannot fill its description: the file, the
    setting, and the fix."""
    from reports.runner.store import stored_as  # only where a file is refused: the book's words need no runner

    return RecordError(f"{stored_as(run)}: {problem}; delete the file and run the same command again")
