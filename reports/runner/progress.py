"""The runner's progress, as a person reads it: runs done of runs wanted, time elapsed, time left.

On a terminal it is one line that updates in place; elsewhere (a log, CI) a plain line per finished
run. The estimate of the rest scales the experiments' listed costs (Experiment.seconds) by how fast
the runs so far went, so it is right in order of magnitude from the first run on.
"""

import sys
import time


def _clock(seconds):
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes}:{seconds:02d}"


class Progress:
    """Say how a set of runs is going. `costs`: the listed seconds of each wanted run; `jobs`: how
    many run at once."""

    def __init__(self, costs, jobs, stream=None, quiet=False):
        self.costs, self.jobs = list(costs), max(1, jobs)
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live = not quiet and self.stream.isatty()
        self.start = time.monotonic()
        self.done, self.done_cost, self.shown = 0, 0.0, False

    def rest(self):
        """Seconds left, estimated from the listed costs of the runs not done, at the pace so far."""
        left = sum(self.costs) - self.done_cost
        elapsed = time.monotonic() - self.start
        pace = elapsed / self.done_cost if self.done_cost and elapsed > 1 else 1 / self.jobs
        return left * pace

    def line(self, what=""):
        total = len(self.costs)
        elapsed = time.monotonic() - self.start
        rest = f", about {_clock(self.rest())} left" if self.done < total else ""
        return f"{self.done} of {total} runs done ({_clock(elapsed)} elapsed{rest}){': ' + what if what else ''}"

    def finished(self, cost, what):
        """One run is done; `what` says which and how it scored."""
        self.done += 1
        self.done_cost += cost
        self.say(self.line(what))

    def say(self, text):
        """A line of progress, in place on a terminal."""
        if self.quiet:
            return
        if self.live:
            self.stream.write("\r\033[K" + text)
            self.shown = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def print(self, text):
        """A line that stays (a warning, an error), printed above the progress line."""
        if self.live and self.shown:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        if self.live and self.shown:
            self.stream.write(self.line())
        self.stream.flush()

    def close(self):
        if self.live and self.shown:
            self.stream.write("\n")
            self.stream.flush()
