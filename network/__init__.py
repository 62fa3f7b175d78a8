"""The sigmoid network of chapter 1 (`Network`), its scikit-learn estimator (`NetworkClassifier`), and
the training of several seeds of one network in lockstep (`train_in_lockstep`, `fit_in_lockstep`)."""

from network.classifier import NetworkClassifier
from network.lockstep import LockstepNetworks, fit_in_lockstep, train_in_lockstep
from network.network import Network, sigmoid, sigmoid_prime

__all__ = ["LockstepNetworks", "Network", "NetworkClassifier", "fit_in_lockstep", "sigmoid", "sigmoid_prime",
           "train_in_lockstep"]
