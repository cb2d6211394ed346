# Every target sets itself up: a fresh machine needs only python3 (3.11+).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test quick lint typecheck codegen check-codegen unit bench fuzz interop clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "aiobizstim needs Python 3.11+, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bizstim demo

test: lint typecheck check-codegen unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

codegen: $(STAMP)
	$(BIN)/python codegen/generate.py

check-codegen: $(STAMP)
	$(BIN)/python codegen/generate.py --check

# The whole suite under coverage (settings and the floor in pyproject.toml's [tool.coverage.*]), on every
# core (pytest-xdist: 2 workers took 185 s where one took 269 s on a 2-core machine).
unit: $(STAMP)
	$(BIN)/python -m coverage erase
	$(BIN)/python -m coverage run -m pytest -q -n auto
	$(BIN)/python -m coverage combine --quiet
	$(BIN)/python -m coverage report

# The fast inner loop (under 10 s): unit and model tests only, no coverage.
quick: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit tests/models

bench: $(STAMP)
	$(BIN)/python -m tests.benchmarks

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/fuzz

# Real Singer targets, Meltano and dlt against FakeBizstim; one venv per peer under .interop/ (README:
# "Load into a warehouse"). Not part of `test`.
interop: $(STAMP)
	$(BIN)/python -m tests.interop

clean:
	rm -rf $(VENV) .interop build dist .mypy_cache .ruff_cache .coverage .coverage.*
