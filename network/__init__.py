"""The sigmoid network of chapter 1: `network.network.Network` (the book's equations in NumPy), its C
epoch (`network.compiled_epoch`), and its scikit-learn estimator (`network.classifier.NetworkClassifier`).

Imports nothing, so that a run's identity holds only the modules its classifier really uses: import
from the modules themselves."""
