# gail_lab: `make run` runs the default CartPole pipeline end to end; `make test` runs the tests.
# Both install what they need first: a .venv holding exactly requirements.lock (torch 2.13.0 and
# every other package at its locked version), then gail_lab itself (editable).

PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TORCH  ?= torch==2.13.0
LOCKVENV := .lock-venv

.DEFAULT_GOAL := help
.PHONY: help install run test test-slow lint lock ci clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or: make PYTHON=python3 ...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH)
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	$(PY) .ci/lock.py check --installed
	touch $(STAMP)

install: $(STAMP) ## create .venv with exactly the locked versions (requirements.lock) + gail_lab; quick when done

run: install ## the default job: CartPole scripted expert -> demos -> GAIL+PPO (absorbing states) -> evaluation, with its random-data control
	WANDB_MODE=$${WANDB_MODE:-offline} $(PY) run.py task=pipeline

test: install ## fast tests, spread over the cores (slow learning checks are skipped; see test-slow)
	$(PY) -m pytest -q -n auto

test-slow: install ## every test, slow learning checks included (what .ci/run runs)
	$(PY) -m pytest -q -m "slow or not slow"

lock: ## regenerate requirements.lock from pyproject.toml (a fresh install in a throw-away venv)
	rm -rf $(LOCKVENV) && $(PYTHON) -m venv $(LOCKVENV)
	$(LOCKVENV)/bin/pip install -q --upgrade pip
	$(LOCKVENV)/bin/pip install -q $(TORCH)
	$(LOCKVENV)/bin/pip install -q '.[dev,mujoco]'
	$(LOCKVENV)/bin/pip freeze --exclude gail_lab > $(LOCKVENV)/freeze.txt
	$(LOCKVENV)/bin/python .ci/lock.py write $(LOCKVENV)/freeze.txt
	rm -rf $(LOCKVENV) build

ci: ## what CI runs (.ci/run): make test, the slow checks, the SLURM tests on a one-node cluster (needs root)
	bash .ci/run

lint: install ## ruff
	$(VENV)/bin/ruff check gail_lab tests run.py benchmarks examples .ci
	$(VENV)/bin/ruff format --check gail_lab tests run.py benchmarks examples .ci

clean: ## remove the venv, caches and run outputs
	rm -rf $(VENV) $(LOCKVENV) outputs multirun .pytest_cache .ruff_cache wandb *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
