"""The network's arithmetic is the same on every build: network/compiled_epoch.c, built by different
compilers, optimisation levels and CPUs, trains a network to the very same bits.

tests/crossbuild/harness.c trains on a fixture file written here and writes the final weights; each
build's SHA-256 of them must equal the others' and that of the library the project loads. The builds:
gcc and clang at -O0 and -O3 -march=native; gcc -O2 for the x86-64 baseline without FMA instructions,
run with glibc told not to use them either (fma() is then its exact software one); and aarch64, built
statically by aarch64-linux-gnu-gcc and run under qemu-aarch64. A build whose tools are missing is
skipped with the reason; `make crosscheck` installs them (Debian) and runs this file.
"""

import hashlib
import platform
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from network import compiled_epoch
from network.network import Network

HARNESS = Path(__file__).with_name("crossbuild") / "harness.c"
X86 = platform.machine() in ("x86_64", "AMD64")
COMMON = ["-ffp-contract=off", "-fno-fast-math"]
# name: (compiler and flags, the command that runs the program, extra environment, needs)
BUILDS = {
    "gcc -O0": (["gcc", "-O0"], [], {}, []),
    "gcc -O3 -march=native": (["gcc", "-O3", "-march=native"], [], {}, []),
    "clang -O0": (["clang", "-O0"], [], {}, []),
    "clang -O3 -march=native": (["clang", "-O3", "-march=native"], [], {}, []),
    # glibc picks its fma() by the CPU (the FMA instruction where there is one): the tunable hides it.
    "gcc -O2 -march=x86-64, software fma": (["gcc", "-O2", "-march=x86-64"], [],
                                             {"GLIBC_TUNABLES": "glibc.cpu.hwcaps=-FMA,-FMA4,-AVX2"}, ["x86"]),
    "aarch64-linux-gnu-gcc -O3 -static, qemu-aarch64": (["aarch64-linux-gnu-gcc", "-O3", "-static"],
                                                        ["qemu-aarch64"], {}, []),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """{build name: (command to run the harness, environment) or the reason it cannot be had here}."""
    directory = tmp_path_factory.mktemp("crossbuild")
    programs = {}
    for name, (compiler, runner, environment, needs) in BUILDS.items():
        missing = [tool for tool in (compiler[0], *runner) if shutil.which(tool) is None]
        if "x86" in needs and not X86:
            programs[name] = f"{name}: an x86-64 build, and this is {platform.machine()}"
        elif missing:
            programs[name] = f"{name}: {', '.join(missing)} not installed (make crosscheck installs it)"
        else:
            program = directory / name.split(",")[0].replace(" ", "_")
            done = subprocess.run([*compiler, *COMMON, str(HARNESS), "-o", str(program), "-lm"],
                                  capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
            assert done.returncode == 0, f"{name} failed to build the harness:\n{done.stderr}"
            programs[name] = ([*runner, str(program)], environment)
    return programs


def write_fixture(path, sizes, X, Y, mini_batch_size, eta, epochs, seed):
    """The harness's fixture file, and the network it starts from with the epochs' orders."""
    network = Network(sizes, random_state=seed)
    orders = [network.rng.permutation(len(X)) for _ in range(epochs)]
    with open(path, "wb") as out:
        out.write(np.array([len(sizes), *sizes, len(X), mini_batch_size, epochs], dtype="<i8").tobytes())
        out.write(np.array([eta], dtype="<f8").tobytes())
        for array in [*network.weights, *network.biases, X, Y]:
            out.write(np.ascontiguousarray(array, dtype="<f8").tobytes())
        out.write(np.array(orders, dtype="<i8").tobytes())
    return network, orders


def digest(arrays):
    return hashlib.sha256(b"".join(np.ascontiguousarray(a, dtype="<f8").tobytes() for a in arrays)).hexdigest()


def loaded_library_digest(network, orders, X, Y, mini_batch_size, eta):
    """The digest of the library this project loads (built by compiled_epoch.py), or None where it
    cannot be had."""
    library = compiled_epoch._load()
    if library is None:
        return None
    epochs = compiled_epoch.CompiledEpochs(library, np.ascontiguousarray(X, dtype=np.float64), Y)
    for order in orders:
        assert epochs._run(network, order, mini_batch_size, eta) == 0
    return digest([*network.weights, *network.biases])


def every_build_agrees(built, tmp_path, sizes, X, Y, mini_batch_size, eta, epochs, seed):
    """Run every build present on one fixture; return {name: digest} and the skipped builds' reasons."""
    fixture = tmp_path / "fixture.bin"
    network, orders = write_fixture(fixture, sizes, X, Y, mini_batch_size, eta, epochs, seed)
    digests, skipped = {}, []
    for name, program in built.items():
        if isinstance(program, str):
            skipped.append(program)
            continue
        command, environment = program
        output = tmp_path / "weights.bin"
        done = subprocess.run([*command, str(fixture), str(output)], capture_output=True, text=True,
                              env={**__import__("os").environ, **environment}, timeout=600)
        assert done.returncode == 0, f"{name}: {done.stderr}"
        digests[name] = hashlib.sha256(output.read_bytes()).hexdigest()
    loaded = loaded_library_digest(network, orders, X, Y, mini_batch_size, eta)
    if loaded is not None:
        digests["the library the project loads"] = loaded
    return digests, skipped


def assert_all_equal(digests, skipped):
    assert "gcc -O0" in digests and "gcc -O3 -march=native" in digests, "gcc is needed for this test"
    assert len(set(digests.values())) == 1, "\n".join(f"{d[:16]}  {name}" for name, d in digests.items())
    if skipped:
        pytest.skip("all builds present agree; not run here: " + "; ".join(skipped))


@pytest.mark.mnist
def test_every_build_trains_100_steps_on_real_mnist_to_the_same_bits(built, tmp_path, real_mnist):
    X, labels = real_mnist.train.images[:1000], real_mnist.train.labels[:1000]
    digests, skipped = every_build_agrees(built, tmp_path, [784, 30, 10], X, np.eye(10)[labels], 10, 3.0,
                                          epochs=1, seed=0)
    assert_all_equal(digests, skipped)


def test_every_build_agrees_on_odd_sizes_two_hidden_layers_and_a_mini_batch_of_1(built, tmp_path, digits_mnist):
    X, labels = digits_mnist.train.images[:150], digits_mnist.train.labels[:150]
    digests, skipped = every_build_agrees(built, tmp_path, [64, 17, 9, 10], X, np.eye(10)[labels], 1, 3.0,
                                          epochs=2, seed=3)
    assert_all_equal(digests, skipped)
