"""`python -m data [--path FILE]`: fetch, verify and convert the book's MNIST; say what it holds."""

import argparse
import sys
import time

from data.mnist import ENV_VAR, DataError, fetch, load_mnist


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m data", description=__doc__)
    parser.add_argument("--path", help=f"use this mnist.pkl.gz instead of fetching one (or set ${ENV_VAR})")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        # Verify the cached mnist.pkl.gz every time (and repair it), not only the converted arrays.
        fetch(args.path)
        mnist = load_mnist()
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    sizes = ", ".join(f"{name} {len(getattr(mnist, name).labels):,}" for name in ("train", "validation", "test"))
    print(f"MNIST ready ({sizes}; SHA-256 {mnist.sha256[:12]}...) in {time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
