# The two commands: `make run` (the assistant on SQLite with demo data) and `make test`.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test bench clean-venv system postgres

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# DATABASE_URL as the assistant reads it: the environment, else .env, else SQLite (bot/config.py)
RUN_DATABASE_URL = $${DATABASE_URL:-$$(sed -n 's/^DATABASE_URL=//p' .env 2>/dev/null | tail -n1)}

run: $(VENV)/.runtime
	@$(MAKE) --no-print-directory system SYSTEM_TOOLS="$(RUN_TOOLS)"
	@case "$(RUN_DATABASE_URL)" in postgres*) $(MAKE) --no-print-directory postgres;; esac
	$(PY) -m bot db upgrade
	$(PY) -m bot demo
	@echo "试用页面：http://127.0.0.1:$(PORT)/try   管理后台：http://127.0.0.1:$(PORT)/console/login   （按 Ctrl-C 停止 web 和 worker）"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -p $(PORT) web worker

# the suite runs on SQLite and on PostgreSQL (this machine's server, unless TEST_POSTGRES_URL says otherwise)
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

# what the suite runs besides Python: Chromium (the try-out page), LibreOffice (documents to PDF),
# pdftotext/pdffonts (reading PDFs back), CJK fonts, and PostgreSQL answering; installed from Debian when
# missing. FANGSONG is the 仿宋 face the documents print in (填表说明 8): FandolFang, a free FangSong with
# Simplified glyphs, ships in texlive-lang-chinese (outside fontconfig's directories: the project's
# handlers/application/fonts.conf adds it and maps 仿宋 to it for LibreOffice only)
RUN_TOOLS := soffice:libreoffice-writer-nogui
SYSTEM_TOOLS := chromium:chromium pdftotext:poppler-utils $(RUN_TOOLS)
FANGSONG := /usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolFang-Regular.otf

system:
	@missing=""; for pair in $(SYSTEM_TOOLS); do command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing fonts-noto-cjk >/dev/null; fi
	@if [ ! -f $(FANGSONG) ]; then echo "installing: texlive-lang-chinese (FandolFang 仿宋)"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends texlive-lang-chinese >/dev/null; fi

# the machine's PostgreSQL at 127.0.0.1:5432, started when installed and not answering: for `make test`,
# and for `make run` only when DATABASE_URL names PostgreSQL (on SQLite no database server is started)
postgres:
	@if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | head -n1)" main start; \
	  for _ in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; fi

test: $(VENV)/.dev system postgres
	TEST_POSTGRES_URL="$(TEST_POSTGRES_URL)" $(PY) -m pytest

bench: $(VENV)/.dev
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m bench

clean-venv:
	rm -rf $(VENV)
