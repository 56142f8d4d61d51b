# engage: `make run` to try it, `make test` to check it. Both set themselves up.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run test lint setup scheduler clean-db help

help:
	@echo "make run    - set up and serve engage on http://$(HOST):$(PORT) (SQLite in instance/)"
	@echo "make test   - set up and run the whole test suite"
	@echo "make lint   - unused code and imports (ruff, vulture; settings in pyproject.toml)"

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "engage needs Python 3.11 or newer (python3.11+ on PATH)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)
	$(BIN)/flask --app wsgi engage setup

run: setup
	@echo "engage on http://$(HOST):$(PORT) — stop with Ctrl-C"
	$(BIN)/flask --app wsgi engage serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	@if command -v node >/dev/null 2>&1 && [ ! -d tests/js/node_modules ]; then \
	  npm install --prefix tests/js --no-audit --no-fund; fi
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Unused imports, variables and arguments (ruff), then unused functions, properties and attributes
# (vulture, with vulture_whitelist.py for names only templates, libraries or tests use). Further
# checks (import layering) add their line here.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/vulture

clean-db:
	rm -f instance/engage.sqlite
