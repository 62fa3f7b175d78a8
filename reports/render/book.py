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
(`estimator_params`); where one of them is None, the value its fit used, and what it was given, as its
`diagnostics` recorded them (the SVC's C and gamma, which its preset gives: gamma 0.00128, given as
"auto"); and the layers its classes make. It never asks today's code or the book for a setting, so an
archived run is described as it was computed, and rendering imports no classifier. A run file that
does not record a setting its description names, or records one the description cannot write, is
refused in one line naming the file it was read from, the setting and the fix.
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
    "svc-book": Book("SVC with the defaults of the book's day (gamma = {gamma_given!r} = {gamma:.3g})", 9435,
                     text='"9,435 of 10,000 test images correct" with scikit-learn\'s default settings'),
    "svc-modern": Book("SVC with today's defaults (gamma = {gamma_given!r} = {gamma:.3g}); not in the book"),
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


def _layers(hidden_sizes, run):
    """A network's layers, "[784, 30, 10]", from the hidden_sizes it ran with (one size or a list) and
    its classes; None where hidden_sizes are no layer sizes."""
    if isinstance(hidden_sizes, int):
        hidden_sizes = [hidden_sizes]
    if not (isinstance(hidden_sizes, list) and all(isinstance(size, int) for size in hidden_sizes)):
        return None
    return f"[{', '.join(map(str, (MNIST_PIXELS, *hidden_sizes, len(run['classes']))))}]"


# A setting a description names that the run derives from one it records: the layers, from hidden_sizes.
DERIVED = {"layers": ("hidden_sizes", _layers)}


def settings(run):
    """The settings a description may name, from what `run` holds: every setting its estimator ran with
    (`estimator_params`); for one that is None (the estimator's own choice: the SVC's preset), the value
    its fit used where its `diagnostics` recorded it, and as KEY_given what it was given, where they
    recorded that too (the SVC's gamma: 0.0012755..., given as "auto"); and what DERIVED derives. A
    setting the run does not record (None included) is left out."""
    used = run.get("diagnostics") or {}
    found = {}
    for key, value in (run.get("estimator_params") or {}).items():
        if value is None:
            value = used.get(key)
            if used.get(f"{key}_given") is not None:
                found[f"{key}_given"] = used[f"{key}_given"]
        if value is not None:
            found[key] = value
    for key, (source, derive) in DERIVED.items():
        if source in found and (value := derive(found[source], run)) is not None:
            found[key] = value
    return found


def description(run, read_from=None):
    """A run's description: the book's words filled with its settings for a built-in (a RecordError, in
    one line, where its file does not record one of them or records one the words cannot write; it names
    `read_from`, the path the run was read from, else the file the runner would store it as), the
    factory for a plug-in."""
    if run["name"] not in BOOK:
        return f"plug-in {run['factory']}"
    found, words, formatter = settings(run), [], string.Formatter()
    for text, key, spec, conversion in formatter.parse(BOOK[run["name"]].description):
        words.append(text)
        if key is None:
            continue
        stored = DERIVED[key][0] if key in DERIVED else key
        if key not in found and stored in found:  # recorded, but as nothing it derives from
            raise _unfit(run, read_from, f"its {stored} is {found[stored]!r}, which its description cannot write "
                                         f"as {key}")
        if key not in found:  # a run of older code, which did not record it (or a hand edit)
            raise _unfit(run, read_from, f"it does not say which {stored} it ran with, which its description "
                                         "names", older_code=True)
        try:
            words.append(format(formatter.convert_field(found[key], conversion), spec))
        except (TypeError, ValueError) as error:  # a setting of another kind than the words print (a hand edit)
            raise _unfit(run, read_from, f"its {stored} is {found[key]!r}, which its description cannot write "
                                         f"({error})") from None
    return "".join(words)


# How a deleted built-in's run is computed again: the experiment list, which says which command includes
# it, is the runner's (docs/architecture.md: the renderer does not import it).
RECOMPUTE = "`make report` or `make chapter`, whichever includes it"


def _unfit(run, read_from, problem, older_code=False):
    """The one-line refusal of a built-in's run file that cannot fill its description: the file, the
    setting, and the fix. A file that holds together but does not record a setting (`older_code`: one
    computed by older code) is a valid, perhaps costly result, which the code that computed it still
    renders: deleting it, to compute it again, is the last resort."""
    from reports.runner.store import stored_as  # only where a file is refused: the book's words need no runner

    fix = f"delete it and compute it again ({RECOMPUTE})"
    provenance = run.get("provenance")
    commit = provenance.get("commit") if isinstance(provenance, dict) else None
    if older_code and isinstance(commit, str):
        fix = f"render it with the code that computed it (commit {commit}), or {fix}"
    return RecordError(f"{read_from or stored_as(run)}: {problem}; {fix}")

