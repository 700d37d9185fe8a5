# Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap .venv.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export DO_NOT_TRACK := 1

.PHONY: venv demo test test-all lint clean-lake up down

venv: $(STAMP)

# On a machine without CUDA, torch==2.13.0 first: it is the CPU build this machine type
# ships as a local wheel; an unpinned torch would pull several GB of CUDA packages.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip >/dev/null 2>&1 || true
	if ! command -v nvidia-smi >/dev/null 2>&1; then $(BIN)/pip install -q torch==2.13.0; fi
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/joblens demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

test-all: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check joblens tasks flows tests
	$(BIN)/mypy joblens tasks flows

clean-lake:
	rm -rf data_lake/* demo_world

# Serve the deployments on this machine (server, work pool, worker); `make down` stops them.
up: $(STAMP)
	bash deployments/up.sh

down:
	bash deployments/down.sh
