# trialapp — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-long lint bench package package-test clean demo

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev,server]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/trialapp gui

demo: $(STAMP)
	$(BIN)/trialapp demo

# The ward-server tests run on a throwaway PostgreSQL cluster (.ci/with-postgres starts and stops it when
# Debian's postgresql package is installed; without it they are skipped, except under CI=true).
# One pytest worker per core (TEST_WORKERS=0 runs in one process); a test file stays on one worker.
TEST_WORKERS ?= auto
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen .ci/with-postgres $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

# The long variants of the reliability tests (CI runs the same tests with smaller counts).
test-long: $(STAMP)
	QT_QPA_PLATFORM=offscreen TRIALAPP_CRASH_KILLS=300 $(BIN)/python -m pytest -q -s --timeout=3600 tests/reliability

# Benchmarks against the performance budgets of DESIGN.md (never part of `make test`). The large synthetic
# database is built once (a few minutes); the 1k and 5k scaling databases on the first run.
benchmarks/large.sqlite: | $(STAMP)
	$(BIN)/python -m benchmarks.make_db $@

bench: $(STAMP) benchmarks/large.sqlite
	$(BIN)/python -m benchmarks.run --scaling

# The one-folder build for ward laptops (docs/install.md): dist/trialapp/, then its smoke test.
PACKAGE_STAMP := $(VENV)/.installed-package
$(PACKAGE_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,dev,server,package]"
	touch $(PACKAGE_STAMP)

package: $(PACKAGE_STAMP)
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build packaging/trialapp.spec

package-test: package
	.ci/with-postgres $(BIN)/python packaging/smoke_test.py dist/trialapp
