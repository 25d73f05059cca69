# 幸福警营 — officer welfare system. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= city

.DEFAULT_GOAL := help
.PHONY: help install run test lint format bench messages clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

install: $(STAMP) $(NPM_STAMP) locale/zh_Hans/LC_MESSAGES/django.mo  ## Create .venv and install Python and front-end dependencies

run: install  ## Migrate, seed demo data if empty, start web + Celery worker + beat (Ctrl-C stops all)
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo --scale $(SCALE) --if-empty
	HOST=$(HOST) $(VENV)/bin/honcho -f Procfile.dev start --port $(PORT)

test: install  ## Run the whole test suite
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install  ## ruff lint + format check, migrations check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run -v 0

format: install  ## Apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install  ## Run the benchmarks in bench/ (needs PostgreSQL; prints ratios to same-run baselines)
	$(PY) bench/run.py

messages: install  ## Extract translatable strings into locale/zh_Hans (then translate and commit the .po)
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=var --ignore=tests --ignore=bench --no-obsolete

clean:  ## Remove the virtualenv, node_modules and var/ (database, broker files, screenshots)
	rm -rf $(VENV) node_modules var
