# The orchestrator. Every target that is not .PHONY is a real file, remade only when its inputs (data,
# code, settings) change: a second `make report` recomputes nothing. `make help` lists the commands.
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
# Jobs for `make report` and `make chapter`: every core, unless the command line says otherwise.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)

# Seeds of each stochastic classifier: SEEDS for the report, CHAPTER_SEEDS for `make chapter`.
SEEDS ?= 5
CHAPTER_SEEDS ?= 10
# A plug-in, or several separated by ';':  make report EXTRA='knn=sklearn.neighbors:KNeighborsClassifier n_neighbors=3'
EXTRA ?=

# The classifiers, as named in reports/chapter1.py (tests/test_makefile.py checks the two agree).
STOCHASTIC := random network network-100 network-100-slow network-eta100
REPORT := random darkness svc-book svc-modern network
CHAPTER := random darkness svc-book network network-100 network-100-slow network-eta100 svc-tuned

.PHONY: help
help:
	@echo "make report    evaluate the chapter's classifiers (+ EXTRA plug-ins) -> $(RESULTS)/report.md"
	@echo "make chapter   every experiment of chapter 1 over $(CHAPTER_SEEDS) seeds -> $(RESULTS)/chapter1.md"
	@echo "make test      the test suite (offline; the real-data tests run once data exists)"
	@echo "make data      fetch and verify the book's MNIST -> $(DATA)"
	@echo "make bench     measure the network, the SVC backends and make report -> $(RESULTS)/bench.md"
	@echo "make readme    paste the latest generated tables into README.md"
	@echo "make clean     remove $(RESULTS)/;  make distclean: also the venv and the data"

# ---------------------------------------------------------------- set-up and data
$(VENV_READY): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Made once; its content is pinned by its SHA-256, checked whenever it is loaded.
$(DATA): | $(VENV_READY)
	$(PY) -m data

# Dask, for sweeps on a cluster: optional for users, installed by `make test` so that its tests run.
DASK_READY := $(VENV)/.dask-installed
$(DASK_READY): requirements-dask.txt $(VENV_READY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dask.txt
	touch $@

.PHONY: venv data test
venv: $(VENV_READY)

# Always re-verifies the cached download, so a corrupted file is found and replaced.
data: $(VENV_READY)
	$(PY) -m data

test: $(VENV_READY) $(DASK_READY)
	$(PY) -m pytest

# ---------------------------------------------------------------- one file per (classifier, seed)
seeds_of = $(if $(filter $(1),$(STOCHASTIC)),$(shell seq 0 $$(($(2) - 1))),0)
runs_of = $(foreach seed,$(call seeds_of,$(1),$(2)),$(RESULTS)/runs/$(1)/seed-$(seed).json)

EVALUATE_CODE := $(DATA) reports/evaluate.py reports/registry.py \
                 reports/results.py reports/stats.py reports/chapter1.py
CODE_random := baselines/random_guess.py
CODE_darkness := baselines/darkness.py
CODE_svc := baselines/svm.py
CODE_network := network/network.py network/classifier.py

# $(1): classifier, $(2): the code that computes it
define run_rule
$(RESULTS)/runs/$(1)/seed-%.json: $(EVALUATE_CODE) $(2) | $(VENV_READY)
	$(PY) -m reports evaluate $(1) --seed $$* --results $(RESULTS)
endef
$(foreach name,random darkness,$(eval $(call run_rule,$(name),$(CODE_$(name)))))
$(foreach name,svc-book svc-modern svc-tuned,$(eval $(call run_rule,$(name),$(CODE_svc))))
$(foreach name,network network-100 network-100-slow network-eta100,$(eval $(call run_rule,$(name),$(CODE_network))))

# A classifier's record collects its runs. $(1): record file, $(2): classifier, $(3): seeds
define record_rule
$(1): $(call runs_of,$(2),$(3)) reports/results.py
	$(PY) -m reports collect $(2) $(call runs_of,$(2),$(3)) --out $$@
endef
$(foreach name,$(REPORT),$(eval $(call record_rule,$(RESULTS)/$(name).json,$(name),$(SEEDS))))
$(foreach name,$(CHAPTER),$(eval $(call record_rule,$(RESULTS)/chapter1/$(name).json,$(name),$(CHAPTER_SEEDS))))

# ---------------------------------------------------------------- plug-ins named in EXTRA
# $(call write_if_changed,FILE,TEXT): rewrite FILE only when its text differs, so that a target can
# depend on a setting (a plug-in's spec, the list of classifiers in the report) through a real file.
write_if_changed = $(if $(subst $(2),,$(file <$(1)))$(subst $(file <$(1)),,$(2)),$(file >$(1),$(2)))
$(shell mkdir -p $(RESULTS))

# Entries are split on ';' with their inner spaces held as '^' meanwhile.
empty :=
space := $(empty) $(empty)
extra_words := $(subst ;, ,$(subst $(space),^,$(strip $(EXTRA))))
extra_text = $(strip $(subst ^, ,$(1)))
extra_name = $(firstword $(subst =, ,$(firstword $(call extra_text,$(1)))))
EXTRA_NAMES := $(foreach word,$(extra_words),$(call extra_name,$(word)))

# A plug-in is evaluated again exactly when its spec (results/NAME.spec), the data or the runner changes.
define extra_rule
$(call write_if_changed,$(RESULTS)/$(2).spec,$(1))
$(RESULTS)/$(2).json: $(RESULTS)/$(2).spec $(EVALUATE_CODE) | $(VENV_READY)
	$(PY) -m reports evaluate --spec-file $$< --seeds $(SEEDS) --collect $$@ --results $(RESULTS)
endef
$(foreach word,$(extra_words),$(eval $(call extra_rule,$(call extra_text,$(word)),$(call extra_name,$(word)))))

# ---------------------------------------------------------------- runs on a Dask cluster
# With DASK_SCHEDULER=tcp://host:8786, the run files that make would compute (listed by `make -n`) are
# computed on that cluster first; make then finds them up to date and only collects and renders.
# $(1): the run files wanted
DASK_SCHEDULER ?=
define dask_sweep
$(if $(strip $(DASK_SCHEDULER)),@$(MAKE) --no-print-directory $(DASK_READY) $(DATA)
	@echo "$(PY) -m reports.sweep --scheduler $(DASK_SCHEDULER) (the runs that make -n lists as out of date)"
	@$(MAKE) --no-print-directory -n $(1) | $(PY) -m reports.sweep --scheduler $(DASK_SCHEDULER) --results $(RESULTS))
endef

# ---------------------------------------------------------------- the report
REPORT_RECORDS := $(foreach name,$(REPORT) $(EXTRA_NAMES),$(RESULTS)/$(name).json)
RENDER_CODE := reports/render.py reports/figures.py reports/stats.py reports/chapter1.py
# Where the report goes; another REPORT_MD gives a second report from the same results (see plugin-example).
REPORT_MD := $(RESULTS)/report.md
REPORT_NAMES := $(REPORT_MD:.md=.names)
$(shell mkdir -p $(dir $(REPORT_MD)))
$(call write_if_changed,$(REPORT_NAMES),$(REPORT_RECORDS))
# The command a reader would type to make the same report, quoted for the shell.
shell_quote = '$(subst ','\'',$(1))'
REPORT_COMMAND := make report$(if $(strip $(EXTRA)), EXTRA='$(strip $(EXTRA))')

