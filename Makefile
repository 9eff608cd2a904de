# The two commands: `make run` serves MiniFace with demo data, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test lint schemathesis bench screenshots cluster clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/miniface serve --host $(HOST) --port $(PORT) --demo

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

# The API contract check at its long size (README "API contract checks"); `make test`
# runs it with 8 examples per operation.
SCHEMATHESIS_EXAMPLES ?= 200
schemathesis: $(VENV)/.installed-test
	MINIFACE_SCHEMATHESIS_EXAMPLES=$(SCHEMATHESIS_EXAMPLES) $(BIN)/python -m pytest -s tests/app/test_schemathesis.py

# The README's pictures: the demo site in headless Chromium (docs/screenshots/*.png).
screenshots: $(VENV)/.installed-test
	$(BIN)/python tests/e2e/screenshots.py docs/screenshots

# Many machines on this one: a throwaway PostgreSQL, two MiniFace nodes and nginx in
# front, then the smoke journey through nginx; everything stops at the end
# (tools/cluster.py). KEEP=1 keeps it running for a browser until Ctrl-C.
$(VENV)/.installed-postgres: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[postgres]'
	touch $@

cluster: $(VENV)/.installed-postgres
	$(BIN)/python tools/cluster.py $(if $(KEEP),--keep) $(CLUSTER_ARGS)

# The peers of the benchmark live in their own venv, never in MiniFace's.
BENCH_VENV := bench/.venv

$(BENCH_VENV)/.installed: bench/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet -r bench/requirements.txt
	touch $@

bench: $(VENV)/.installed $(BENCH_VENV)/.installed
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
