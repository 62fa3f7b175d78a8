# Aliases for the commands users type. The work is Python's: `python -m reports run report|chapter`
# finds the runs a request wants in reports/runner/experiments.py, computes only those whose file is
# missing (each is named by its identity), on this machine or a Dask cluster, and renders the report
# if it changed. This Makefile holds no list of experiments and generates no rules; it keeps the venv
# and the data, and passes every setting through as typed (never expanded by make).
# Written for GNU make 3.81 and later (macOS ships 3.81): no grouped targets, no GNU-only tools.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules
.SUFFIXES:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# A stamp inside the venv: the venv is made if it is missing, and brought up to requirements.txt
# whenever that changes (in place: it may be a link to a venv shared between checkouts).
VENV_READY := $(VENV)/.requirements-installed
DATA := data/mnist.npz

# Settings of `make report` and `make chapter`, passed to `python -m reports run` as typed; an empty
# one means its default, which Python holds (`python -m reports run --help`).
SEEDS ?=
CHAPTER_SEEDS ?=
ONLY ?=
EXTRA ?=
JOBS ?=
RESULTS ?= results
REPORT_MD ?=
QUIET ?=
VERBOSE ?=
RETRY ?=
DASK_SCHEDULER ?=
SETTINGS := SEEDS CHAPTER_SEEDS ONLY EXTRA JOBS RESULTS REPORT_MD QUIET VERBOSE RETRY DASK_SCHEDULER
# Never put into the commands' environment: exporting a setting would make make expand it, and run a
# `$(shell ...)` typed into one. They reach Python as arguments, as typed.
unexport $(SETTINGS)

.PHONY: help
help:
	@echo "make report    evaluate the chapter's classifiers (+ EXTRA plug-ins) -> RESULTS/report.md"
	@echo "               settings: SEEDS=N  ONLY='random darkness'  EXTRA='NAME=module:attr k=v; ...'"
	@echo "                         JOBS=N  QUIET=1  VERBOSE=1  RETRY=1 (refit failed runs)"
	@echo "                         DASK_SCHEDULER=tcp://host:8786"
	@echo "                         RESULTS=results  REPORT_MD=results/other/report.md"
	@echo "make chapter   every experiment of chapter 1, seeds added until each verdict is decided (CHAPTER_SEEDS=N fixes them) -> RESULTS/chapter1.md"
	@echo "make -n report (or chapter)   list what would be computed; write no result"
	@echo "make test      the test suite (offline; the real-data tests run once data exists)"
	@echo "make data      fetch and verify the book's MNIST -> $(DATA)"
	@echo "make bench     measure the network, the SVC backends, make report and make chapter -> RESULTS/bench.md"
	@echo "make crosscheck   the network's C epoch built by several compilers and for aarch64: one digest"
	@echo "make self-test-digest   after a deliberate change of network/compiled_epoch.c: its new SELF_TEST_SHA256"
	@echo "make plugin-example   the README's plug-in example: a second report (REPORT_MD) from the same runs"
	@echo "make readme    paste the latest generated tables into README.md"
	@echo "make clean     remove what the project wrote in RESULTS;  make distclean: also the venv and the data"

# ---------------------------------------------------------------- set-up and data
$(VENV_READY): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Dask, for runs on a cluster: optional for users, installed by `make test` so that its tests run.
DASK_READY := $(VENV)/.dask-installed
$(DASK_READY): requirements-dask.txt $(VENV_READY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dask.txt
	touch $@

.PHONY: venv data test
venv: $(VENV_READY)

# Verifies the cached download and the converted arrays, repairing either, every time it runs.
data: | $(VENV_READY)
	$(PY) -m data

# Across every core (pytest-xdist): a worker that runs out of tests takes over those still queued on another.
test: $(VENV_READY) $(DASK_READY)
	$(PY) -m pytest -n auto --dist worksteal

# ---------------------------------------------------------------- report and chapter
# $(call quote,TEXT): TEXT as one shell word. Settings are passed unexpanded ($(value ...)), as typed,
# so a `$(shell ...)` in one is text for Python to refuse, never a command make runs.
quote = '$(subst ','\'',$(1))'
# $(1): the seeds variable of the request (SEEDS or CHAPTER_SEEDS)
settings = --seeds=$(call quote,$(value $(1))) --seeds-variable=$(1) --only=$(call quote,$(value ONLY)) \
	--extra=$(call quote,$(value EXTRA)) --jobs=$(call quote,$(value JOBS)) --results=$(call quote,$(value RESULTS)) \
	--out=$(call quote,$(value REPORT_MD)) --scheduler=$(call quote,$(value DASK_SCHEDULER)) \
	$(if $(strip $(value QUIET)),--quiet) $(if $(strip $(value VERBOSE)),--verbose) \
	$(if $(strip $(value RETRY)),--retry-failed)
