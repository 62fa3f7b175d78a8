# The orchestrator. It knows no classifier: the list of experiments is reports/runner/experiments.py,
# and `python -m reports plan` turns a request (make report, make chapter) into make rules that a
# second make runs with -j. Every run file is named by what it depends on (code, parameters, seed,
# data, numerics), so a second `make report` recomputes nothing and a change recomputes exactly
# what it touches. Reading this Makefile writes nothing: `make -n` and `make help` change no file.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules
.SUFFIXES:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# A stamp inside the venv: the venv is (re)built when requirements.txt changes.
VENV_READY := $(VENV)/.requirements-installed
DATA := data/mnist.npz
RESULTS := results

# Settings of `make report` and `make chapter` (python -m reports plan checks them and names a bad one).
# Jobs at once: every core unless JOBS says otherwise (an empty JOBS means the default too).
JOBS ?=
jobs = $(or $(strip $(JOBS)),$(shell nproc 2>/dev/null || echo 1))
# Seeds of each stochastic classifier: SEEDS for the report, CHAPTER_SEEDS for `make chapter`; empty
# means the default, which reports/__main__.py holds (5 and 10).
SEEDS ?=
CHAPTER_SEEDS ?=
# Only these built-in classifiers in the report:  make report ONLY='random darkness'
ONLY ?=
# Plug-ins, separated by ';':  make report EXTRA='knn=sklearn.neighbors:KNeighborsClassifier n_neighbors=3'
EXTRA ?=
# Where the report goes; another REPORT_MD gives a second report from the same runs (see plugin-example).
REPORT_MD ?= $(RESULTS)/report.md
# QUIET=1: one line per run and the final table, no epoch lines or progress.
QUIET ?=
# BLAS_KERNEL=Haswell: the evaluation runs use that OpenBLAS kernel (see the README, "What reproduces").
BLAS_KERNEL ?=
# DASK_SCHEDULER=tcp://host:8786: compute the missing runs on that Dask cluster first.
DASK_SCHEDULER ?=

.PHONY: help
help:
	@echo "make report    evaluate the chapter's classifiers (+ EXTRA plug-ins) -> $(REPORT_MD)"
	@echo "               settings: SEEDS=N  ONLY='random darkness'  EXTRA='NAME=module:attr k=v; ...'"
	@echo "                         QUIET=1  JOBS=N  BLAS_KERNEL=Haswell  DASK_SCHEDULER=tcp://host:8786"
	@echo "                         REPORT_MD=results/other/report.md  RESULTS=results"
	@echo "make chapter   every experiment of chapter 1 over CHAPTER_SEEDS=N seeds -> $(RESULTS)/chapter1.md"
	@echo "make test      the test suite (offline; the real-data tests run once data exists)"
	@echo "make data      fetch and verify the book's MNIST -> $(DATA)"
	@echo "make bench     measure the network (NumPy, compiled), the SVC backends, make report and make chapter -> $(RESULTS)/bench.md"
	@echo "make plugin-example   the README's plug-in example: a second report (REPORT_MD) from the same runs"
	@echo "make readme    paste the latest generated tables into README.md"
	@echo "make clean     remove $(RESULTS)/;  make distclean: also the venv and the data"

# ---------------------------------------------------------------- set-up and data
$(VENV_READY): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Dask, for sweeps on a cluster: optional for users, installed by `make test` so that its tests run.
DASK_READY := $(VENV)/.dask-installed
$(DASK_READY): requirements-dask.txt $(VENV_READY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dask.txt
	touch $@

.PHONY: venv data test
venv: $(VENV_READY)

# Verifies the cached download and the converted arrays, repairing either, every time it runs.
data: | $(VENV_READY)
	$(PY) -m data

test: $(VENV_READY) $(DASK_READY)
	$(PY) -m pytest

# ---------------------------------------------------------------- report and chapter
# $(call quote,TEXT): TEXT as one shell word. Settings are passed unexpanded ($(value ...)), as typed.
quote = '$(subst ','\'',$(1))'
# BLAS_KERNEL=NAME: the evaluation runs use that OpenBLAS kernel (OPENBLAS_CORETYPE) and, unless it is
# an AVX-512 kernel, NumPy's own loops without AVX-512 (NPY_DISABLE_CPU_FEATURES), as on a machine
# where that kernel is the natural one; never over a value the environment already sets (the settings
# are reports/runner/provenance.py's, and the plan says which are in force).
# (Asked for once, when first needed: the memo replaces the variable's definition.)
blas_env = $(eval blas_env := $(if $(strip $(BLAS_KERNEL)),$(shell $(PY) -m reports.runner.provenance \
	$(call quote,$(strip $(BLAS_KERNEL))))))$(blas_env)

# $(1): report or chapter, $(2): its seeds variable, $(3): the report file
request = $(1) --seeds $(call quote,$(value $(2))) --seeds-variable $(2) --jobs $(call quote,$(jobs)) \
	--only $(call quote,$(value ONLY)) --extra $(call quote,$(value EXTRA)) --results $(call quote,$(RESULTS)) \
	$(if $(strip $(QUIET)),--quiet)
