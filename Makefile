# Vibe: `make run` serves the app, `make test` runs the whole suite. Both bootstrap everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BUN_VERSION := 1.4.4
BUN_DIR := tools/bun
BUN := $(BUN_DIR)/node_modules/.bin/bun
export PATH := $(CURDIR)/$(BUN_DIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test setup deps bun semgrep chromium lint format bench clean

setup: deps bun semgrep

deps: $(VENV)/.deps-stamp

$(VENV)/.deps-stamp: requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	@touch $@

# Reflex needs Node >= 22 for its own npm path; with an older Node we give it bun from npm.
bun: $(BUN)

$(BUN):
	@mkdir -p $(BUN_DIR)
	npm install --prefix $(BUN_DIR) --no-audit --no-fund --loglevel=error bun@$(BUN_VERSION)
	@$(BUN) --version >/dev/null

# Semgrep pins its own (older) MCP SDK, so it lives in a virtualenv of its own, never Vibe's.
SEMGREP_VERSION := 1.185.0
SEMGREP := tools/semgrep/bin/semgrep

semgrep: $(SEMGREP)

$(SEMGREP):
	@test -x tools/semgrep/bin/python || $(PYTHON) -m venv tools/semgrep
	tools/semgrep/bin/python -m pip install -q --upgrade pip
	tools/semgrep/bin/python -m pip install -q semgrep==$(SEMGREP_VERSION)
	@$(SEMGREP) --version >/dev/null

chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: setup
	$(PY) -m vibe.cli serve

test: setup chromium
	@$(PY) -m pytest -n 2 --dist loadgroup; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the test setup is broken"; exit 1; fi; \
	exit $$rc

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: deps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup
	$(PY) bench/graph_index.py
	$(PY) bench/graph_accuracy.py

clean:
	rm -rf .web .states data/test-*