$(REPORT_MD): $(REPORT_RECORDS) $(REPORT_NAMES) $(RENDER_CODE) | $(VENV_READY)
	$(PY) -m reports render $(REPORT_RECORDS) --out $@ --figures $(dir $@)figures --command $(call shell_quote,$(REPORT_COMMAND))

.PHONY: report
report: | $(VENV_READY)
	$(call dask_sweep,$(foreach name,$(REPORT),$(call runs_of,$(name),$(SEEDS))))
	@$(MAKE) --no-print-directory -j$(JOBS) $(REPORT_MD)
	@echo "Report: $(REPORT_MD)"

# ---------------------------------------------------------------- chapter 1, reproduced
CHAPTER_RECORDS := $(foreach name,$(CHAPTER),$(RESULTS)/chapter1/$(name).json)

$(RESULTS)/chapter1.md: $(CHAPTER_RECORDS) $(RENDER_CODE) reports/render_chapter.py | $(VENV_READY)
	$(PY) -m reports render --chapter $(CHAPTER_RECORDS) --out $@ --figures $(RESULTS)/figures --command "make chapter"

.PHONY: chapter
chapter: | $(VENV_READY)
	$(call dask_sweep,$(foreach name,$(CHAPTER),$(call runs_of,$(name),$(CHAPTER_SEEDS))))
	@$(MAKE) --no-print-directory -j$(JOBS) $(RESULTS)/chapter1.md
	@echo "Chapter 1, reproduced: $(RESULTS)/chapter1.md"

# ---------------------------------------------------------------- benchmarks
# A measurement, not a cached result: it runs every time it is asked for (mostly the stock SVC's minutes).
.PHONY: bench
bench: $(DATA) | $(VENV_READY)
	$(PY) -m bench --out $(RESULTS)/bench.md

# Paste the latest generated tables into README.md (a command for maintainers after a real run),
.PHONY: readme
# and publish a copy of the reports (git-ignored in results/) under docs/results/ for readers online.
readme: | $(VENV_READY)
	$(PY) -m reports.readme README.md
	rm -rf docs/results
	mkdir -p docs/results
	cp -r $(RESULTS)/report.md $(RESULTS)/chapter1.md $(RESULTS)/bench.md $(RESULTS)/figures docs/results/

# The README's plug-in example, made by the very command the README shows: its own report, from the
# same results (only the plug-in is evaluated; the built-in classifiers' runs are reused).
.PHONY: plugin-example
plugin-example:
	$(MAKE) --no-print-directory report REPORT_MD=$(RESULTS)/plugin-example/report.md \
		EXTRA='knn=sklearn.neighbors:KNeighborsClassifier n_neighbors=3'


# ---------------------------------------------------------------- housekeeping
.PHONY: clean distclean
clean:
	rm -rf $(RESULTS)

distclean: clean
	rm -rf $(VENV) data/mnist.pkl.gz data/mnist.pkl.gz.bad data/mnist.npz data/mnist.npz.bad
