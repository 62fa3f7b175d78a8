"""The runner's progress, as a person reads it: runs done of runs wanted, time elapsed, time left, and
which runs are working when one takes long.

On a terminal it is one line that updates in place; elsewhere (a log, CI) a plain line per finished
run. The estimate of the rest starts from each run's expected cost (what the same classifier took
the last time it ran here, else its listed cost, Experiment.seconds) and scales it by how fast the
runs so far went, so it is right in order of magnitude from the start and better with every run.

A heartbeat: once a run has been working for HEARTBEAT_SECONDS, a line says which runs are in flight
and for how long, and again every HEARTBEAT_SECONDS while they are, so a long fit is never silence.
The runs in flight are the first `jobs` unfinished runs in the order they were handed out, which is
the order a pool of `jobs` workers takes them in.
"""

import sys
import threading
import time

HEARTBEAT_SECONDS = 30  # how long a run works before the heartbeat says so, and how often it says it again


def _clock(seconds):
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes}:{seconds:02d}"


class Progress:
    """Say how a set of runs is going. `runs`: (name, expected seconds) of each wanted run, in the order
    they are handed out; `jobs`: how many run at once."""

    def __init__(self, runs, jobs, stream=None, quiet=False, heartbeat=HEARTBEAT_SECONDS):
        self.costs, self.jobs = dict(runs), max(1, jobs)
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live = not quiet and self.stream.isatty()
        self.start = time.monotonic()
        self.done, self.done_cost, self.shown = 0, 0.0, False
        self.waiting, self.started = list(self.costs), {}
        self.writing = threading.Lock()  # the heartbeat's thread and the runner's write one stream
        self._start_next()
        self.stopped, self.last_beat = threading.Event(), 0.0
        self.beat = None
        if self.costs and not quiet:
            self.beat = threading.Thread(target=self._heartbeat, args=(heartbeat,), daemon=True)
            self.beat.start()

    def _start_next(self):
        """The runs that a free worker takes now, in the order they were handed out."""
        while self.waiting and len(self.started) < self.jobs:
            self.started[self.waiting.pop(0)] = time.monotonic()

    def in_flight(self):
        """[(label, seconds it has been working)], longest first."""
        now = time.monotonic()
        return sorted(((label, now - since) for label, since in self.started.items()), key=lambda item: -item[1])

    def _heartbeat(self, every):
        while not self.stopped.wait(min(every, 1.0)):
            working = [(label, seconds) for label, seconds in self.in_flight() if seconds >= every]
            if working and time.monotonic() - self.last_beat >= every:
                self.last_beat = time.monotonic()
                self.print("still working: " + ", ".join(f"{label} ({_clock(s)})" for label, s in self.in_flight())
                           + f"; {self.line()}")

    def rest(self):
        """Seconds left, estimated from the expected costs of the runs not done, at the pace so far."""
        left = sum(self.costs.values()) - self.done_cost
        elapsed = time.monotonic() - self.start
        pace = elapsed / self.done_cost if self.done_cost and elapsed > 1 else 1 / self.jobs
        return left * pace

    def line(self, what=""):
        total = len(self.costs)
        elapsed = time.monotonic() - self.start
        rest = f", about {_clock(self.rest())} left" if self.done < total else ""
        return f"{self.done} of {total} runs done ({_clock(elapsed)} elapsed{rest}){': ' + what if what else ''}"

    def finished(self, label, what):
        """The run `label` is done; `what` says how it scored."""
        self.done += 1
        self.done_cost += self.costs.get(label, 0.0)
        self.started.pop(label, None)
        if label in self.waiting:  # finished without being seen to start (a cluster runs out of order)
            self.waiting.remove(label)
        self._start_next()
        self.say(self.line(what))

    def say(self, text):
        """A line of progress, in place on a terminal."""
        if self.quiet:
            return
        with self.writing:
            if self.live:
                self.stream.write("\r\033[K" + text)
                self.shown = True
            else:
                self.stream.write(text + "\n")
            self.stream.flush()

    def print(self, text):
        """A line that stays (a warning, an error), printed above the progress line."""
        with self.writing:
            if self.live and self.shown:
                self.stream.write("\r\033[K")
            self.stream.write(text + "\n")
            if self.live and self.shown:
                self.stream.write(self.line())
            self.stream.flush()

    def close(self):
        self.stopped.set()
        if self.beat is not None:
            self.beat.join()
        if self.live and self.shown:
            self.stream.write("\n")
            self.stream.flush()
