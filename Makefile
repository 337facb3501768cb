# The project's interface: `make check STACK=<stack> [JSON=file]`, `make test`, `make bench`,
# `make diff STACK=<stack> BASE=<ref>`, `make run-local STACK=<stack> [PIPELINE=<name>]
# [FILE=<path>]` (STACK defaults to dev). Environments come from uv.lock through uv (PyPI only).
PYTHON ?= python3
STACK ?= dev
JSON ?=
VENV := .venv
PY := $(VENV)/bin/python
# uv on PATH, else a private copy installed from PyPI into .tools/ on first use.
UV_VERSION := 0.13.9
UV ?= $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
# The interpreter comes from the machine (Python 3.11+), never downloaded by uv.
export UV_PYTHON ?= $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
# Python caches compiled modules; a machine that turns that off would recompile pulumi_aws's
# modules (about 2 s) on every run.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: check test lint typecheck unit bench clean diff locks run-local

.tools/bin/uv:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target .tools uv==$(UV_VERSION)

# `make check` needs only the program and the policy pack's runtime (uv's default groups, what
# `pulumi install` installs); `make test` and `make bench` add every group. `--inexact` keeps
# a fuller environment that is already there.
$(VENV)/.check: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --inexact --quiet
	touch $@

$(VENV)/.local: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --inexact --quiet --group local
	touch $@

$(VENV)/.all: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --all-groups --quiet
	touch $@ $(VENV)/.check $(VENV)/.local

# Node tools of the test suite (asl-validator), from npm at the versions in the package lock.
NODE_TOOLS := tools/node
$(NODE_TOOLS)/node_modules/.installed: $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	npm ci --prefix $(NODE_TOOLS) --no-audit --no-fund --silent
	touch $@

## Run the program offline (Pulumi mocks, no CLI, no AWS) for STACK and summarise it.
check: $(VENV)/.check
	$(PY) -m offline.check --stack $(STACK) $(if $(JSON),--json $(JSON))

## Declared-state diff of STACK: the working tree against git ref BASE (offline, not live state).
diff: $(VENV)/.check
	$(if $(BASE),,$(error BASE is required: make diff STACK=<stack> BASE=<git ref>))
	$(PY) -m offline.diff --stack $(STACK) --base $(BASE) $(if $(OUT),--out $(OUT))

## Run STACK's pipelines (or PIPELINE) end to end on emulated AWS, landing FILE or a sample.
run-local: $(VENV)/.local
	$(PY) -m pipeline_run.local --stack $(STACK) $(if $(PIPELINE),--pipeline $(PIPELINE)) \
		$(if $(FILE),--file $(FILE)) $(if $(JSON),--json $(JSON)) $(if $(VERBOSE),--verbose)

## Lint, format check, static types and the test suite.
test: lint typecheck unit

## The lock files match pyproject.toml (the program's and the policy pack's).
locks: | $(UV)
	$(UV) lock --check --quiet
	$(UV) lock --check --quiet --project policies

lint: $(VENV)/.all locks
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.all
	$(VENV)/bin/mypy .

unit: $(VENV)/.all $(NODE_TOOLS)/node_modules/.installed
	$(PY) -m pytest

## Print wall-time figures of the offline check.
bench: $(VENV)/.all
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache policies/.venv $(NODE_TOOLS)/node_modules
