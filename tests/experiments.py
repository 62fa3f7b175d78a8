"""Built-in experiments made smaller for the tests (fewer epochs, another hidden layer)."""

import dataclasses


def with_params(experiment, **params):
    """A copy of `experiment` with these parameters changed or added."""
    return dataclasses.replace(experiment, params=dict(experiment.params, **params))
