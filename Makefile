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
# pytest-xdist: one worker per CPU ("logical"); each has its own SQLite files, PostgreSQL
# database and loopback ports. worksteal: idle workers take tests from busy ones, so the
# few long tests (real processes, browsers) do not leave one worker running alone at the end.
PYTEST_WORKERS ?= logical
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist worksteal

.PHONY: run test test-fast test-api-contract js-readers lint lint-imports setup scheduler clean-db help \
	i18n-extract i18n-update i18n-compile i18n-check screenshots-fr

help:
	@echo "make run       - set up and serve engage on http://$(HOST):$(PORT) (SQLite in instance/)"
	@echo "make test      - set up and run the whole test suite in parallel (what CI runs)"
	@echo "make test-fast - the same without the slow tests (real processes, large data) and the browser journeys"
	@echo "make test-api-contract - schemathesis against /api/v1/openapi.json on a real server (SQLite and PostgreSQL)"
	@echo "make lint      - unused code and imports (ruff, vulture), the packages' layer order (lint-imports)"
	@echo "make i18n-extract / i18n-update / i18n-compile - the message catalogues (engage/translations)"
	@echo "make i18n-check - no missing or fuzzy translation, .mo files compiled, declared templates wholly marked"
	@echo "make screenshots-fr - run the browser journeys with French-speaking staff; keep their pages in docs/screenshots/fr"

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

# tests/js's npm packages: ical.js (reads .ics files back) and axe-core (the e2e accessibility check);
# installed again when package.json is newer than the last install.
js-readers:
	@if command -v node >/dev/null 2>&1 && { [ ! -f tests/js/node_modules/.package-lock.json ] || \
	    [ tests/js/package.json -nt tests/js/node_modules/.package-lock.json ]; }; then \
	  npm install --prefix tests/js --no-audit --no-fund; fi

test: $(STAMP) js-readers
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

test-fast: $(STAMP) js-readers
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not slow and not e2e" $(PYTEST_ARGS)

# The API against its OpenAPI document: schemathesis, as staff and as an admin, on a threaded werkzeug
# server on loopback seeded with the demo data, on SQLite and on PostgreSQL (ENGAGE_CONTRACT_DATABASE_URL,
# dropped and made afresh). Bounded: a few examples per operation, 45 s per run, four runs. Not in `make test`.
CONTRACT_ARGS ?=
test-api-contract: $(STAMP)
	$(BIN)/python -m tests.api_contract $(CONTRACT_ARGS)

# Unused imports, variables and arguments (ruff), then unused functions, properties and attributes
# (vulture, with vulture_whitelist.py for names only templates, libraries or tests use). Further
# checks add their line here.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/vulture
	$(BIN)/lint-imports --no-cache

# The declared layer order of engage's packages ([tool.importlinter] in pyproject.toml, docs/architecture.md).
lint-imports: $(STAMP)
	$(BIN)/lint-imports --no-cache

# Languages (docs/architecture.md, "Languages"): the catalogues in engage/translations, kept with pybabel.
# After marking words: `make i18n-update` (extract, then merge into fr and es; changed words come back
# fuzzy), translate them in the .po files, `make i18n-compile`, and commit the .po and .mo files.
TRANSLATIONS := engage/translations
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --no-wrap --sort-by-file --project engage -o $(TRANSLATIONS)/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-wrap --ignore-obsolete

i18n-compile: $(STAMP)
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

# Fails on a missing, untranslated or fuzzy French entry (Spanish: the words recipients read), a .mo that
# is not its .po compiled, or an unmarked word in a template declared translated (tests/i18n_check.py).
i18n-check: $(STAMP)
	$(BIN)/python -m tests.i18n_check

# The three browser journeys with French-speaking staff (tests/e2e/test_journeys.py, "fr"): every page they
# check is wholly French; the desktop screenshots are kept in docs/screenshots/fr for review.
screenshots-fr: $(STAMP) js-readers
	$(BIN)/python -m pytest -q tests/e2e/test_journeys.py -k fr
	mkdir -p docs/screenshots/fr
	cp test-artifacts/e2e/*-fr-*-desktop.png docs/screenshots/fr/

clean-db:
	rm -f instance/engage.sqlite
