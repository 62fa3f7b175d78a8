# The orchestrator: every target below that is not .PHONY is a real file, remade only when its
# inputs (data, code, settings) change. `make help` lists the commands.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules
.SUFFIXES:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# A stamp inside the venv: the venv is rebuilt when requirements.txt changes.
VENV_READY := $(VENV)/.requirements-installed
DATA := data/mnist.npz

.PHONY: help
help:
	@echo "make data     fetch and verify the book's MNIST (data/mnist.npz)"
	@echo "make test     run the test suite (offline tests, plus real-data tests once data exists)"
	@echo "make clean    remove generated results;  make distclean: also the venv and the data"

$(VENV_READY): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

.PHONY: venv data test clean distclean
venv: $(VENV_READY)

$(DATA): data/mnist.py data/sources.py data/files.py data/__main__.py | $(VENV_READY)
	$(PY) -m data

# `make data` always re-verifies the cached download, so a corrupted file is found and replaced.
data: $(VENV_READY)
	$(PY) -m data

test: $(VENV_READY)
	$(PY) -m pytest

clean:
	rm -rf results

distclean: clean
	rm -rf $(VENV) data/mnist.pkl.gz data/mnist.pkl.gz.bad data/mnist.npz data/mnist.npz.bad
