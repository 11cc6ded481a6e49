# The contract: the README names only these targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
# Local settings: a git-ignored .env (see .env.example) is read by every target.
ifneq (,$(wildcard .env))
include .env
export
endif
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONWARNINGS := ignore::DeprecationWarning
RASA := $(PY) -m rasa
RASA_DATA := --data nlu_data stories --domain domain.yml --config config.yml

.PHONY: help install run test lint types validate train shell test-stories nlu-cv bench content-validate

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

install:  ## create .venv (Python 3.10) and install the pinned dependencies if missing
	@scripts/bootstrap.sh

run: install  ## install, migrate, train if needed, and start everything on the embedded defaults
	@$(PY) -m bot db upgrade
	@$(PY) -m bot train
	@scripts/ensure_web.sh || echo "warning: the web chat page will not work until scripts/ensure_web.sh succeeds"
	@$(PY) -m bot run --demo

test: install  ## run the whole test suite (unit, actions, Rasa stories, end to end)
	@scripts/test.sh

lint: install  ## ruff
	@$(PY) -m ruff check bot actions tests benchmarks

types: install  ## mypy on bot/ and actions/
	@$(PY) -m mypy

validate: install  ## rasa data validate + content validation
	@$(RASA) data validate $(RASA_DATA) --fail-on-warnings
	@$(PY) -m bot content validate

content-validate: install  ## check cbt_content/
	@$(PY) -m bot content validate

train: install  ## train the Rasa model if its data changed
	@$(PY) -m bot train

shell: install  ## chat in the terminal with a running stack (make run in another terminal)
	@$(PY) -m bot chat

test-stories: train  ## rasa test on tests/stories (fails on any wrong prediction)
	@scripts/rasa_test_stories.sh

nlu-cv: install  ## NLU intent F1 by 5-fold cross-validation
	@$(PY) benchmarks/nlu_crossval.py

bench: install  ## run the benchmarks that need no running stack
	@$(PY) benchmarks/risk_eval.py
