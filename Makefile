# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test lint typecheck unit install bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/litestar-workflows dev

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The task UI's browser tests drive Debian's Chromium (Playwright never downloads a browser).
CHROMIUM ?= /usr/bin/chromium

unit: $(STAMP)
	@test -x $(CHROMIUM) || echo "NOTE: $(CHROMIUM) is missing, so the browser tests of the task UI (tests/ui) are SKIPPED. Install it with: sudo apt-get install -y chromium"
	$(BIN)/pytest -q

test: lint typecheck unit

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# The schema fuzzers with 200 cases per operation and sign (make test runs 12).
fuzz: $(STAMP)
	FUZZ_EXAMPLES=200 $(BIN)/pytest -q tests/api/test_fuzz_local.py tests/api/test_fuzz_temporal.py

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
