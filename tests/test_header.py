"""The reports' header names the machine and numerics of the runs, and says so when they differ."""

import copy

from reports.render import header
from reports.render.header import Made, header_lines, setting, training_sizes, which_runs

PROVENANCE = {
    "commit": "abc1234",
    "machine": {"cpu": "AMD EPYC 7B13", "architecture": "x86_64", "cpus": 2,
                "blas_threads": ["openblas 2 threads"], "variables": {}},
    "numerics": {"libraries": {"python": "3.11.7", "numpy": "2.4.6"},
                 "blas": ["openblas 0.3.30 (Haswell)"], "numpy_simd": ["X86_V2", "X86_V3"]},
}


def fixture_record(name, seeds, provenance=PROVENANCE, n_train=50_000):
    runs = [{"seed": seed, "provenance": copy.deepcopy(provenance)} for seed in seeds]
    return {"name": name, "runs": runs, "n_train": n_train, "n_test": 10_000, "data_sha256": "f11b"}


def test_one_setting_is_named_field_by_field():
    text = "\n".join(header_lines([fixture_record("network", [0, 1]), fixture_record("darkness", [None])],
                                  Made("make report", "today", "def5678")))
    assert "- CPU: AMD EPYC 7B13, x86_64, 2 CPUs" in text
    assert "- BLAS: openblas 0.3.30 (Haswell kernel)" in text
    assert "- BLAS threads: openblas 2 threads" in text
    assert "- NumPy SIMD: X86_V2, X86_V3" in text
    assert "- Numerics variables: OPENBLAS_CORETYPE and NPY_DISABLE_CPU_FEATURES not set" in text
    assert "- Versions: python 3.11.7, numpy 2.4.6 (rendered with tabulate" in text
    assert "runs computed at git commit abc1234" in text
    assert "different settings" not in text
    assert "- Test images used only for scoring: no classifier's fit was given a test image or label" in text


def test_runs_from_two_kernels_are_said_to_differ_and_named():
    skylake = copy.deepcopy(PROVENANCE)
    skylake["numerics"]["blas"] = ["openblas 0.3.30 (SkylakeX)"]
    skylake["machine"]["variables"] = {"OPENBLAS_CORETYPE": "SkylakeX"}
    network = fixture_record("network", [0, 1, 2])
    network["runs"][2]["provenance"] = skylake
    text = "\n".join(header_lines([network, fixture_record("darkness", [None])], Made("make report", "today", "def5678")))
    assert "**The runs were computed in 2 different settings** (they differ in BLAS, which are part" in text
    assert "- The runs were computed where numerics variables differ, which no run's identity holds" in text
    assert ("  - network seeds 0-1; darkness: BLAS openblas 0.3.30 (Haswell kernel); numerics variables "
            "OPENBLAS_CORETYPE and NPY_DISABLE_CPU_FEATURES not set") in text
    assert ("  - network seed 2: BLAS openblas 0.3.30 (SkylakeX kernel); numerics variables "
            "OPENBLAS_CORETYPE=SkylakeX") in text
    assert "- CPU: AMD EPYC 7B13, x86_64, 2 CPUs" in text  # what they share is said once


def test_the_blas_kernel_is_named_and_missing_fields_say_so():
    provenance = copy.deepcopy(PROVENANCE)
    provenance["numerics"]["blas"] = ["openblas 0.3.30 (Zen)"]
    assert setting({"provenance": provenance})["BLAS"] == "openblas 0.3.30 (Zen kernel)"
    bare = setting({"provenance": {"commit": "x"}})
    assert set(bare.values()) == {"not recorded"}


def test_which_runs_and_training_sizes():
    assert which_runs({"network": [0, 1, 2, 4], "darkness": [None]}) == "network seeds 0-2, 4; darkness"
    records = [fixture_record("svc-tuned", [None]), fixture_record("svc-mueller", [None], n_train=60_000),
               fixture_record("darkness", [None])]
    assert training_sizes(records) == "50,000 images (svc-mueller: 60,000)"


