"""Support vector classifiers in named presets: the SVC the book ran, today's default, and a tuned one.

The chapter ran scikit-learn's `SVC()` with the defaults of its day, when `gamma` defaulted to
1 / n_features: that is `gamma="auto"` today, and it gets 9,435 of the 10,000 test images, the
book's figure. scikit-learn 0.22 changed the default to `gamma="scale"`, 1 / (n_features * X.var()),
which on MNIST's pixels is a larger gamma and a better model (9,785).

The "tuned" preset is the setting the chapter points to for "above 98.5 percent": Andreas Mueller's
blog post (https://peekaboo-vision.blogspot.com/2010/09/mnist-for-ever.html) scaled the raw pixels
p in 0..255 to p / 255 * 2 - 1, in [-1, 1], and ran C = 2.8, gamma = 0.0073 on them. The book's
pixels are X = p / 256, so the preset maps X * 256 / 255 * 2 - 1 (its "pixels" entry: scale 512/255,
offset -1) before fitting and predicting, and uses his C and gamma unchanged. (Rescaling gamma
instead is not the same model unless done exactly: the factor is (512/255)**2, not 4.)

Two backends compute the same libsvm model: stock scikit-learn, and Intel's scikit-learn-intelex
(several times faster, x86-64 only). "auto" takes the accelerated one when it is installed.
"""

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

# "pixels": (scale, offset): the SVC sees X * scale + offset, the pixels its C and gamma were tuned on.
PRESETS = {
    "book": {"C": 1.0, "gamma": "auto"},
    "modern": {"C": 1.0, "gamma": "scale"},
    "tuned": {"C": 2.8, "gamma": 0.0073, "pixels": (256 / 255 * 2, -1.0)},
}
BACKENDS = ("auto", "sklearn", "sklearnex")


def svc_class(backend="auto"):
    """Return (the SVC class of `backend`, the backend's name as used)."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend in ("auto", "sklearnex"):
        try:
            from sklearnex.svm import SVC
        except ImportError:
            if backend == "sklearnex":
                raise ImportError("backend='sklearnex' needs scikit-learn-intelex: pip install scikit-learn-intelex") from None
        else:
            return SVC, "sklearnex"
    from sklearn.svm import SVC
    return SVC, "sklearn"


def _check_probability(estimator):
    """For available_if: predict_proba exists only with probability=True, as in scikit-learn's SVC."""
    if not estimator.probability:
        raise AttributeError("predict_proba is not available when probability=False")
    return True


