# Frota: the commands a newcomer runs. Python 3.11+ and make are needed on the machine; npm too for
# `make lint` and `make format` (Biome checks the panel's JavaScript).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
# The JavaScript tools (package.json, exact versions in package-lock.json) in ./node_modules.
NODE_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | cksum | cut -d' ' -f1)
BIOME  := node_modules/.bin/biome

.PHONY: install install-js run test lint format test-compose bench bench-upload clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'  # the image's exact versions
	rm -f $(VENV)/.installed-* && touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm > /dev/null || { echo "npm is needed for the panel's linter (apt-get install -y nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP)

install-js: $(NODE_STAMP)  ## Biome (the panel's JavaScript linter and formatter) from package-lock.json

run: install  ## serve on :8000 with 4 workers (embedded PostgreSQL when DATABASE_URL is unset)
	$(BIN)/frota run

test: install  ## the whole suite against a real PostgreSQL (embedded unless TEST_DATABASE_URL)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install install-js  ## ruff and the import contracts (.importlinter) over the Python; Biome over api/panel/static/js
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports
	$(BIOME) ci --error-on-warnings --colors=off

format: install install-js
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .
	$(BIOME) check --write

test-compose:  ## the Docker Compose stack end to end on a real engine (../shared/dockerlab)
	scripts/test_compose.sh

bench: install  ## read path vs a naive FastAPI+ORM app (wrk, 64 connections), results in bench/results/
	$(BIN)/python bench/run_bench.py $(BENCH_ARGS)

bench-upload: install  ## photo uploads/s (3.5 MB 12 MP JPEG, 8 clients, 4 workers) and a worker's peak RSS on 50 MB
	$(BIN)/python scripts/bench_upload.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache build *.egg-info
