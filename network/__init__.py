"""The sigmoid network of chapter 1 (`Network`) and its scikit-learn estimator (`NetworkClassifier`)."""

from network.classifier import NetworkClassifier
from network.network import Network, sigmoid, sigmoid_prime

__all__ = ["Network", "NetworkClassifier", "sigmoid", "sigmoid_prime"]