plan = $(PY) -m reports plan $(call request,$(1),$(2)) --out $(call quote,$(3)) --python $(PY) \
	--blas-kernel $(call quote,$(BLAS_KERNEL))

# The data is prepared once, before any job starts, so that jobs run side by side never race to
# repair it. Plug-ins (EXTRA) whose randomness is unknown are first run with two seeds (--probe),
# then make runs everything else. The lines marked + also run under `make -n`: planning writes nothing, and
# the second make, itself under -n, then lists the commands that would run.
define run_request
	$(if $(strip $(QUIET)),@)$(PY) -m data --quiet
	$(if $(strip $(DASK_SCHEDULER)),$(MAKE) --no-print-directory $(DASK_READY)
	$(blas_env) $(PY) -m reports sweep $(call request,$(1),$(2)) --scheduler $(call quote,$(DASK_SCHEDULER)))
	$(if $(strip $(value EXTRA)),+@$(if $(blas_env),export $(blas_env) &&) rules=$$($(call plan,$(1),$(2),$(3)) --probe) \
		&& $(MAKE) --no-print-directory -j$(jobs) -f - all <<< "$$rules")
	+@$(if $(blas_env),export $(blas_env) &&) rules=$$($(call plan,$(1),$(2),$(3))) \
		&& $(MAKE) --no-print-directory -j$(jobs) -f - all <<< "$$rules"
endef

.PHONY: report chapter
report: | $(VENV_READY)
	$(call run_request,report,SEEDS,$(REPORT_MD))
	@echo "Report: $(REPORT_MD)"

chapter: | $(VENV_READY)
	$(call run_request,chapter,CHAPTER_SEEDS,$(RESULTS)/chapter1.md)
	@echo "Chapter 1, reproduced: $(RESULTS)/chapter1.md"

# ---------------------------------------------------------------- benchmarks
# A measurement, not a cached result: it runs every time it is asked for (mostly the stock SVC's minutes).
.PHONY: bench
bench: | $(VENV_READY)
	$(PY) -m data --quiet
	$(PY) -m bench --out $(RESULTS)/bench.md

# Paste the latest generated tables into README.md (a command for maintainers after a real run),
# and publish a copy of the reports (git-ignored in results/) under docs/results/ for readers online.
.PHONY: readme
readme: | $(VENV_READY)
	$(PY) -m reports.render.readme README.md
	rm -rf docs/results
	mkdir -p docs/results
	cp -r $(RESULTS)/report.md $(RESULTS)/runs.csv $(RESULTS)/epochs.csv $(RESULTS)/chapter1.md $(RESULTS)/bench.md \
		$(RESULTS)/figures docs/results/

# The README's plug-in example, made by the very command the README shows: its own report, from the
# same runs (only the plug-in is evaluated; the built-in classifiers' runs are reused).
.PHONY: plugin-example
plugin-example:
	$(MAKE) --no-print-directory report REPORT_MD=$(RESULTS)/plugin-example/report.md \
		EXTRA='mlp=sklearn.neural_network:MLPClassifier hidden_layer_sizes=(100, 50) max_iter=20 random_state=0; ridge=sklearn.linear_model:Ridge'

# ---------------------------------------------------------------- housekeeping
.PHONY: clean distclean
# data/.*.tmp.*: temporaries of a write killed outright (kill -9); any later write removes those too.
# RESULTS is removed only if it does not hold the project itself (RESULTS=. or .. or /, say).
clean:
	@results=$$(realpath -m -- $(call quote,$(RESULTS))); results=$${results%/}; here=$$(pwd -P); \
	case "$$here/" in "$$results"/*) echo "error: RESULTS=$(call quote,$(RESULTS)) holds this project; not removing it" >&2; exit 1;; esac
	rm -rf -- $(call quote,$(RESULTS)) data/.*.tmp.*

distclean: clean
	rm -rf $(VENV) data/mnist.pkl.gz data/mnist.pkl.gz.bad data/mnist.npz data/mnist.npz.bad

# ---------------------------------------------------------------- the network's arithmetic on every build
# `make crosscheck`: network/compiled_epoch.c built by gcc and clang, at -O0 to -O3 -march=native, for the
# x86-64 baseline with glibc's software fma(), and for aarch64 run under qemu-user, must train a network
# to the same bits (tests/test_crossbuild.py). The tools are installed with apt-get where they are missing
# and this runs as root on Debian or Ubuntu; elsewhere the builds whose tools are missing are skipped.
CROSSCHECK_TOOLS := clang:clang qemu-aarch64:qemu-user aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu
.PHONY: crosscheck
crosscheck: | $(VENV_READY)
	@missing=""; for pair in $(CROSSCHECK_TOOLS); do command -v "$${pair%%:*}" >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing libc6-dev-arm64-cross; \
		else echo "note: not installed:$$missing (install them as root to run every build)" >&2; fi; \
	fi
	$(PY) -m pytest -q -rs tests/test_crossbuild.py
