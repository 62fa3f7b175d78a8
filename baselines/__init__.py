"""The chapter's non-network baselines: random guessing, average darkness, and the SVC."""

from baselines.darkness import AverageDarknessClassifier
from baselines.random_guess import random_guess_classifier
from baselines.svm import PRESETS, SVCClassifier

__all__ = ["AverageDarknessClassifier", "PRESETS", "SVCClassifier", "random_guess_classifier"]
