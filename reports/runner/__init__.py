"""What runs: the experiments, plug-ins, run identities, the runner and where it computes (this machine or Dask)."""