def test_the_header_says_when_network_counts_are_not_the_canonical_ones():
    from reports.render.header import arithmetic_lines

    def record(name, arithmetic):
        return {"name": name, "runs": [{"identity": {"numerics": {"arithmetic": arithmetic}}}]}

    canonical = arithmetic_lines([record("network", "portable C: network/compiled_epoch.c")])
    assert canonical == ["- Arithmetic of network: portable C: network/compiled_epoch.c (the same bits on every machine)"]
    [line] = arithmetic_lines([record("network", "NumPy")])
    assert line.startswith("- **Not the canonical counts:** network trained in NumPy")
    assert arithmetic_lines([{"name": "darkness", "runs": [{"identity": {"numerics": {"blas": []}}}]}]) == []


def test_what_no_identity_holds_raises_no_alarm():
    """Dask workers with other BLAS threads, or a network in portable C on another BLAS: no run differs."""
    other = copy.deepcopy(PROVENANCE)
    other["machine"]["blas_threads"] = ["openblas 1 threads"]
    other["numerics"]["blas"] = ["openblas 0.3.30 (SkylakeX)"]
    network = fixture_record("network", [0, 1])
    network["runs"][1]["provenance"] = other
    for run in network["runs"]:
        run["identity"] = {"numerics": {"arithmetic": "portable C"}}  # the network's own: no BLAS in it
    text = "\n".join(header_lines([network], Made("make report", "today", "def5678")))
    assert "**The runs were computed" not in text and "same seed is not the same run" not in text
    assert "- The runs were computed where BLAS, BLAS threads differ, which no run's identity holds" in text


def test_a_dask_worker_names_the_commit_its_code_was_sent_from(tmp_path, monkeypatch):
    from reports.runner import executors, provenance

    monkeypatch.setattr(provenance, "PROJECT_ROOT", tmp_path)  # no git checkout here, as on a worker
    assert provenance.git_commit() == "unknown (not a git checkout)"
    (tmp_path / provenance.COMMIT_FILE).write_text("abc1234\n")
    assert provenance.git_commit() == "abc1234"
    _, archive = executors.code_archive({"x.py": b"pass", provenance.COMMIT_FILE: b"abc1234"})
    import io
    import zipfile
    assert zipfile.ZipFile(io.BytesIO(archive)).read(provenance.COMMIT_FILE) == b"abc1234"


def test_the_header_names_the_runs_of_each_commit_oldest_first_and_the_uncommitted_trees():
    older, newer = "1" * 40, "2" * 40
    made = Made("make report", "today", rendered_at="3333333", history=(older, newer))
    record = {"name": "network", "runs": [{"seed": seed, "provenance": {"commit": commit}} for seed, commit in
                                          [(0, "2222222"), (1, "1111111 (with uncommitted changes)"),
                                           (2, "1111111"), (3, "9999999")]]}
    lines = header.commit_lines([record], made)
    assert lines[0].startswith("- Code: rendered at git commit 3333333; the runs were computed at 4 commits")
    assert lines[1:] == ["  - 1111111: network seed 2", "  - 1111111 (with uncommitted changes): network seed 1",
                         "  - 2222222: network seed 0", "  - 9999999: network seed 3"]  # not in this history: last
    # The summary's phrase, pasted alone into the README, says it too.
    assert header.commits([record], made) == (
        "runs computed at 4 git commits (1111111: network seed 2; 1111111 (with uncommitted changes): network "
        "seed 1; 2222222: network seed 0; 9999999: network seed 3); rendered at 3333333")


def test_a_plugins_libraries_are_named_with_their_versions():
    from reports.render.header import plugin_library_lines

    lgbm = fixture_record("lgbm", [None])
    lgbm["runs"][0]["identity"] = {"libraries": {"lightgbm": "4.6.0", "numpy": "2.4.6"}}
    darkness = fixture_record("darkness", [None])
    darkness["runs"][0]["identity"] = {"libraries": {"numpy": "2.4.6"}}
    assert plugin_library_lines([darkness, lgbm]) == ["- Libraries of the classifiers beside those: lgbm: lightgbm 4.6.0"]
    assert plugin_library_lines([darkness]) == []
