"""SVC fit and predict times on the real data, for every backend installed, with the correct counts."""

import time

import numpy as np

from baselines.svm import SVCClassifier, svc_class


def available_backends():
    backends = ["sklearn"]
    try:
        svc_class("sklearnex")
        backends.append("sklearnex")
    except ImportError:
        pass
    return backends


def measure(mnist, presets=("book", "modern"), backends=None):
    """Fit and predict every preset on every backend; each row says on how many test images its
    predictions differ from the first backend's (stock scikit-learn) for the same preset."""
    rows, reference = [], {}
    for backend in backends or available_backends():
        for preset in presets:
            clf = SVCClassifier(preset=preset, backend=backend)
            start = time.perf_counter()
            clf.fit(mnist.train.images, mnist.train.labels)
            fit_seconds = time.perf_counter() - start
            start = time.perf_counter()
            predictions = clf.predict(mnist.test.images)
            predict_seconds = time.perf_counter() - start
            reference.setdefault(preset, predictions)
            rows.append({"backend": backend, "preset": preset, "fit_seconds": fit_seconds,
                         "predict_seconds": predict_seconds,
                         "correct": int(np.sum(predictions == mnist.test.labels)),
                         "n_support": int(np.sum(clf.svc_.n_support_)),
                         "predictions_differ": int(np.sum(predictions != reference[preset]))})
            print(f"  svc {preset} on {backend}: {rows[-1]['correct']:,} correct, fit {fit_seconds:.0f} s, "
                  f"predict {predict_seconds:.0f} s", flush=True)
    return rows
