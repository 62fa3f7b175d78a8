"""The sigmoid network of chapter 1 (`Network`), its scikit-learn estimator (`NetworkClassifier`), and
its epoch compiled from portable C (`compiled_epoch`)."""

from network.classifier import NetworkClassifier
from network.network import Network, sigmoid, sigmoid_prime

__all__ = ["Network", "NetworkClassifier", "sigmoid", "sigmoid_prime"]
