"""Verdicts on the book's figures, in words derived from numbers.

A deterministic classifier either reproduces the book's count or differs from it by some number of
images. For a figure that depends on the seed, the words come from `placement` (reports/render/stats.py):

- "above every run we made": no seed reaches the figure. Then only an upper bound is honest: with
  n seeds, a run reaches it with chance below 1 - 0.05^(1/n) (95%), the best of three below
  1 - 0.05^(3/n); about 26% and 59% for ten seeds.
- "below every run we made": every seed scores more; a run scores this low with chance below
  1 - 0.05^(1/n).
- "lucky: about 1 in N": the best of three reaches the figure with estimated chance p3 below 1/5;
  N = 1/p3, rounded.
- "low: about 1 in N": one run scores this low or lower with estimated chance below 1/5. One run,
  not the best of three: a selection of the best could only make a low figure rarer, and a verdict
  should read the book as favourably as the data allow.
- "typical" otherwise.
"""

from reports.render.stats import CONFIDENCE, exact_interval, placement

RARE = 1 / 5  # rarer than this is "lucky" (a high figure) or "low" (a low figure)


def deterministic_verdict(ours, book, kind):
    """A deterministic classifier's count against the book's figure."""
    if kind == "at least":
        return "reached" if ours >= book else f"not reached: {book - ours:,} short"
    if ours == book:
        return "reproduced exactly"
    return f"differs by {abs(ours - book):,} (ours {'higher' if ours > book else 'lower'})"


def seed_verdict(values, book, kind):
    """The words for a figure among the values of several seeds, by the book's own measure."""
    place = placement(values, book)
    if place.reaching == 0:
        return (f"above every run we made (best of 3: below {percent(place.p3_interval[1])} at "
                f"{CONFIDENCE:.0%})")
    if place.p3 < RARE:
        return f"lucky: about 1 in {round(1 / place.p3)}"
    at_or_below = place.below + place.equal
    if kind != "at least" and at_or_below == 0:
        bound = exact_interval(0, place.n)[1]
        return f"below every run we made (one run: below {percent(bound)} at {CONFIDENCE:.0%})"
    if kind != "at least" and at_or_below / place.n < RARE:
        return f"low: about 1 in {round(place.n / at_or_below)}"
    return "typical"


def percent(p):
    """A probability as a percentage: whole numbers, and one significant digit below 1%."""
    return f"{100 * p:.0f}%" if p >= 0.01 or p == 0 else f"{100 * p:.1g}%"
