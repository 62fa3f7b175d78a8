"""`python -m bench`: measure the network (NumPy and compiled) and its peers, the
SVC backends, `make report` and `make chapter` in one run; write results/bench.json and results/bench.md.
Takes half an hour or so, most of it the stock SVC and `make chapter`."""

import argparse
import datetime
import json
import os
import platform
import sys

import numpy as np
from tabulate import tabulate
from threadpoolctl import threadpool_info

from bench import blas_kernels, network_speed, peers, report_speed, svc_speed
from data import load_mnist
from common.files import WriteError, write_text_atomic
from reports.runner.provenance import git_commit, library_versions


def machine():
    blas = [f"{info['internal_api']} {info['version']} ({info.get('architecture') or '-'}, "
            f"{info['num_threads']} threads)" for info in threadpool_info() if info["user_api"] == "blas"]
    return {"cpus": os.cpu_count(), "machine": platform.machine(), "blas": sorted(set(blas)),
            "versions": library_versions(), "commit": git_commit(),
            "when": f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}"}


def _compiled_label(n):
    why_not = n.get("compiled_not_available")
    return ("this project, compiled epoch (`network/compiled_epoch.c`, the portable arithmetic)" if not why_not
            else f"compiled epoch: not available here ({why_not})")


def _against_baselines(n, section):
    """The portable compiled epoch beside its earlier versions, and its distance from the machine's limit."""
    rows = n.get("compiled_against_baselines")
    if not rows:
        return []
    limit_rate, baselines = n["gflops_large_matmul_cpu"], n["baselines"]
    missing = n.get("baselines_not_available") or {}
    lines = [f"{section} The portable compiled epoch against its earlier versions and the machine's limit", "",
             "The raw C epoch only (no set-up), mini-batch 10, 50,000 images: CPU seconds of its thread, medians of "
             "5 turns timed alternately from the same network and order; a ratio is the median of the per-turn "
             f"ratios. Before: {baselines['before']}. Previous: {baselines.get('previous', 'not in this run')}. "
             f"AVX2: {baselines['avx2']}. "
             "The limit is the epoch's own arithmetic (the products by nonzero pixels only, and the dense later "
             f"layers) at {limit_rate:.0f} GFLOP/s, the single-core float64 throughput of large matrix products "
             "(NumPy's BLAS, this CPU's widest vectors) per CPU second of its thread, measured in this run: time no "
             "order-keeping epoch can beat here." + "".join(f" {name}: not measured ({why})." for name, why in missing.items()), ""]
    table = []
    for hidden, row in rows.items():
        limit = row["gflop"] / limit_rate
        cells = [f"[784, {hidden}, 10]", f"{row['portable']:.3f}"]
        for name in ("before", "previous", "avx2"):
            cells += ([f"{row[name]:.3f}", f"{row[name + '_ratio']:.2f}"] if name in row else ["-", "-"])
        same = {True: "yes", False: "NO", None: "-"}[row.get("same_bits")]
        table.append(cells + [same, f"{row['gflop']:.2f}", f"{limit:.3f}", f"{row['portable'] / limit:.1f}x"])
    lines += [tabulate(table, ["network", "portable s/epoch", "before s/epoch", "portable / before", "previous s/epoch",
                               "portable / previous", "AVX2 s/epoch", "portable / AVX2", "same bits as before and previous",
                               "GFLOP", "limit s/epoch", "portable / limit"],
                       tablefmt="github", disable_numparse=True), ""]
    return lines


