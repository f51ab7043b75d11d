# The README's two commands are `make run` and `make test`; everything else here serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint types pytest setup clean bench bench-demo models

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/percorsi init
	$(BIN)/percorsi seed
	$(BIN)/percorsi deploy --bundled
	$(BIN)/percorsi demo --if-empty

models: $(STAMP)
	$(BIN)/python -m tools.build_models

run: setup
	$(BIN)/percorsi serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

test: lint types pytest

bench: $(STAMP)
	$(BIN)/python bench/engine.py

bench-demo: $(STAMP)
	$(BIN)/python -m bench.demo 500

clean:
	rm -rf $(VENV) instance .mypy_cache .ruff_cache .pytest_cache
