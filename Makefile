# odmd-bdd — `make bdd` runs the features, `make test` the static gate, the dataset check, the engine's own tests and the features.
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

.PHONY: corpus setup browser bdd test static check engine-tests features reliability local-enver clean node-setup bench-node-setup report ci ci-tests bench screenshots

# Set-up says what it installs and how long it took (from the start of this make).
SETUP_START := $(shell date +%s)
took = $$(( $$(date +%s) - $(SETUP_START) ))s

setup: $(STAMP) browser
	@echo "odmd-bdd setup: ready ($(VENV), the package and its tools; $(took) in all)"

# The GUI layer's Chromium: $CHROMIUM_PATH, an installed one, Playwright's own, else (as root)
# apt-get install chromium. Found once here so a test run never starts with an install.
# Without one, set-up still succeeds and says so: the API layer runs (pytest features/ --layer api).
browser: $(STAMP)
	@$(BIN)/odmd-bdd browser || echo "odmd-bdd: set-up goes on without a browser: the GUI layer cannot run until one is found" >&2

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "odmd-bdd needs Python 3.11 or newer on PATH (Debian/Ubuntu: apt-get install python3 python3-venv)" >&2; exit 1; }
	@echo "odmd-bdd setup: a venv at $(VENV) with $(PYTHON) ($$($(PYTHON) --version 2>&1))"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); \
	  else echo "cannot create a venv: install python3-venv (sudo apt-get install python3-venv)" >&2; exit 1; fi; }
	@echo "odmd-bdd setup: pip: the latest pip, then odmd-bdd (editable; pytest, pytest-bdd, Playwright, allure-pytest-bdd, moto, …) and its dev extra (ruff, mypy, import-linter, schemathesis, …): a few minutes the first time"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@
	@echo "odmd-bdd setup: the package is installed ($(took))"

bdd: setup
	$(PYTEST) features/

# node-setup: tests/test_report_html.py renders a report with Allure 3 and reads it in Chromium.
engine-tests: setup node-setup bench-node-setup
	$(PYTEST) tests/ -m "not slow" --odmd-progress --junitxml=reports/junit-engine.xml

features: setup
	$(PYTEST) features/

# The platform's consistency check: examples against artifacts, shared IDs, use-case coverage.
check: setup
	$(BIN)/odmd-bdd check

# The static gate: lint and format (ruff), types (mypy, files from pyproject.toml), the rooms'
# layering (lint-imports, the contracts in pyproject.toml). No browser needed.
STATIC_PATHS := src tests steps bench conftest.py
static: $(STAMP)
	$(BIN)/ruff check $(STATIC_PATHS)
	$(BIN)/ruff format --check $(STATIC_PATHS)
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo

test: static check engine-tests features

# Every fault of the catalog in a real run (several minutes); regenerates docs/RELIABILITY.md.
# make test runs the representative subset (tests/test_reliability.py); then the generated mutants
# (odmd-bdd mutate: all on the API layer, 3 per class on the GUI layer) add their score to the same file.
reliability: setup
	$(BIN)/odmd-bdd reliability --flakiness 10 --out docs/RELIABILITY.md
	$(BIN)/odmd-bdd mutate --gui-per-class 3 --out docs/RELIABILITY.md

# The conformance corpus: every OpenAPI 3.x JSON document of npm @readme/oas-examples loaded, served,
# checked and fuzzed; regenerates docs/CONTRACTS.md (a few minutes).
corpus: setup node-setup
	$(BIN)/odmd-bdd corpus --out docs/CONTRACTS.md

# Allure 3 from npm into node_modules/ (package-lock.json), never globally.
node-setup: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "the HTML report needs Node.js 20+ and npm (Debian/Ubuntu: apt-get install nodejs npm)" >&2; exit 1; }
	@echo "odmd-bdd setup: npm ci: Allure 3 (package-lock.json) into node_modules/ …"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@
	@echo "odmd-bdd setup: Allure 3 is installed ($(took))"

# The bench's npm packages into bench/node_modules/ (bench/package-lock.json): Stoplight Prism and the
# playwright-bdd peer (bench/peers/); tests/test_bench.py runs the peers too.
bench-node-setup: bench/node_modules/.package-lock.json

bench/node_modules/.package-lock.json: bench/package.json bench/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "the bench's peers need Node.js 20+ and npm (Debian/Ubuntu: apt-get install nodejs npm)" >&2; exit 1; }
	@echo "odmd-bdd setup: npm ci --prefix bench: Stoplight Prism, playwright-bdd and @playwright/test (never a browser download) …"
	@PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix bench --no-audit --no-fund --loglevel=error
	@touch $@
	@echo "odmd-bdd setup: the bench's npm packages are installed ($(took))"

# The HTML report (reports/allure-report/index.html) and reports/summary.md of the last run.
report: setup node-setup
	bash ci/run-bdd.sh --no-setup --report-only

# The README's screenshots (docs/screenshots/*.png) from a real run with one planted failure:
# its terminal and its HTML report, rendered in headless Chromium (src/odmd_bdd/tools/report_view.py).
screenshots: setup node-setup
	$(BIN)/python -m odmd_bdd.tools.report_view --out docs/screenshots

# What CI runs: the features, then the HTML report, JUnit and the summary. ARGS go to pytest.
ci: setup node-setup
	bash ci/run-bdd.sh --no-setup $(ARGS)

# The CI tooling's end-to-end tests (a few minutes): the script run, serial vs -n 2, the remote browser.
ci-tests: setup node-setup
	$(PYTEST) tests/ -m slow --odmd-progress --junitxml=reports/junit-ci-tests.xml

local-enver: setup
	$(BIN)/odmd-bdd local-enver

# Benchmarks, not tests (a few minutes; run it on a quiet machine): writes bench/results.json and
# docs/PERFORMANCE.md. Stoplight Prism comes from npm into bench/node_modules (never globally); the
# load generator is wrk (as root: apt-get install wrk), else a Python one (bench/loadgen.py).
bench: setup
	@$(MAKE) --no-print-directory bench-node-setup \
	  || echo "no bench/node_modules: the bench skips Stoplight Prism and the playwright-bdd peer"
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && apt-get install -y -qq wrk >/dev/null 2>&1; } || echo "no wrk: the bench's load comes from bench/loadgen.py"
	$(BIN)/python -m bench

clean:
	rm -rf reports/allure-results reports/allure-report reports/*.xml reports/summary.md reports/*.log reports/traces
