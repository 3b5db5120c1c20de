PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run demo test test-sqlite test-postgres lint lock lock-upgrade clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The exact versions of the lock, each checked against its hashes; then the project itself,
# built with the locked setuptools (no build isolation, so nothing unpinned is fetched).
$(VENV)/.installed: requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed
	$(BIN)/python manage.py compile_translations

# Serves on http://$(HOST):$(PORT). The demo data goes only into a database without any
# account (the first run); later runs keep everything as it was left.
run: export LOG_FORMAT = plain
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py load_demo --if-empty
	@echo ""
	@echo "  Web:      http://$(HOST):$(PORT)/"
	@echo "  API:      http://$(HOST):$(PORT)/api/v1/"
	@echo "  Swagger:  http://$(HOST):$(PORT)/api/docs/"
	@echo "  Admin:    http://$(HOST):$(PORT)/admin/"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Adds what is missing of the demo data to any database; changes nothing that exists.
demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint test-sqlite test-postgres

test-sqlite: install
	$(BIN)/python -m pytest

# The whole suite again on a throwaway PostgreSQL cluster (skipped without PostgreSQL unless CI=true).
test-postgres: install
	$(BIN)/python -m tests.support.postgres -- $(BIN)/python -m pytest

# The lock (requirements-dev.txt: everything `make install` puts in .venv; requirements.txt:
# what the image runs, the same versions) from pyproject.toml, for this Python (3.11).
# Resolved from the package index alone: this machine's pip configuration (local wheel
# folders, extra indexes, constraints) stays out of it. Current pins are kept where they
# still fit; `make lock-upgrade` takes the newest versions the ranges allow.
PIP_COMPILE = env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL -u PIP_CONSTRAINT \
	CUSTOM_COMPILE_COMMAND="make lock" \
	PIP_CONFIG_FILE=/dev/null $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --all-build-deps --no-emit-index-url --no-emit-find-links

lock: | $(VENV)/.installed
	$(PIP_COMPILE) $(LOCK_FLAGS) --extra dev --output-file requirements-dev.txt pyproject.toml
	$(PIP_COMPILE) --upgrade --constraint requirements-dev.txt --output-file requirements.txt pyproject.toml

lock-upgrade: LOCK_FLAGS = --upgrade
lock-upgrade: lock

clean:
	rm -rf $(VENV) staticfiles
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
