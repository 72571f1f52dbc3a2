# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

LOCK_OPTIONS := --universal --python-version 3.11 --generate-hashes --quiet

.PHONY: demo test lint format serve worker install install-dev lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs come from the lock files (exact versions, checked hashes); `make lock` updates them.
$(STAMP): pyproject.toml requirements/runtime.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/runtime.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(DEV_STAMP): pyproject.toml requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP) $@

install: $(STAMP)

install-dev: $(DEV_STAMP)

## demo: install, migrate the embedded SQLite database, load the demo network, serve it with one
## process per core and run the background worker beside it
demo: $(STAMP)
	$(BIN)/melior demo --host $(HOST) --port $(PORT)

## serve: serve whatever database MELIOR_DATABASE_URL points at (SQLite under var/ by default)
serve: $(STAMP)
	$(BIN)/melior serve --host $(HOST) --port $(PORT)

## worker: the background worker (scheduled jobs, queued work) for whatever database is configured
worker: $(STAMP)
	$(BIN)/melior worker

## lock: after changing dependencies in pyproject.toml, pin them again (runtime and dev)
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv>=0.5"
	$(BIN)/python -m uv pip compile pyproject.toml $(LOCK_OPTIONS) -o requirements/runtime.txt
	$(BIN)/python -m uv pip compile pyproject.toml --extra dev $(LOCK_OPTIONS) -o requirements/dev.txt

## test: the whole suite on SQLite, then again on PostgreSQL when MELIOR_TEST_POSTGRES_URL is set
## (all but the pure analysis and the browser tests, which look at pages and run once)
test: $(DEV_STAMP)
	$(BIN)/python -m pytest
	@if [ -n "$$MELIOR_TEST_POSTGRES_URL" ]; then \
		echo "== PostgreSQL pass ($$MELIOR_TEST_POSTGRES_URL)"; \
		MELIOR_DATABASE_URL="$$MELIOR_TEST_POSTGRES_URL" $(BIN)/python -m pytest --ignore=tests/analysis -m "not browser"; \
	else \
		echo "PostgreSQL pass skipped: set MELIOR_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run it."; \
	fi

## lint: ruff, the formatter, the layer contracts and migrations that match the models
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	MELIOR_VAR_DIR=$$(mktemp -d) $(BIN)/python manage.py makemigrations --check --dry-run

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: benchmarks in their own .venv-bench, with the published peers they compare against
bench:
	test -x .venv-bench/bin/python || $(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet -e . clinical-qikit psmpy requests
	.venv-bench/bin/python bench/spc_bench.py
	.venv-bench/bin/python bench/network_bench.py --sites 500
	.venv-bench/bin/python bench/pages_bench.py --sites 500
	.venv-bench/bin/python bench/import_bench.py
	.venv-bench/bin/python bench/student_import_bench.py
	.venv-bench/bin/python bench/xapi_bench.py
	.venv-bench/bin/python bench/evaluation_bench.py
	.venv-bench/bin/python bench/upload_bomb_bench.py
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then \
		.venv-bench/bin/python bench/load_bench.py --sqlite --app-servers 1 --processes 2 --users 50 --seconds 60; \
	else echo "load bench skipped: nginx missing (apt-get install nginx)"; fi
	@if [ -n "$(BENCH_POSTGRES_URL)" ]; then \
		.venv-bench/bin/python bench/import_bench.py --database-url "$(BENCH_POSTGRES_URL)"; \
		.venv-bench/bin/python bench/student_import_bench.py --database-url "$(BENCH_POSTGRES_URL)"; \
		.venv-bench/bin/python bench/xapi_bench.py --database-url "$(BENCH_POSTGRES_URL)"; \
		.venv-bench/bin/python bench/network_bench.py --bulk --sites 5000 --database-url "$(BENCH_POSTGRES_URL)"; \
		.venv-bench/bin/python bench/load_bench.py --database-url "$(BENCH_POSTGRES_URL)" --app-servers 1 --ramp 50,100,150,200 --seconds 60; \
		.venv-bench/bin/python bench/load_bench.py --database-url "$(BENCH_POSTGRES_URL)" --app-servers 2 --ramp 50,100,150,200 --seconds 60; \
	fi

clean:
	rm -rf $(VENV) .venv-bench var build *.egg-info
