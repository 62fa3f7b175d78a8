"""The benchmark's arithmetic and its output, on tiny data (the real timings belong to `make bench`)."""

import numpy as np
import pytest

from bench import network_speed
from bench.__main__ import markdown


def test_flops_per_epoch_counts_the_matrix_products_by_hand():
    # Forward and weight gradient: 2 * (784*30 + 30*10) each; error sent back through layer 2 only: 2 * 30*10.
    assert network_speed.matmul_flops_per_epoch(1) == 2 * 23_820 * 2 + 600
    assert network_speed.matmul_flops_per_epoch(50_000) == 95_880 * 50_000


def test_sparse_flops_count_only_the_nonzero_pixels_in_the_first_layer():
    X = np.zeros((3, 784))
    X[0, :5], X[2, 7] = 0.5, 1.0  # 6 nonzero pixels in all
    # Per nonzero pixel and hidden neuron 2 multiply-adds; per example 3 dense passes of 30 x 10.
    assert network_speed.sparse_flops_per_epoch(X, [784, 30, 10]) == 2 * 2 * 6 * 30 + 3 * 3 * 2 * 300


def test_network_measurement_runs_and_reports_consistent_ratios():
    rng = np.random.default_rng(0)
    X, Y = rng.random((200, 784)), np.eye(10)[rng.integers(0, 10, 200)]
    n = network_speed.measure(X, Y, repeat=1, reference_examples=20)
    # With one turn, the median ratio is that turn's ratio.
    assert n["speedup_over_reference"] == pytest.approx(n["reference_seconds_per_epoch"] / n["network_seconds_per_epoch"])
    assert n["compiled_ratio"] == pytest.approx(n["compiled_seconds_per_epoch"] / n["network_seconds_per_epoch"])
    assert n["gflops_large_matmul"] > 0 and n["floor_seconds_batch"] > 0
    text = markdown({"machine": {"when": "now", "commit": "abc", "cpus": 2, "machine": "x86_64", "blas": ["openblas"],
                                 "versions": {"numpy": "2"}}, "network": n})
    assert "the book's per-example loop" in text and "seconds per epoch" in text
    if n["compiled_not_available"] is None:
        assert set(n["compiled_against_baselines"]) == {"30", "100"}
        assert "| [784, 30, 10] " in text and "portable / limit" in text
        for row in n["compiled_against_baselines"].values():  # the file before its speed-up: the same bits
            assert row["same_bits"] in (True, None) and (row["same_bits"] is None or "before_ratio" in row)


def test_render_only_rewrites_the_markdown_from_the_json_without_measuring(tmp_path):
    import json
    from bench.__main__ import main
    bench = {"machine": {"when": "then", "commit": "abc", "cpus": 2, "machine": "x86_64", "blas": ["openblas"],
                         "versions": {"numpy": "2"}},
             "report": {"cold_seconds": 119.0, "warm_seconds": 0.1, "largest_process_peak_mib": 1000.0}}
    (tmp_path / "bench.json").write_text(json.dumps(bench))
    assert main(["--render-only", "--out", str(tmp_path / "bench.md")]) == 0
    assert (tmp_path / "bench.md").read_text().startswith("# Benchmarks")
    summary = (tmp_path / "bench-summary.md").read_text()
    assert summary.startswith("### Benchmarks") and "#### `make report`" in summary and "| 119 " in summary


def test_render_only_without_a_benchmark_says_so(tmp_path, capsys):
    from bench.__main__ import main
    assert main(["--render-only", "--out", str(tmp_path / "bench.md")]) == 1
    assert "no benchmark to render" in capsys.readouterr().err and not (tmp_path / "bench.md").exists()


def test_peers_section_runs_on_tiny_data_and_says_which_peer_is_absent(monkeypatch):
    from bench import frameworks, peers
    # Pretend no framework is installed, whatever this machine has.
    monkeypatch.setattr(frameworks, "_import", lambda name: None)
    rng = np.random.default_rng(0)
    X, labels = rng.random((60, 784)), np.arange(60) % 10
    p = peers.measure(X, np.eye(10)[labels], X[:20], labels[:20], rounds=1, epochs=3)
    assert p["absent"] == ["jax", "torch"] and set(p["chapter"]["alone"]) == {"seconds", "ratio"}
    assert p["chapter"]["alone"]["ratio"] == 1.0 and 0 <= p["mlp_correct"] <= 20
    text = markdown({"machine": {"when": "now", "commit": "abc", "cpus": 2, "machine": "x86_64", "blas": ["openblas"],
                                 "versions": {"numpy": "2"}}, "peers": p})
    for peer in ("JAX", "PyTorch"):
        assert any(line.startswith(f"| {peer} (") and "not installed here" in line for line in text.splitlines())
    assert "10 seeds alone, 2 processes, NumPy" in text and "10 seeds, 2 processes, compiled" in text
    compiled = [line for line in text.splitlines() if line.startswith("| one seed, compiled epoch")]
    assert len(compiled) == 2  # [784, 30, 10] and [784, 100, 10]
    if p["compiled_not_available"] is None:
        assert all("(`network/compiled_epoch.c`, the default)" in line for line in compiled)


def test_the_kernel_table_says_what_changed_and_what_failed():
    from bench import blas_kernels
    rows = [{"kernel": None, "in_force": "Haswell", "counts": [9069, 9215], "seconds_per_epoch": 0.2, "ratio": 1.0,
             "compiled": True},
            {"kernel": "Haswell", "in_force": "Haswell", "counts": [9069, 9215], "seconds_per_epoch": 0.21,
             "ratio": 1.02, "compiled": True},
            {"kernel": "Sandybridge", "in_force": "Sandybridge", "counts": [9070, 9215], "seconds_per_epoch": 0.9,
             "ratio": 4.5, "compiled": False},
            {"kernel": "SkylakeX", "error": "exit status -4: Illegal instruction"}]
    text = "\n".join(blas_kernels.markdown(rows, "##"))
    assert "| OPENBLAS_CORETYPE=Haswell " in text and "(same counts)" in text and "(other counts)" in text
    assert "failed: exit status -4" in text and "4.50" in text
    cells = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]] for line in text.splitlines()
             if line.startswith("| OPENBLAS_CORETYPE=")}
    assert cells["OPENBLAS_CORETYPE=Haswell"][:2] == ["Haswell", "compiled"]
    assert cells["OPENBLAS_CORETYPE=Sandybridge"][:2] == ["Sandybridge", "NumPy"]


def test_a_kernel_process_runs_and_reports_the_kernel_in_force(monkeypatch):
    from bench import blas_kernels
    monkeypatch.setattr(blas_kernels.subprocess, "run", lambda *a, **k: __import__("types").SimpleNamespace(
        returncode=0, stdout='{"in_force": "Haswell", "counts": [1, 2], "seconds_per_epoch": 0.5}', stderr=""))
    [row] = blas_kernels.measure(kernels=(None,), rounds=2)
    assert row["in_force"] == "Haswell" and row["ratio"] == 1.0 and row["seconds_per_epoch"] == 0.5
    assert blas_kernels.environment("Haswell")["NPY_DISABLE_CPU_FEATURES"] == "X86_V4,AVX512_ICL,AVX512_SPR"
    assert "NPY_DISABLE_CPU_FEATURES" not in blas_kernels.environment("SkylakeX")
