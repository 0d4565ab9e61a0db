# mlops-new: the two commands a newcomer needs, plus developer conveniences.
#   make project   set everything up, create ./my-ml-project, then run its setup and tests
#   make test      set everything up and run the whole test suite (what CI runs)
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
NAME ?= my-ml-project
ARGS ?=
# The demo project targets the Python that runs this Makefile, so it works on a machine with
# only that Python (ARGS="-d python_version=3.12" overrides it).
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
PYTEST_ARGS ?=
BENCH_ARGS ?=
# Never download interpreters: use the Pythons that are installed.
export UV_PYTHON_DOWNLOADS ?= never

.PHONY: help bootstrap project test test-fast test-exhaustive lint format docs bench

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

bootstrap: $(UV) ## Install uv and mlops-new with its dev tools into .venv
	$(UV) sync --frozen --python $(PYTHON) --compile-bytecode --quiet

project: bootstrap ## Create ./$(NAME) (asks in a terminal), then run its make setup and make test
	$(VENV)/bin/mlops-new $(NAME) --data python_version=$(PY_VERSION) $(ARGS)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(MAKE) -C $(NAME) setup test

# Every core, each test file on one worker so its module fixtures are built once (about
# 30 minutes on 2 cores).
test: bootstrap ## Run the whole test suite (both tiers), as CI does
	$(VENV)/bin/pytest -n auto --dist loadfile $(PYTEST_ARGS)

test-fast: bootstrap ## Run the fast tier only (skips installing generated projects)
	$(VENV)/bin/pytest -m "not slow" $(PYTEST_ARGS)

# The exhaustive tier (marker `exhaustive`): every combination of every option, about 50
# minutes on 2 cores. Neither `make test` nor `make test-fast` runs it.
test-exhaustive: bootstrap ## Run the exhaustive tier only (the full product of options)
	$(VENV)/bin/pytest -m exhaustive -s $(PYTEST_ARGS)

lint: bootstrap ## ruff check and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: bootstrap ## Fix style
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

docs: bootstrap ## Regenerate the reference pages, then build the documentation site (strict)
	$(VENV)/bin/python docs/generate.py
	$(VENV)/bin/mkdocs build --strict

bench: bootstrap ## Time mlops-new against its anchors; writes benchmarks/results.md (BENCH_ARGS=--quick)
	$(VENV)/bin/python benchmarks/bench.py $(BENCH_ARGS)
