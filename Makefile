# gail_lab: `make run` runs the default CartPole pipeline end to end; `make test` runs the tests.
# Both install what they need first (a .venv with torch 2.13.0 CPU and gail_lab[dev,mujoco]).

PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test test-slow lint clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or: make PYTHON=python3 ...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev,mujoco]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install torch 2.13.0 (CPU) + gail_lab[dev,mujoco]; quick when done

run: install ## the default job: CartPole scripted expert -> demos -> GAIL+PPO (absorbing states) -> evaluation, with its random-data control
	WANDB_MODE=$${WANDB_MODE:-offline} $(PY) run.py task=pipeline

test: install ## fast tests, spread over the cores (slow learning checks are skipped; see test-slow)
	$(PY) -m pytest -q -n auto

test-slow: install ## every test, slow learning checks included (what .ci/run runs)
	$(PY) -m pytest -q -m "slow or not slow"

lint: install ## ruff
	$(VENV)/bin/ruff check gail_lab tests run.py
	$(VENV)/bin/ruff format --check gail_lab tests run.py

clean: ## remove the venv, caches and run outputs
	rm -rf $(VENV) outputs multirun .pytest_cache .ruff_cache wandb *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
