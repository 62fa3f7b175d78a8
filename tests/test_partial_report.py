"""A report with runs missing says so at its top and lists every missing run as not computed, never as
a classifier's failure: runs a cluster lost, and runs no answer ever came back for."""

import concurrent.futures

from reports.publish import publish
from reports.runner.request import make_request
from tests.test_runner import InProcess


class LosesRuns(InProcess):
    """A cluster that loses the runs of random's seeds from 1 on, and never answers for `silent` ones."""

    def __init__(self, dataset, silent=()):
        super().__init__(dataset)
        self.silent, self.futures = set(silent), {}

    def submit(self, function, *args):
        experiment, seed = args[0], args[1]
        if experiment.name == "random" and seed >= 1:
            future = concurrent.futures.Future()
            future.set_exception(OSError("Timed out trying to connect to tcp://127.0.0.1:8786"))
            self.futures[future] = seed
            return future
        return super().submit(function, *args)

    def as_completed(self, futures):
        return iter([f for f in futures if self.futures.get(f) not in self.silent])

    def lost(self, error):
        return isinstance(error, OSError)


def test_every_lost_run_is_listed_as_lost_and_the_report_says_it_is_partial(digits_mnist, tmp_path, capsys):
    request = make_request("report", only="random darkness", seeds="5", results=str(tmp_path))
    status = publish(request, LosesRuns(digits_mnist, silent={4})).status
    said = capsys.readouterr().err
    report = (tmp_path / "report.md").read_text()
    top, _, end = report.partition("## Runs not computed")
    assert status == 1
    assert "- **Partial report: 4 runs of this request were not computed**" in top.splitlines()[2]
    for seed in (1, 2, 3):
        assert f"- random seed {seed}: the cluster lost it (OSError: Timed out" in end
        assert f"random seed {seed}: the cluster lost it" in said
    assert "- random seed 4: not computed (no result came back for it)" in end
    assert "Classifiers that failed" not in report  # nothing failed: the runs were lost
