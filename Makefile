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

.PHONY: run test setup deps bun semgrep mcp-servers chromium lint format bench clean

setup: deps bun semgrep mcp-servers

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

# Off-the-shelf MCP servers, each in an environment of its own under tools/mcp (never Vibe's
# venv, never fetched at run time); vibe/orchestrator/offshelf.py says why these versions.
MCP_TOOLS := tools/mcp
MCP_TREE_SITTER := $(MCP_TOOLS)/tree-sitter/.stamp
MCP_SEMGREP := $(MCP_TOOLS)/semgrep/.stamp
MCP_GITHUB := $(MCP_TOOLS)/github/.stamp

mcp-servers: $(MCP_TREE_SITTER) $(MCP_SEMGREP) $(MCP_GITHUB)

$(MCP_TREE_SITTER):
	@test -x $(MCP_TOOLS)/tree-sitter/bin/python || $(PYTHON) -m venv $(MCP_TOOLS)/tree-sitter
	$(MCP_TOOLS)/tree-sitter/bin/python -m pip install -q --upgrade pip
	$(MCP_TOOLS)/tree-sitter/bin/python -m pip install -q mcp-server-tree-sitter==0.7.0 \
		"mcp>=1.23,<2" tree-sitter-language-pack==0.13.0
	@touch $@

$(MCP_SEMGREP):
	@test -x $(MCP_TOOLS)/semgrep/bin/python || $(PYTHON) -m venv $(MCP_TOOLS)/semgrep
	$(MCP_TOOLS)/semgrep/bin/python -m pip install -q --upgrade pip
	$(MCP_TOOLS)/semgrep/bin/python -m pip install -q semgrep-mcp==0.8.1 "pydantic<2.12"
	@touch $@

$(MCP_GITHUB):
	@mkdir -p $(MCP_TOOLS)/github
	npm install --prefix $(MCP_TOOLS)/github --no-audit --no-fund --loglevel=error \
		github-enterprise-mcp-server@1.1.2 @modelcontextprotocol/server-github@2025.4.8
	@touch $@

chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: setup
	$(PY) -m vibe.cli serve

test: setup chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# Unit and integration tests on two workers, then the browser tests on their own: the real
	@# app they start must not share the machine's two cores with the rest of the suite.
	@$(PY) -m pytest -n 2 --ignore=tests/e2e; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the test setup is broken"; exit 1; fi; \
	$(PY) -m pytest tests/e2e; rc2=$$?; \
	if [ $$rc2 -eq 5 ]; then echo "pytest collected no e2e tests: the test setup is broken"; exit 1; fi; \
	[ $$rc -eq 0 ] && [ $$rc2 -eq 0 ]

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
