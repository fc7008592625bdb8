# paperfeed: `make demo` serves the site with the bundled demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench docs install system-deps clean

# The CPU build of torch goes in first: a plain `torch` requirement pulled in later by a
# dependency would otherwise fetch a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/paperfeed demo

# Debian packages the browser tests need (chromium); installed once, only if missing.
system-deps:
	bash scripts/system-deps.sh

test: $(STAMP) system-deps
	$(BIN)/pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/cog --check docs/cli-reference.md

# Regenerate the generated parts of the docs (the CLI reference).
docs: $(STAMP)
	$(BIN)/cog -r docs/cli-reference.md

bench: $(STAMP)
	bash scripts/system-deps.sh bench
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.feed --backend sqlite --backend postgresql
	$(BIN)/python -m bench.load --keep $(or $(LOAD_KEEP),/root/load-keep)  # ~10 min; loads once

clean:
	rm -rf $(VENV) build dist src/*.egg-info
