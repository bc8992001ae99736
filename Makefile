# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format migrate venv clean frontend types

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

## The seller app (frontend/, docs/frontend.md): npm ci when the lock file changed, a Vite build into static/app/
## when a source changed (static/app/index.html is the build's stamp).
FRONTEND_DEPS := frontend/node_modules/.installed
FRONTEND_BUILD := static/app/index.html
FRONTEND_SRC := $(shell find frontend/src -type f ! -name '*.test.*' 2>/dev/null) frontend/index.html \
	frontend/vite.config.ts frontend/tsconfig.json frontend/package.json

$(FRONTEND_DEPS): frontend/package-lock.json
	@command -v npm >/dev/null || { echo "make: Node.js 20+ with npm is needed for the seller app (https://nodejs.org)"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(FRONTEND_BUILD): $(FRONTEND_DEPS) $(FRONTEND_SRC)
	cd frontend && npm run --silent build -- --logLevel warn
	touch $@

frontend: $(FRONTEND_BUILD)

## make types: regenerate the typed API client's types from the OpenAPI schema (tests/frontend checks they are current)
types: $(STAMP) $(FRONTEND_DEPS)
	mkdir -p var
	# Always on SQLite: model integer ranges in the schema depend on the database (tests/frontend/test_types.py).
	DATABASE_URL=sqlite:///:memory: REDIS_URL= $(BIN)/python manage.py spectacular --file var/openapi.yaml
	cd frontend && node_modules/.bin/openapi-typescript ../var/openapi.yaml -o src/api/schema.d.ts

## make run: the whole product on embedded defaults (SQLite, no Redis, sandbox marketplace, no LLM key)
## on 127.0.0.1:8000 (WEB_PORT=8001 make run for another port)
run: export MARKETPLACE_SANDBOX ?= true
run: $(STAMP) $(FRONTEND_BUILD)
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_schedules
	$(BIN)/python manage.py bootstrap_demo
	$(BIN)/honcho -f Procfile start

## make test: every test (Python, the app's Vitest tests, browser tests). SQLite by default; Postgres and Redis when DATABASE_URL / REDIS_URL point at them
test: $(STAMP) $(FRONTEND_BUILD)
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(STAMP)
	$(BIN)/python manage.py migrate

clean:
	rm -rf $(VENV) var/*.sqlite3 var/broker var/broker-processed frontend/node_modules static/app
