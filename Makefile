PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-sqlite test-postgres lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
	$(BIN)/python manage.py compile_translations

run: export LOG_FORMAT = plain
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "  API:      http://$(HOST):$(PORT)/api/v1/"
	@echo "  Swagger:  http://$(HOST):$(PORT)/api/docs/"
	@echo "  Admin:    http://$(HOST):$(PORT)/admin/"
	@echo ""
	SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false \
	SECURE_HSTS_SECONDS=0 $(BIN)/python manage.py runserver $(HOST):$(PORT)

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

clean:
	rm -rf $(VENV) staticfiles
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
