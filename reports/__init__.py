"""Evaluate classifiers on the test set, keep the results as JSON, render the markdown report."""
