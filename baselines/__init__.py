"""The chapter's non-network baselines: random guessing, average darkness, and the SVC.

Imports nothing, so that a run's identity holds only the modules its classifier really uses:
import from the modules themselves (baselines.svm, network.classifier, ...)."""