def markdown(bench, level=1):
    """The benchmark as markdown; `level` is the depth of its title (its sections go one deeper)."""
    m = bench["machine"]
    title, section = "#" * level, "#" * (level + 1)
    lines = [f"{title} Benchmarks", "",
             f"Made by `make bench` on {m['when']}, git commit {m['commit']}: {m['cpus']} CPUs ({m['machine']}), "
             f"BLAS {', '.join(m['blas'])}; " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".", ""]
    if "network" in bench:
        n = bench["network"]
        lines += [f"{section} The network, [784, 30, 10], mini-batch 10, one epoch of 50,000 images", "",
                  f"Medians of 5 turns after a warm-up, the three timed alternately so that the machine's noise "
                  f"falls on all, the network {n.get('epochs_per_timing', 2)} epochs per turn (its one-off set-up "
                  "shared out over them); a ratio is the median of the per-turn ratios. The reference is the book's loop "
                  "(`network/reference.py`, one example at a time through backprop), timed on 2,500 images and "
                  "scaled. The floor is the epoch's dense matrix-product arithmetic "
                  f"({n['gflop_per_epoch']:.2f} GFLOP) at the single-core float64 throughput measured in this run; "
                  "the compiled epoch, which skips the products by zero pixels, does less.", "",
                  tabulate([
                      ["this project (NumPy, matrix form)", f"{n['network_seconds_per_epoch']:.3f}", "1.0"],
                      [_compiled_label(n), f"{n['compiled_seconds_per_epoch']:.3f}",
                       f"{1 / n['compiled_ratio']:.1f}x faster (median ratio)"],
                      ["the book's per-example loop", f"{n['reference_seconds_per_epoch']:.3f}",
                       f"{n['speedup_over_reference']:.1f}x slower (median ratio)"],
                      [f"floor at {n['gflops_large_matmul']:.0f} GFLOP/s (large products)",
                       f"{n['floor_seconds_large']:.3f}",
                       f"{n['network_seconds_per_epoch'] / n['floor_seconds_large']:.1f}x faster"],
                      [f"floor at {n['gflops_batch_matmul']:.0f} GFLOP/s (784 x 10 batch products)",
                       f"{n['floor_seconds_batch']:.3f}",
                       f"{n['network_seconds_per_epoch'] / n['floor_seconds_batch']:.1f}x faster"],
                  ], ["", "seconds per epoch", "compared with this project"], tablefmt="github",
                      disable_numparse=True), ""]
        lines += _against_baselines(n, section)
    if "peers" in bench:
        lines += peers.markdown(bench["peers"], section)
    if "kernels" in bench:
        lines += blas_kernels.markdown(bench["kernels"], section)
    if "svc" in bench:
        lines += [f"{section} SVC on 50,000 training and 10,000 test images", "",
                  tabulate([[r["preset"], r["backend"], f"{r['fit_seconds']:.0f}", f"{r['predict_seconds']:.0f}",
                             f"{r['correct']:,}", f"{r['n_support']:,}", f"{r.get('predictions_differ', '-')}"]
                            for r in bench["svc"]],
                           ["preset", "backend", "fit s", "predict s", "correct", "support vectors",
                            f"test predictions unlike {bench['svc'][0]['backend']}'s"],
                           tablefmt="github", disable_numparse=True), ""]
    if "report" in bench:
        r = bench["report"]
        lines += [f"{section} `make report`", "",
                  tabulate([["cold (fresh results directory)", f"{r['cold_seconds']:.0f}"],
                            ["warm (nothing changed)", f"{r['warm_seconds']:.1f}"]],
                           ["run", "wall seconds"], tablefmt="github", disable_numparse=True), "",
                  f"Peak memory of its largest process: {r['largest_process_peak_mib']:,.0f} MiB.", ""]
    if "chapter" in bench:
        lines += [f"{section} `make chapter`", "",
                  f"From nothing (a fresh results directory, data in place): {bench['chapter']['cold_seconds']:.0f} "
                  "wall seconds.", ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--out", default="results/bench.md", help="markdown output; the JSON goes beside it")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["network", "peers", "kernels", "svc", "report", "chapter"],
                        help="leave out these parts")
    parser.add_argument("--render-only", action="store_true",
                        help="measure nothing: write the markdown again from the JSON beside --out")
    args = parser.parse_args(argv)
    out = os.path.abspath(args.out)
    json_path = os.path.splitext(out)[0] + ".json"
    if args.render_only:
        try:
            with open(json_path, encoding="utf-8") as file:
                return _write_markdown(json.load(file), out)
        except WriteError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        except (OSError, json.JSONDecodeError) as error:
            print(f"error: {json_path}: no benchmark to render ({error}); run `make bench` first", file=sys.stderr)
            return 1
    mnist = load_mnist()
    bench = {"machine": machine()}
    if "network" not in args.skip:
        print("network: timing epochs ...", flush=True)
        X = mnist.train.images.astype(np.float64)
        Y = np.eye(10)[mnist.train.labels]
        bench["network"] = network_speed.measure(X, Y)
    if "peers" not in args.skip:
        print("peers: the compiled epoch, MLPClassifier, JAX and PyTorch where importable (minutes) ...", flush=True)
        bench["peers"] = peers.measure(mnist.train.images.astype(np.float64), np.eye(10)[mnist.train.labels],
                                       mnist.test.images.astype(np.float64), mnist.test.labels)
    if "kernels" not in args.skip:
        print("kernels: the network under OpenBLAS kernels chosen by hand ...", flush=True)
        bench["kernels"] = blas_kernels.measure()
    if "svc" not in args.skip:
        print("svc: fitting every preset on every backend (minutes) ...", flush=True)
        bench["svc"] = svc_speed.measure(mnist)
    if "report" not in args.skip:
        print("make report: cold, then warm ...", flush=True)
        bench["report"] = report_speed.measure()
    if "chapter" not in args.skip:
        print("make chapter: cold (minutes) ...", flush=True)
        bench["chapter"] = report_speed.measure_chapter()
    write_text_atomic(json_path, json.dumps(bench, indent=1) + "\n")
    return _write_markdown(bench, out)


def _write_markdown(bench, out):
    text = markdown(bench)
    write_text_atomic(out, text)
    # The same at the depth of a README section, for `make readme` to paste.
    write_text_atomic(os.path.splitext(out)[0] + "-summary.md", markdown(bench, level=3))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
