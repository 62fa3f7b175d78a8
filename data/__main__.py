"""`python -m data [--path FILE] [--quiet]`: fetch, verify and convert the book's MNIST; say what it holds."""

from common.cli import interrupt_in_one_line, run_main

INTERRUPTED = "interrupted; nothing half-written was kept, run the same command to resume"
if __name__ == "__main__":
    interrupt_in_one_line(INTERRUPTED)  # before the imports below, which take a second

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from common.files import WriteError  # noqa: E402
from data.mnist import ENV_VAR, DataError, fetch, load_mnist  # noqa: E402


def prepare(path, quiet):
    start = time.perf_counter()
    # Verify the cached mnist.pkl.gz every time (and repair it), not only the converted arrays.
    fetch(path)
    mnist = load_mnist()
    if not quiet:
        sizes = ", ".join(f"{name} {len(getattr(mnist, name).labels):,}" for name in ("train", "validation", "test"))
        print(f"MNIST ready ({sizes}; SHA-256 {mnist.sha256[:12]}...) in {time.perf_counter() - start:.2f} s")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m data", description=__doc__)
    parser.add_argument("--path", help=f"use this mnist.pkl.gz instead of fetching one (or set ${ENV_VAR})")
    parser.add_argument("--quiet", action="store_true", help="say nothing when the data is ready")
    args = parser.parse_args(argv)
    return run_main(lambda: prepare(args.path, args.quiet), (DataError, WriteError),
                    interrupted=INTERRUPTED)


if __name__ == "__main__":
    sys.exit(main())
