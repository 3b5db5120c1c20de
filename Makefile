PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run demo test test-sqlite test-postgres lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
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

test: lint test-sqlite test-postgres

test-sqlite: install
	$(BIN)/python -m pytest

# The whole suite again on a throwaway PostgreSQL cluster (skipped without PostgreSQL unless CI=true).
test-postgres: install
	$(BIN)/python -m tests.support.postgres -- $(BIN)/python -m pytest

clean:
	rm -rf $(VENV) staticfiles
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
