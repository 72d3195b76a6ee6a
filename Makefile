# Frota: the commands a newcomer runs. Only Python 3.11+ and make are needed on the machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)

.PHONY: install run test lint format test-compose bench bench-upload clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'  # the image's exact versions
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install  ## serve on :8000 with 4 workers (embedded PostgreSQL when DATABASE_URL is unset)
	$(BIN)/frota run

test: install  ## the whole suite against a real PostgreSQL (embedded unless TEST_DATABASE_URL)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install  ## ruff, and the import contracts of .importlinter
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

test-compose:  ## the Docker Compose stack end to end on a real engine (../shared/dockerlab)
	scripts/test_compose.sh

bench: install  ## read path vs a naive FastAPI+ORM app (wrk, 64 connections), results in bench/results/
	$(BIN)/python bench/run_bench.py $(BENCH_ARGS)

bench-upload: install  ## photo uploads/s (3.5 MB 12 MP JPEG, 8 clients, 4 workers) and a worker's peak RSS on 50 MB
	$(BIN)/python scripts/bench_upload.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