class SVCClassifier(ClassifierMixin, BaseEstimator):
    """An RBF-kernel SVC with the parameters of a named preset, on the chosen backend.

    Parameters
    ----------
    preset : {"book", "modern", "tuned"}, default="book"
        Supplies C, gamma and the pixel scale (see PRESETS and the module's docstring).
    C : float or None, default=None
        None takes the preset's C; a number overrides it (so `GridSearchCV` can search it).
    gamma : {"scale", "auto"} or float or None, default=None
        None takes the preset's gamma; anything else overrides it. It applies to the pixels the SVC
        sees, which for the "tuned" preset are the rescaled ones.
    probability : bool, default=False
        Fit Platt's sigmoid on 5-fold cross-validated decision values, so that `predict_proba`
        exists: about 6 times the cost of a fit. This is the calibration scikit-learn 1.9 recommends
        in place of SVC's deprecated `probability=True`. `predict` still answers as the SVC does,
        which may differ from argmax(predict_proba) on borderline images.
    backend : {"auto", "sklearn", "sklearnex"}, default="auto"
    cache_size : float, default=200
        Kernel cache in MB, scikit-learn's default. A larger cache does not help here: fitting the book
        preset on 15,000 images took 32 s, 31 s and 37 s with 200, 1000 and 2000 MB (a second 200 MB
        run: 46 s; the machine's noise is larger than any difference).
    n_jobs : int or None, default=None
        Threads for predicting in chunks with the stock backend (libsvm releases the GIL); None
        means all cores. The accelerated backend parallelises by itself. Results are identical to
        one call, since every row is predicted independently.

    Attributes
    ----------
    svc_ : the fitted SVC (its C and gamma are the values used);  backend_ : the backend used;
    classes_ : the labels;  pixels_ : the preset's (scale, offset), or None;
    calibrated_ : the fitted CalibratedClassifierCV behind predict_proba (probability=True only).
    """

    def __init__(self, preset="book", *, C=None, gamma=None, probability=False, backend="auto", cache_size=200,
                 n_jobs=None):
        self.preset = preset
        self.C = C
        self.gamma = gamma
        self.probability = probability
        self.backend = backend
        self.cache_size = cache_size
        self.n_jobs = n_jobs

    def fit(self, X, y):
        if self.preset not in PRESETS:
            raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {self.preset!r}")
        preset = PRESETS[self.preset]
        X, y = validate_data(self, X, y)
        SVC, self.backend_ = svc_class(self.backend)
        self.pixels_ = preset.get("pixels")
        svc = SVC(kernel="rbf", cache_size=self.cache_size,
                  C=preset["C"] if self.C is None else self.C,
                  gamma=preset["gamma"] if self.gamma is None else self.gamma)
        X = self._backend_input(X)
        if self.probability:
            # ensemble=False: the sigmoid is fitted on cross-validated decision values, and the one
            # SVC kept is refitted on all of X, the same SVC as without probability.
            self.calibrated_ = CalibratedClassifierCV(svc, ensemble=False).fit(X, y)
            self.svc_ = self.calibrated_.calibrated_classifiers_[0].estimator
        else:
            self.svc_ = svc.fit(X, y)
        self.classes_ = self.svc_.classes_
        return self

    def predict(self, X):
        check_is_fitted(self)
        return self._in_chunks(self.svc_.predict, X)

    def decision_function(self, X):
        """The SVC's decision_function: (n_samples, n_classes) one-vs-rest scores, (n_samples,) for two classes."""
        check_is_fitted(self)
        return self._in_chunks(self.svc_.decision_function, X)

    def diagnose(self, X):
        """The C and gamma the fitted SVC used (a preset's own where `C` or `gamma` is None), gamma as the
        number its kernel used, and `gamma_given`: the gamma the SVC was given, a number or the rule
        that gave it ("auto": 1/n_features; "scale": 1/(n_features * X.var())). The runner keeps them
        in the run's record, which the reports describe the run from. `X`, the test images the runner
        gives every diagnose, is not needed."""
        check_is_fitted(self)
        return {"C": self.svc_.C, "gamma": float(self.svc_._gamma), "gamma_given": self.svc_.gamma}

    @available_if(_check_probability)
    def predict_proba(self, X):
        """Platt-scaled class probabilities, (n_samples, n_classes); needs probability=True."""
        check_is_fitted(self)
        return self._in_chunks(self.calibrated_.predict_proba, X)

    def _backend_input(self, X):
        """X as the backend SVC gets it: on the preset's pixel scale, C-contiguous and aligned."""
        if self.pixels_ is not None:
            scale, offset = self.pixels_
            # In float64, the precision libsvm computes in, whatever the dtype of the book's pixels.
            X = np.asarray(X, dtype=np.float64) * scale + offset
        # oneDAL (the accelerated backend) refuses unaligned arrays; np.require copies only if needed.
        return np.require(X, requirements=["C", "A"])

    def _in_chunks(self, method, X):
        """method(X) for a fitted SVC method, on every core in row chunks with the stock backend."""
        X = self._backend_input(validate_data(self, X, reset=False))
        # joblib reads n_jobs=None as 1; here None means every core, as documented above.
        n_jobs = 1 if self.backend_ == "sklearnex" else effective_n_jobs(-1 if self.n_jobs is None else self.n_jobs)
        if n_jobs == 1 or len(X) < 2 * n_jobs:
            return method(X)
        chunks = np.array_split(X, n_jobs)
        parts = Parallel(n_jobs=n_jobs, backend="threading")(delayed(method)(chunk) for chunk in chunks)
        return np.concatenate(parts)
