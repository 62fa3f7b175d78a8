"""What runs: the experiments, plug-ins, run identities, the runner, the make plan and the Dask sweep."""
