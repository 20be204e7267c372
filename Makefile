# The README's commands. Everything a fresh machine needs is installed from here.
PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed
DB       ?= atlas.duckdb
DEMO_SIZE ?= medium
DEMO_DIR := data/demo-$(DEMO_SIZE)

.PHONY: install demo test lint typecheck bench clean dist java-deps report-deps

include mk/web.mk

install: $(STAMP) web-assets report-deps

# Re-run only when the dependency list changes; pip is upgraded first for dependency groups.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=25.1"
	$(BIN)/python -m pip install -q -e . --group test
	touch $(STAMP)

$(DEMO_DIR)/dataset.json: | $(STAMP)
	$(BIN)/chainatlas demo-data --size $(DEMO_SIZE) --seed 0 --out $(DEMO_DIR)

demo: install $(DEMO_DIR)/dataset.json
	$(BIN)/chainatlas --db $(DB) load-dir $(DEMO_DIR)
	$(BIN)/chainatlas --db $(DB) build
	@echo "Chain Atlas (synthetic demo data) on http://127.0.0.1:8000  —  Ctrl-C to stop"
	$(BIN)/chainatlas --db $(DB) serve

# `chainatlas report`: WeasyPrint prints PDF through Pango, and the report embeds a CJK font (WenQuanYi Zen Hei);
# Debian packages, installed only when missing (`dpkg-query`; nothing on a machine without dpkg)
REPORT_DEBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-zenhei
report-deps:
	@command -v dpkg-query >/dev/null 2>&1 || exit 0; missing=""; \
	for p in $(REPORT_DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; fi

# Java 17 for the PySpark engine tests (the machine image has it; install it where it is missing)
java-deps:
	@command -v java >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q openjdk-17-jre-headless; }

# The habits of the field run with every test: ruff (lint and format) and mypy, then the whole suite, in TEST_JOBS
# processes (pytest-xdist; a test file stays in one process, so its module fixtures are built once)
TEST_JOBS ?= 2
test: install browser-deps java-deps lint typecheck
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=30 -n $(TEST_JOBS) --dist loadfile

lint: install
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

# mypy over analytics, model and storage (the [tool.mypy] section of pyproject.toml)
typecheck: install
	$(BIN)/python -m mypy

# every benchmark with its naive baseline → bench/results.json and bench/results.md; QUICK=1: the quick variants
# (< 10 min); README=1: also write the table into README.md's performance section. BoARIO is the sector-level model
# the simulation bench compares with (bench only); its wheel declares no dependencies, hence pymrio and progressbar2
bench: install browser-deps java-deps
	$(BIN)/python -m pip install -q boario==0.7.2 pymrio==0.7.0 progressbar2==4.6.0
	$(BIN)/python bench/run_all.py $(if $(QUICK),--quick) $(if $(README),--readme)

dist: install
	$(BIN)/python -m pip wheel -q --no-deps -w dist .

clean:
	rm -rf $(VENV) data build dist *.duckdb *.duckdb.wal
