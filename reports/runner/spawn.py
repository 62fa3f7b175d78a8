"""Worker processes that never run the caller's main module, whatever the caller is.

Python's "spawn" start method makes each new process import the parent's main module again (as
`__mp_main__`), so that functions defined there can be called in it. The runner never sends such a
function: what it sends is in the project's packages or a plug-in's module, and a plug-in class
defined in `__main__` is refused before anything runs (reports/api.py). Running the main module
again only does harm: from standard input (`python - < x.py`) the child looks for a file named
`<stdin>` and dies, so every run is "lost"; from a script without `if __name__ == "__main__":` the
child runs the script's `compare(...)` again and multiprocessing stops it; from a notebook it imports
the kernel's launcher for nothing.

So the processes of this context are started while `__main__` is, for the few milliseconds of the
start, a bare module with no file and no spec: there is nothing to import again, and the child
starts from the project's own code alone.
"""

import multiprocessing.context
import sys
import threading
import types

_starting = threading.Lock()  # one process starts at a time, so the real main module is always put back


class _Process(multiprocessing.context.SpawnProcess):
    def start(self):
        with _starting:
            main = sys.modules["__main__"]
            sys.modules["__main__"] = types.ModuleType("__main__")  # no __file__, no __spec__: nothing to rerun
            try:
                super().start()
            finally:
                sys.modules["__main__"] = main


class WithoutMain(multiprocessing.context.SpawnContext):
    """The spawn context, whose processes do not import the caller's main module."""

    Process = _Process
