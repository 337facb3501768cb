# The project's interface: `make check STACK=<stack> [JSON=file]`, `make test`, `make bench`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACK ?= dev
JSON ?=

.PHONY: check test lint typecheck unit bench clean diff

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## Run the program offline (Pulumi mocks, no CLI, no AWS) for STACK and summarise it.
check: $(VENV)/.installed
	$(PY) -m offline.check --stack $(STACK) $(if $(JSON),--json $(JSON))

## Declared-state diff of STACK: the working tree against git ref BASE (offline, not live state).
diff: $(VENV)/.installed
	$(if $(BASE),,$(error BASE is required: make diff STACK=<stack> BASE=<git ref>))
	$(PY) -m offline.diff --stack $(STACK) --base $(BASE) $(if $(OUT),--out $(OUT))

## Lint, format check, static types and the test suite.
test: lint typecheck unit

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy .

unit: $(VENV)/.installed
	$(PY) -m pytest

## Print wall-time figures of the offline check.
bench: $(VENV)/.installed
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
