# The two commands: `make run` (the assistant on SQLite with demo data) and `make test`.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test bench clean-venv

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) -m bot db upgrade
	$(PY) -m bot demo
	@echo "试用页面：http://127.0.0.1:$(PORT)/try   （按 Ctrl-C 停止 web 和 worker）"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -p $(PORT) web worker

# the suite runs on SQLite and on PostgreSQL (this machine's server, unless TEST_POSTGRES_URL says otherwise)
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

test: $(VENV)/.dev
	TEST_POSTGRES_URL="$(TEST_POSTGRES_URL)" $(PY) -m pytest

bench: $(VENV)/.dev
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m bench

clean-venv:
	rm -rf $(VENV)
