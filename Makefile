# Two commands on a fresh machine: `make run` and `make test`; `make test-fast` for the edit loop.
PORT ?= 8000
VENV ?= .venv
BIN := $(VENV)/bin

# durable-rules 2.0.28 builds on CPython 3.10-3.12 only.
SUPPORTED := import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))
PY_CANDIDATES := python3.12 python3.11 python3.10 python3 $(sort $(wildcard $(HOME)/.pyenv/versions/3.1[0-2]*/bin/python3))
PYTHON ?= $(shell for p in $(PY_CANDIDATES); do \
	"$$p" -c '$(SUPPORTED)' >/dev/null 2>&1 && { command -v "$$p"; break; }; done)

# A venv whose Python is unsupported (say, made with PYTHON=python3.13) or gone can never
# install the project: it is rebuilt rather than reused.
ifneq ($(wildcard $(VENV)/pyvenv.cfg),)
ifneq ($(shell $(BIN)/python -c '$(SUPPORTED)' >/dev/null 2>&1 && echo ok),ok)
.PHONY: $(VENV)/pyvenv.cfg
endif
endif

.PHONY: run test test-fast lint verify bench clean

run: $(VENV)/.installed
	$(BIN)/hip-screen db upgrade
	PORT=$(PORT) $(BIN)/gunicorn --config python:service.gunicorn_conf 'service:create_app()'

test: $(VENV)/.installed-test lint
	$(BIN)/pytest

# The whole suite but the browser and slow tests (see README for what that leaves out).
test-fast: $(VENV)/.installed-test lint
	$(BIN)/pytest -m "not browser and not slow"

verify: $(VENV)/.installed
	$(BIN)/hip-screen verify

lint: $(VENV)/.installed-test
	$(BIN)/ruff check service tests setup.py migrations
	$(BIN)/ruff check bench
	$(BIN)/mypy

# Benchmarks (not part of `make test`); wrk is installed with apt-get when missing. See docs/performance.md.
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench $(BENCH_ARGS)

$(VENV)/pyvenv.cfg:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "No CPython 3.10, 3.11 or 3.12 found (durable-rules 2.0.28 does not build on 3.13)."; \
	  echo "Install one, for example: apt-get install python3.11 python3.11-venv python3.11-dev,"; \
	  echo "or: pyenv install 3.12. Then run make again, or pass PYTHON=/path/to/python3.12."; \
	  exit 1; fi
	@"$(PYTHON)" -c '$(SUPPORTED)' || { \
	  echo "PYTHON=$(PYTHON) is $$("$(PYTHON)" -V 2>&1); this project needs CPython 3.10, 3.11 or 3.12."; exit 1; }
	@if [ -e $(VENV) ]; then \
	  echo "$(VENV) was made by a Python this project cannot use ($$($(BIN)/python -V 2>&1 || echo gone));" \
	       "rebuilding it with $(PYTHON)."; \
	  rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml setup.py $(VENV)/pyvenv.cfg
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.py $(VENV)/pyvenv.cfg
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml setup.py $(VENV)/pyvenv.cfg
	$(BIN)/pip install -q -e '.[bench]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
