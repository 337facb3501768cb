# The project's interface: `make check STACK=<stack> [JSON=file] [REPORT=file.sarif|.json]`,
# `make test`, `make bench`, `make diff STACK=<stack> BASE=<ref>`, `make run-local
# STACK=<stack> [PIPELINE=<name>] [FILE=<path>[,<path>...]|<folder>]` (STACK defaults to dev),
# `make new-stack STACK=<stack>`, `make docs`; with the Pulumi CLI and AWS credentials `make
# doctor`, `make deploy` and `make destroy STACK=<stack>`, and for held-back data `make release`,
# `make replay`, `make backfill STACK=<stack> PIPELINE=<name> ...`.
# Environments come from uv.lock through uv.
PYTHON ?= python3
STACK ?= dev
JSON ?=
REPORT ?=
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

.PHONY: check test lint typecheck unit bench clean diff locks run-local doctor deploy destroy \
	new-stack docs release replay backfill urn-pins help

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

# The operator's commands read the AWS account with boto3, on top of the program.
$(VENV)/.deploy: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --inexact --quiet --group deploy
	touch $@

$(VENV)/.all: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --all-groups --quiet
	touch $@ $(VENV)/.check $(VENV)/.local $(VENV)/.deploy

# The policy pack's own environment, policies/.venv from policies/uv.lock: PulumiPolicy.yaml runs
# the pack in it when `pulumi preview --policy-pack policies` starts it.
POLICY_ENV := policies/.venv/.synced
$(POLICY_ENV): policies/pyproject.toml policies/uv.lock | $(UV)
	$(UV) sync --locked --quiet --project policies
	touch $@

# A flag from a variable given on the command line, never from one the shell exports.
flag = $(if $(filter command line,$(origin $(1))),$(2) $($(1)))
switch = $(if $(filter command line,$(origin $(1))),$(if $($(1)),$(2)))
# STACK named on the command line, for the targets that destroy or write.
need_stack = $(if $(filter command line,$(origin STACK)),,$(error STACK is required: make $(1) STACK=<stack>))

# Node tools of the test suite (asl-validator), from npm at the versions in the package lock.
NODE_TOOLS := tools/node
$(NODE_TOOLS)/node_modules/.installed: $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	npm ci --prefix $(NODE_TOOLS) --no-audit --no-fund --silent
	touch $@

## Run the program offline (Pulumi mocks, no CLI, no AWS) for STACK and summarise it; JSON= writes
## the captured resources, REPORT= the findings (FILE.json, or FILE.sarif for code scanning).
check: $(VENV)/.check
	$(PY) -m offline.check --stack $(STACK) $(if $(JSON),--json $(JSON)) \
		$(if $(REPORT),--report $(REPORT))

## Declared-state diff of STACK: the working tree against git ref BASE (offline, not live state).
diff: $(VENV)/.check
	$(if $(BASE),,$(error BASE is required: make diff STACK=<stack> BASE=<git ref>))
	$(PY) -m offline.diff --stack $(STACK) --base $(BASE) $(if $(OUT),--out $(OUT))

## Run STACK's pipelines (or PIPELINE) end to end on emulated AWS, landing FILE(s) or a sample.
run-local: $(VENV)/.local
	$(PY) -m pipeline_run.local --stack $(STACK) $(if $(PIPELINE),--pipeline $(PIPELINE)) \
		$(if $(FILE),--file $(FILE)) $(if $(JSON),--json $(JSON)) $(if $(VERBOSE),--verbose)

# The deployed stack's names come from `pulumi stack output --json`, or from the file OUTPUTS.
recover = $(PY) -m pipeline_run.recover $(1) --stack $(STACK) \
	$(if $(PIPELINE),--pipeline $(PIPELINE),$(error PIPELINE is required: make $(1) STACK=<stack> PIPELINE=<name>)) \
	$(if $(OUTPUTS),--outputs $(OUTPUTS)) $(if $(JSON),--json $(JSON))

## Load a batch its batch rules held back: PIPELINE, and RUN=<run id> when several are held.
release: $(VENV)/.deploy
	$(call need_stack,release)
	$(call recover,release) $(if $(RUN),--run $(RUN))

## Put a quarantined file (FILE=quarantine/...) or a dead-lettered manifest (MANIFEST=<run id>) through again.
replay: $(VENV)/.deploy
	$(call need_stack,replay)
	$(call recover,replay) $(if $(FILE),--file $(FILE)) $(if $(MANIFEST),--manifest $(MANIFEST))

## Land every file under PREFIX (of the raw bucket, or s3://bucket/folder/) in PIPELINE's prefix.
backfill: $(VENV)/.deploy
	$(call need_stack,backfill)
	$(call recover,backfill) --prefix $(or $(PREFIX),$(error PREFIX is required: make backfill STACK=<stack> PIPELINE=<name> PREFIX=<folder>/))

## Check every prerequisite of deploying STACK with the Pulumi CLI; say what is missing.
doctor: $(VENV)/.deploy $(POLICY_ENV)
	$(PY) -m deploy.doctor --stack $(STACK)

## Deploy STACK: prerequisites, preview with the guardrails, confirm, up (YES=1: do not ask).
deploy: $(VENV)/.deploy $(POLICY_ENV)
	$(PY) -m deploy.guided --stack $(STACK) $(call switch,YES,--yes)

## Tear STACK down: protection lifted by an update, then destroy (RETAIN=1 keeps the data).
destroy: $(VENV)/.deploy
	$(call need_stack,destroy)
	$(PY) -m deploy.teardown --stack $(STACK) $(call switch,YES,--yes) $(call switch,RETAIN,--retain)

## A new stack file and policy config: STACK, and optionally ENVIRONMENT, FROM, REGION, ACCOUNT.
new-stack: $(VENV)/.check
	$(call need_stack,new-stack)
	$(PY) -m deploy.new_stack --stack $(STACK) $(call flag,ENVIRONMENT,--environment) \
		$(call flag,FROM,--from) $(call flag,REGION,--region) $(call flag,ACCOUNT,--account)

## Regenerate the generated docs (configuration, policies, FSBP coverage, costs); after any stack file change.
docs: $(VENV)/.check
	$(PY) -m stack_config.reference
	$(PY) -m policies.catalog
	$(PY) -m policies.coverage
	$(PY) -m cost.docs

## Pin the URNs each stack declares (tests/fixtures/urns/): after a first deploy or a deliberate removal.
urn-pins: $(VENV)/.check
	$(PY) -m tests.urn_pins

## List the targets and what each does (from the lines starting with ## in this Makefile).
help:
	@awk '/^## / { doc = doc (doc ? " " : "") substr($$0, 4); next } \
		/^[a-z][a-z-]*:/ && doc { sub(/:.*/, ""); printf "  make %-10s %s\n", $$0, doc } \
		{ doc = "" }' $(firstword $(MAKEFILE_LIST))

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

## Print wall-time figures: a fresh clone's set-up, the offline check at scale, make run-local.
bench: $(VENV)/.all
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache policies/.venv $(NODE_TOOLS)/node_modules