# A setting with a line break would split the command in two: refused here, in one line.
define newline


endef
one_line = $(foreach v,$(SETTINGS),$(if $(findstring $(newline),$(value $(v))),$(error $(v) holds a line break; give it on one line)))
# Under `make -n` the runner is still run (the + below), with --dry-run: it lists what would be
# computed and writes no result (it builds the network's C library if it is not built yet: the names
# of the network's runs depend on whether it builds). (The first word of MAKEFLAGS holds make's
# one-letter flags, when there are any; a long option such as --no-builtin-rules may come first
# instead, and is not one.)
dry_run = $(if $(findstring n,$(filter-out --%,$(firstword -$(MAKEFLAGS)))),--dry-run)
# Dask is installed (once) when a request names a scheduler.
dask = $(if $(strip $(value DASK_SCHEDULER)),$(DASK_READY))
results_dir = $(call quote,$(value RESULTS))

.PHONY: report chapter
report: | $(VENV_READY) $(dask)
	+@$(one_line)$(PY) -m reports run report $(call settings,SEEDS) $(dry_run)

chapter: | $(VENV_READY) $(dask)
	+@$(one_line)$(PY) -m reports run chapter $(call settings,CHAPTER_SEEDS) $(dry_run)

# ---------------------------------------------------------------- benchmarks
# A measurement, not a cached result: it runs every time it is asked for (mostly the stock SVC's minutes).
.PHONY: bench
bench: | $(VENV_READY)
	$(PY) -m data --quiet
	$(PY) -m bench --out $(results_dir)/bench.md

# Paste the latest generated tables into README.md (a command for maintainers after a real run),
# and publish a copy of the reports (git-ignored in results/) under docs/results/ for readers online.
.PHONY: readme
readme: | $(VENV_READY)
	$(PY) -m reports.render.readme README.md
	rm -rf docs/results
	mkdir -p docs/results
	cd $(results_dir) && cp -r report.md runs.csv epochs.csv chapter1.md chapter-runs.csv chapter-epochs.csv bench.md figures $(call quote,$(CURDIR))/docs/results/

# The README's plug-in example, made by the very command the README shows: its own report, from the
# same runs (only the plug-ins are evaluated; the built-in classifiers' runs are reused). Ridge is a
# regressor and fails on purpose, to show a failure in the report: the command then exits 1.
.PHONY: plugin-example
plugin-example:
	$(MAKE) --no-print-directory report REPORT_MD=$(results_dir)/plugin-example/report.md \
		EXTRA='mlp=sklearn.neural_network:MLPClassifier hidden_layer_sizes=(100, 50) max_iter=20 random_state=0; ridge=sklearn.linear_model:Ridge'

# ---------------------------------------------------------------- housekeeping
.PHONY: clean distclean
# Removes only what the project wrote in RESULTS (each folder's manifest names it) and keeps the rest,
# saying what it left; refuses a RESULTS that is part of the project's source.
clean:
	$(PYTHON) -m reports.clean --results=$(call quote,$(value RESULTS))
	rm -f data/.*.tmp.*

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

# After a deliberate change of the network's arithmetic (network/compiled_epoch.c), the digest its
# self-test now gives, to be written into SELF_TEST_SHA256 in network/compiled_epoch.py; then
# `make crosscheck` shows that every build gives it.
.PHONY: self-test-digest
self-test-digest: | $(VENV_READY)
	$(PY) network/compiled_epoch.py digest
