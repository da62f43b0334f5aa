# odmd-bdd — `make bdd` runs the features, `make test` the dataset check, the engine's own tests and the features.
# Both set up everything first (a venv at .venv, the package, a Chromium) and are idempotent.
SHELL := /bin/bash
.DEFAULT_GOAL := bdd

VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.odmd-installed
PYTEST  := $(BIN)/pytest
# The first Python 3.11+ on PATH.
PYTHON  ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
             command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
             && { command -v $$p; break; }; done)

.PHONY: setup bdd test check engine-tests features local-enver clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "odmd-bdd needs Python 3.11 or newer on PATH (Debian/Ubuntu: apt-get install python3 python3-venv)" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); \
	  else echo "cannot create a venv: install python3-venv (sudo apt-get install python3-venv)" >&2; exit 1; fi; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

bdd: setup
	$(PYTEST) features/

engine-tests: setup
	$(PYTEST) tests/ --junitxml=reports/junit-engine.xml

features: setup
	$(PYTEST) features/

# The platform's consistency check: examples against artifacts, shared IDs, use-case coverage.
check: setup
	$(BIN)/odmd-bdd check

test: check engine-tests features

local-enver: setup
	$(BIN)/odmd-bdd local-enver

clean:
	rm -rf reports/allure-results reports/*.xml reports/traces
