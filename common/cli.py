"""How the project's commands end: one line and an exit status for every failure a user can meet.

`run_main` runs a command's body. An expected error (one of `errors`, each of whose messages names
the culprit and the fix) is printed as `error: ...` with exit status 1; Ctrl-C prints one line and
exits 130, the shell's status for an interrupt. Files are written atomically throughout the
project, so whatever was finished before either is kept whole and nothing half-written stays.

`interrupt_in_one_line` covers the second or so before `run_main` starts, while a command imports
its libraries: a command calls it first thing, before those imports.
"""

import sys


def run_main(body, errors, interrupted="interrupted; nothing half-written was kept"):
    """Run `body()`; return the process's exit status (0, 1 for `errors`, 130 for Ctrl-C)."""
    try:
        status = body()
    except errors as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\n{interrupted}", file=sys.stderr)
        return 130
    return status or 0


def interrupt_in_one_line(message):
    """From now on, a Ctrl-C that reaches the top of the program prints `message` instead of a
    traceback. Python still ends such a program by SIGINT, which the shell reports as status 130."""
    previous = sys.excepthook

    def hook(kind, value, traceback):
        if issubclass(kind, KeyboardInterrupt):
            print(f"\n{message}", file=sys.stderr)
        else:
            previous(kind, value, traceback)

    sys.excepthook = hook
