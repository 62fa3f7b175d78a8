"""Which differences between classifiers are real: every pair compared over all the seeds of both
(reports/render/stats.py, `paired_bootstrap`), and verdicts corrected for multiplicity with Holm's method
within the family of questions the report asks, never across families.

The families:
- the built-in classifiers among themselves: the chapter's baselines, the same question in every report;
- each plug-in against each built-in: how the reader's classifiers stand against the baselines;
- the plug-ins among themselves: which of the reader's candidates is best.
A family's verdicts depend only on the runs of its own classifiers, so adding a plug-in never changes
a verdict between built-ins.
"""

import itertools
from dataclasses import dataclass

import numpy as np

from reports.render.book import BOOK
from reports.render.stats import BOOTSTRAP_REPLICATES, BOOTSTRAP_SEED, Comparison, holm_with_bounds, paired_bootstrap

SIGNIFICANCE = 0.05  # the chance of any false "better" allowed within each family (not over a whole report)
FAMILIES = ("built-ins", "plug-ins against built-ins", "plug-ins among themselves")
TITLES = {"built-ins": "The built-in classifiers among themselves",
          "plug-ins against built-ins": "Each plug-in against each built-in",
          "plug-ins among themselves": "The plug-ins among themselves"}


@dataclass(frozen=True)
class Pair:
    """A's comparison with B, the family it belongs to, and its Holm-adjusted p within that family
    (`holm_is_bound`: only an upper bound, as it comes from a p at the bootstrap's floor)."""

    a: str
    b: str
    family: str
    comparison: Comparison
    p_holm: float
    holm_is_bound: bool = False

    @property
    def significant(self):
        return self.p_holm < SIGNIFICANCE

    @property
    def verdict(self):
        if not self.significant:
            return "no significant difference"
        return f"{self.a if self.comparison.difference > 0 else self.b} is better"


def right(record):
    """One row per run: True where the run is right, one column per test image."""
    return np.array([np.asarray(run["predictions"]) == np.asarray(run["test_labels"]) for run in record["runs"]])


def between(a, b):
    """A compared with B, the same numbers whichever of the two a report lists first: the bootstrap's
    draws are made in the order of the names, and the result turned round if need be."""
    if a["name"] <= b["name"]:
        return paired_bootstrap(right(a), right(b))
    turned = paired_bootstrap(right(b), right(a))
    return Comparison(-turned.difference, (-turned.interval[1], -turned.interval[0]), turned.p_value,
                      turned.runs_b, turned.runs_a)


def family_pairs(records):
    """{family: [(A, B), ...]}: every pair of records, in report order, a plug-in first against a built-in."""
    builtins = [r for r in records if r["name"] in BOOK]
    plugins = [r for r in records if r["name"] not in BOOK]
    return {"built-ins": list(itertools.combinations(builtins, 2)),
            "plug-ins against built-ins": [(p, b) for p in plugins for b in builtins],
            "plug-ins among themselves": list(itertools.combinations(plugins, 2))}


def compare(records):
    """Every pair of `records`, family by family, each with its Holm-adjusted p within its family."""
    pairs = []
    for family, members in family_pairs(records).items():
        comparisons = [between(a, b) for a, b in members]
        adjusted = holm_with_bounds([c.p_value for c in comparisons], [c.p_value <= FLOOR for c in comparisons])
        pairs += [Pair(a["name"], b["name"], family, c, p, bound)
                  for (a, b), c, (p, bound) in zip(members, comparisons, adjusted)]
    return pairs


def _points(share):
    return f"{100 * share:+.2f}"


FLOOR = 2 / (1 + BOOTSTRAP_REPLICATES)  # the bootstrap's p when no replicate falls on the far side of zero


def _p(p, bound=False):
    """A p-value as the table prints it: "≤ x" where x is only an upper bound (the floor, or Holm's
    adjustment of it)."""
    return f"≤ {p:.2g}" if bound else f"{p:.2g}"


HEADERS = ["A", "B", "runs of A, B", "A - B (accuracy points)",
           "95% interval (two-sided, per comparison, not adjusted)", "p (two-sided)",
           "p, Holm (within the family)", f"verdict (p, Holm < {SIGNIFICANCE})"]


def rows(pairs):
    return [[p.a, p.b, f"{p.comparison.runs_a}, {p.comparison.runs_b}", _points(p.comparison.difference),
             f"{_points(p.comparison.interval[0])} to {_points(p.comparison.interval[1])}",
             _p(p.comparison.p_value, p.comparison.p_value <= FLOOR), _p(p.p_holm, p.holm_is_bound),
             p.verdict] for p in pairs]


def explanation():
    """The paragraph the report prints once, above the tables."""
    return (
        "Each pair of classifiers is compared over all their runs on the same test images. *A - B* is the mean "
        "accuracy of A over its seeds minus that of B over its seeds, in percentage points. Its two-sided 95% interval "
        "comes from a paired two-level bootstrap that carries both sources of uncertainty: each of "
        f"{BOOTSTRAP_REPLICATES:,} replicates draws the test images with replacement (the same images for A and "
        "B, so that an image hard for both cancels out) and, independently, each classifier's seeds with "
        "replacement, and recomputes the difference. A deterministic classifier has one run, and then only "
        f"the test images vary. The draws come from a generator with the fixed seed {BOOTSTRAP_SEED}, so the "
        "same runs always give the same numbers. *p* is the two-sided p: twice the share of replicates on the far "
        f"side of zero (never below 2/{BOOTSTRAP_REPLICATES + 1:,}, shown as ≤ {FLOOR:.2g}: the most "
        f"{BOOTSTRAP_REPLICATES:,} replicates can tell). Comparing many pairs gives many chances of a false alarm, so "
        "*p, Holm* corrects it with Holm's step-down method, which keeps the chance of any false "
        f"\"better\" within each family at most about {SIGNIFICANCE} (about, as its p are the bootstrap's; not over "
        "the whole report: over F families, the "
        "chance of a false \"better\" somewhere can reach F times that) and calls every difference "
        "Bonferroni's method would, often more. A Holm p computed from a p at the floor is itself only a bound, "
        "and printed with ≤. The "
        "correction is made within each family of questions the report asks, never across them: the built-in "
        "classifiers among themselves; each plug-in against each built-in; the plug-ins among themselves. "
        "So adding a plug-in never changes a verdict between built-ins. With few seeds the seed part of the "
        "interval is rough: a bootstrap of m seeds shrinks their variance by (m - 1)/m, while drawing seeds "
        "and images independently counts their interaction (how one run fares on one image beyond what its seed and "
        "the image explain) up to three times and errs wide."
    )
