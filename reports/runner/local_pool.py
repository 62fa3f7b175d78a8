"""This machine's pool: `jobs` processes, each computing one task at a time, each watched on its own.

Why not concurrent.futures.ProcessPoolExecutor: when one of its processes dies (a plug-in that
segfaults or calls os._exit, a worker killed from outside), it breaks the whole pool, every task in
flight is lost with it, and nothing says which task killed it. Here each process has its own pipe, so
a death is the death of the one task it was computing (WorkerDied, with the signal or exit status);
the other tasks go on, and a new process takes the dead one's place.

No orphans: every process is started fresh (spawn, so it imports the code as it is now, without the
caller's main module), ignores
Ctrl-C (the runner handles it and keeps every finished run), and is killed by the kernel when the
runner dies (Linux's parent-death signal); elsewhere, an idle process exits when its pipe closes.
"""

import collections
import concurrent.futures
import ctypes
import multiprocessing.connection
import os
import signal
import sys
import threading

from reports.runner.spawn import WithoutMain

PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when the thread that started it ends
STOP_SECONDS = 5  # for a process to end after SIGTERM, before it is killed


class WorkerDied(Exception):
    """The process computing a task ended before it answered; `by_itself`: by a crash of the code it ran
    (a signal such as SIGSEGV or SIGABRT, or an exit), not killed from outside (SIGKILL, SIGTERM)."""

    def __init__(self, exitcode):
        self.exitcode = exitcode
        self.by_itself = exitcode not in (-signal.SIGKILL, -signal.SIGTERM)
        super().__init__(_how(exitcode))


def _how(exitcode):
    if exitcode is not None and exitcode < 0:
        try:
            return f"its process was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"its process was killed by signal {-exitcode}"
    return f"its process exited (status {exitcode})"


def _die_with(parent):
    """Ask the kernel to kill this process when its parent ends (Linux); harmless elsewhere."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


class _Terminated(BaseException):
    """SIGTERM reached a pool process: unwind (so that `finally` clauses remove temporaries), then die."""


def _terminated(signum, frame):
    raise _Terminated


def _serve(connection, parent):
    """A pool process: compute each task the pipe brings, send back (True, result) or (False, error)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminated)
    _die_with(parent)
    try:
        _answer_tasks(connection)
    except _Terminated:  # killed from outside, as it was asked: by SIGTERM, once its temporaries are gone
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)


def _answer_tasks(connection):
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):  # the runner is gone
            return
        if task is None:
            return
        function, args = task
        try:
            answer = (True, function(*args))
        except _Terminated:
            raise
        except BaseException as error:  # a task's own exception is its answer (SystemExit included)
            answer = (False, error)
        try:
            connection.send(answer)
        except Exception as error:  # an answer that cannot be pickled: said in words
            connection.send((False, RuntimeError(f"{type(error).__name__}: {error}")))


class _Process:
    """One pool process and its end of the pipe, and the task it is computing (a future), if any."""

    def __init__(self, context):
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, os.getpid()), daemon=True)
        self.process.start()
        theirs.close()
        self.future = None


class LocalPool:
    """Processes of this machine, `jobs` at once (see the module's docstring). A thread of this process
    starts the waiting tasks as processes come free and collects their answers into the futures."""

    name = "this machine"
    lost_words = "its worker process was killed from outside, each time it was tried"

    def __init__(self, jobs):
        self.jobs = jobs
        self.context = WithoutMain()  # spawn, without re-running the caller's main module (reports/runner/spawn.py)
        self.waiting = collections.deque()  # (future, function, args) not started yet
        self.processes = []
        self._lock = threading.Lock()
        self._wake, self._woken = multiprocessing.connection.Pipe()
        self._closing = False
        self._thread = None

    def dataset(self):
        return None  # each process loads its own (worker.local_dataset)

    def submit(self, function, *args):
        future = concurrent.futures.Future()
        with self._lock:
            self.waiting.append((future, function, args))
            if self._thread is None:
                self._thread = threading.Thread(target=self._manage, name="local pool", daemon=True)
                self._thread.start()
        self._wake.send(None)
        return future

    def as_completed(self, futures):
        return concurrent.futures.as_completed(futures)

    def lost(self, error):
        return isinstance(error, WorkerDied) and not error.by_itself

    def crashed(self, error):
        return isinstance(error, WorkerDied) and error.by_itself

    def _manage(self):
        """The pool's thread: start what waits, then wait for an answer, a death or a new task."""
        while True:
            with self._lock:
                if self._closing:
                    return
                self._start_waiting()
                busy = [p for p in self.processes if p.future is not None]
            ready = multiprocessing.connection.wait([self._woken] + [p.connection for p in busy]
                                                    + [p.process.sentinel for p in busy])
            if self._woken in ready:
                while self._woken.poll():
                    self._woken.recv()
            with self._lock:
                for process in busy:
                    self._collect(process)

    def _start_waiting(self):
        idle = [p for p in self.processes if p.future is None]
        while self.waiting and (idle or len(self.processes) < self.jobs):
            future, function, args = self.waiting.popleft()
            process = idle.pop() if idle else self._new_process()
            process.future = future  # before it is said to run: a running task always has its process
            if not future.set_running_or_notify_cancel():
                process.future = None
                idle.append(process)
                continue
            try:
                process.connection.send((function, args))
            except Exception as error:  # a task that cannot be pickled: its own error, said in one line
                process.future = None
                future.set_exception(RuntimeError(f"cannot send it to a worker process: {type(error).__name__}: "
                                                  f"{error}"))

    def _new_process(self):
        process = _Process(self.context)
        self.processes.append(process)
        return process

    def _collect(self, process):
        """The answer of `process` if it has one; its death, if it died."""
        if process.connection.poll():
            try:
                ok, value = process.connection.recv()
            except (EOFError, OSError):
                pass  # it died while answering: below
            else:
                future, process.future = process.future, None
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
                return
        if not process.process.is_alive():
            process.process.join()
            process.connection.close()
            self.processes.remove(process)
            process.future.set_exception(WorkerDied(process.process.exitcode))

    def close(self, interrupted=False):
        """Stop the processes: when idle, by closing their pipes; when interrupted, by SIGTERM (they
        unwind, removing their temporaries), then SIGKILL for any that does not end within
        STOP_SECONDS. Tasks not started are cancelled. The pool's thread ends last: the processes it
        started are killed by the kernel when it ends (PR_SET_PDEATHSIG)."""
        with self._lock:
            self._closing = True
            for future, _, _ in self.waiting:
                future.cancel()
            self.waiting.clear()
            processes = list(self.processes)
        for process in processes:
            if interrupted:
                process.process.terminate()
            else:
                try:
                    process.connection.send(None)
                except OSError:
                    pass
        for process in processes:
            process.process.join(STOP_SECONDS)
            if process.process.is_alive():
                process.process.kill()
                process.process.join()
        self._wake.send(None)
        if self._thread is not None:
            self._thread.join()
        for process in processes:
            process.connection.close()
        self.processes = []
