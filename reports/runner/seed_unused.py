"""Estimators that take `random_state` but, for the given parameters, never use it: one run, no probe.

The probe (reports/runner/runner.py) fits a plug-in that takes `random_state` twice, seeds 0 and 1,
to learn whether it depends on its seed. For these, their library's documentation of `random_state`
already says it does not, for the parameters listed: the second fit would be paid for nothing. Each
entry is measured in tests/test_seed_unused.py: fitted with seeds 0 and 1 on scikit-learn's digits,
the two predict alike (and the same measure tells an estimator that does use its seed apart);
LightGBM's where it is installed (it is not a requirement of the project).

A scikit-learn estimator that takes no `random_state` at all needs no list: it is run once.
"""

import sys


def _probability_off(params):  # SVC, NuSVC: the seed only shuffles the data for probability estimates
    return not params.get("probability", False)


def _solver_not(*seeded):  # the seed only shuffles the data of these solvers
    return lambda params: params.get("solver", "lbfgs" if "liblinear" in seeded else "auto") not in seeded


def _primal(params):
    # LinearSVC: the seed shuffles the data of the dual coordinate descent only; dual="auto" (the
    # default) solves the primal where there are more images than pixels, as in every training set here.
    return params.get("dual", "auto") in (False, "auto")


def _lightgbm_unsampled(params):
    # LightGBM's seed only seeds its sampling: bagging, feature fractions, extra trees, the boosting
    # types that sample (goss, dart, rf), and the rows its histogram bins are built from, which are all
    # of them below bin_construct_sample_cnt (200,000; every training set here is smaller). Any of the
    # documented names of those settings, set to sample, and the seed counts.
    def given(names, default):
        return [params[name] for name in names if name in params] or [default]

    fractions = given(("subsample", "bagging_fraction", "bagging", "sub_row", "pos_bagging_fraction",
                       "neg_bagging_fraction", "colsample_bytree", "feature_fraction", "sub_feature",
                       "colsample_bynode", "feature_fraction_bynode"), 1.0)
    return (all(fraction == 1.0 for fraction in fractions)
            and not any(given(("extra_trees", "extra_tree"), False))
            and all(kind == "gbdt" for kind in given(("boosting_type", "boosting", "boost"), "gbdt")))


# "module:Class" as the class is exported -> whether `random_state` is unused with these parameters.
SEED_UNUSED = {
    "sklearn.svm:SVC": _probability_off,
    "sklearn.svm:NuSVC": _probability_off,
    "sklearn.svm:LinearSVC": _primal,
    "sklearn.linear_model:LogisticRegression": _solver_not("sag", "saga", "liblinear"),
    "sklearn.linear_model:RidgeClassifier": _solver_not("sag", "saga"),
    "lightgbm:LGBMClassifier": _lightgbm_unsampled,
}


def seed_unused(factory, params):
    """Whether `factory` is one of SEED_UNUSED and its `random_state` is unused with `params`."""
    for path, unused in SEED_UNUSED.items():
        module, _, name = path.partition(":")
        if module in sys.modules and getattr(sys.modules[module], name, None) is factory:
            return unused(params)
    return False
