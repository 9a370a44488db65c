# Plansmith developer commands. `make run` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test check lint format bench system-deps clean screenshots

$(STAMP): pyproject.toml package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	bash scripts/vendor-assets.sh
	touch $(STAMP)

# Byte-compiled as pip compiles every other installed package: an editable install is not, and
# where PYTHONDONTWRITEBYTECODE is set each command would compile Plansmith again (0.2-0.3 s).
install: $(STAMP)
	$(BIN)/python -m compileall -q src/plansmith > /dev/null

system-deps:
	bash scripts/system-deps.sh

run: install
	$(BIN)/plansmith serve

test: install system-deps
	$(BIN)/pytest -q -m "not slow"

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy --strict src
	$(BIN)/lint-imports
	@# The migrations must build exactly the declared tables: upgrade a fresh SQLite file, then
	@# ask Alembic whether autogenerate would find anything left over.
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	export PLANSMITH_DATA_DIR="$$tmp" PLANSMITH_DATABASE_URL="sqlite:///$$tmp/check.db" && \
	$(BIN)/alembic upgrade head && $(BIN)/alembic check

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

check: test lint

screenshots: install system-deps  ## refresh docs/screenshots from the browser tests
	PLANSMITH_SCREENSHOTS=docs $(BIN)/pytest -q tests/e2e/web

bench: install system-deps
	$(BIN)/python bench/schedule_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache node_modules src/plansmith/web/static/vendor
