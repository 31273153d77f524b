# budgetcurves: `make demo` and `make test` work on a fresh machine with Python 3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= budgetcurves.duckdb
OUT ?= out

.PHONY: setup demo test test-python test-slow test-dbt test-postgres test-spark lint format bench clean browser figures

# the default shape's plan compiled before the first call (target/plans; a wheel carries
# its own); instant when the project has not changed since
setup: $(STAMP)
	$(BIN)/python -m budgetcurves._compiled ship

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

demo: setup
	rm -f $(DB)
	$(BIN)/budgetcurves run examples/logs --db $(DB) --out $(OUT)/demo.png
	@echo "demo: wrote $(OUT)/demo.png from examples/logs via $(DB)"

# (the plain `dbt build` of make test-dbt, with every data and unit test, is one of its
# tests: test_cli's dbt-native path runs the same command)
test: setup test-python

# The fast lane, on both cores (pytest-xdist; TEST_WORKERS=0 runs in one process).
# Each lane has its own dbt target/, logs/ and plan cache under target/ (BUDGETCURVES_TEST_DIR),
# so `make test` and `make test-slow` can run side by side; databases are under pytest's tmp.
TEST_WORKERS ?= 2
PYTEST_ARGS ?=
test-python: setup
	BUDGETCURVES_TEST_DIR=target/test-fast $(BIN)/python -m pytest -q -m "not slow" \
		-n $(TEST_WORKERS) --dist load --durations=10 $(PYTEST_ARGS)

# The slow lane (CI runs it every time): the wheel in a fresh venv, the dbt package's
# consumer, processes and kill -9, the coverage study, S3 and Chromium
test-slow: setup
	BUDGETCURVES_TEST_DIR=target/test-slow $(BIN)/python -m pytest -q -m slow \
		-n $(TEST_WORKERS) --dist load --durations=10 $(PYTEST_ARGS)

# dbt's own data and unit tests, on a fresh database filled from the example logs, with
# dbt's output (make test runs the same build in test_cli, quietly)
test-dbt: setup
	rm -f target/test.duckdb
	BUDGETCURVES_DB=target/test.duckdb $(BIN)/dbt build --vars '{inspect_logs: examples/logs}'

# Chromium and its driver from Debian's packages, for the tests of the report page
# (python/tests/plot/test_html.py); they skip without it, except under CI
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)

# The same project on PostgreSQL: a throwaway cluster on loopback (PostgreSQL installed
# from Debian's packages if missing), the loader, dbt build --target postgres, and
# the mart compared with DuckDB's (docs/warehouses.md)
test-postgres: setup
	scripts/with_postgres.sh $(BIN)/python -m pytest -q python/tests/engines/test_postgres.py

# ... and on a local Spark (pyspark, Java 17): dbt build --target spark in-process
# (a 2 GB driver: the vars that add every shape make plans large enough to take the
# default 1 GB's heap in Spark's analyzer; the bench's builds keep the default)
test-spark: setup
	BUDGETCURVES_TEST_SPARK=1 BUDGETCURVES_SPARK_DRIVER_MEMORY=$${BUDGETCURVES_SPARK_DRIVER_MEMORY:-2g} $(BIN)/python -m pytest -q python/tests/engines/test_spark.py

lint: setup
	$(BIN)/ruff check python scripts bench
	$(BIN)/ruff format --check python scripts bench
	$(BIN)/mypy
	BUDGETCURVES_DB=target/lint.duckdb $(BIN)/sqlfluff lint models tests analysis

format: setup
	$(BIN)/ruff format python scripts bench
	$(BIN)/ruff check --fix python scripts bench

# budgetcurves vs inspect_viz's scores_by_limit_df on generated data (docs/performance.md).
# 1e7 and 1e8 are opt-in: make bench BENCH_SIZES=1e5,1e6,1e7 (1e8 skips the reference)
BENCH_SIZES ?= 1e5,1e6
BENCH_REPEAT ?= 3
# engines beside DuckDB in the per-model profile: make bench BENCH_ENGINES=postgres,spark
BENCH_ENGINES ?=
# one section or a few: make bench BENCH_ONLY=session,interactive
BENCH_ONLY ?= table,sql,floor,profile,logs,refresh,demo,interactive,session
bench: setup
	$(BIN)/python bench/run.py --sizes $(BENCH_SIZES) --repeat $(BENCH_REPEAT) --only $(BENCH_ONLY) \
		--engines "$(BENCH_ENGINES)"

# How often each band covers a known true curve: simulated evals, one build with the
# replicates as a facet (about a minute); the table and figure of docs/statistics.md
.PHONY: coverage
coverage: setup
	$(BIN)/python scripts/coverage.py --figure docs/img/coverage.png

# Two eval budgets mixed (a re-run with a larger token limit), a known true curve: the
# naive curve's bias and the Aalen-Johansen curve's bias and band coverage, the table
# and figure of docs/statistics.md (var estimator; about a minute)
.PHONY: censoring
censoring: setup
	$(BIN)/python scripts/censoring.py --figure docs/img/censoring.png

# Every picture of the README and docs/ from the example logs, in the product's theme
FIGURES_DB := target/figures.duckdb
figures: setup
	rm -f $(FIGURES_DB)
	$(BIN)/budgetcurves run examples/logs --db $(FIGURES_DB) --out docs/img/demo.png --quiet
	$(BIN)/budgetcurves plot --db $(FIGURES_DB) --out docs/img/demo.svg --quiet
	$(BIN)/budgetcurves build --db $(FIGURES_DB) --vars '{facet: task_name}' --quiet
	$(BIN)/budgetcurves plot --db $(FIGURES_DB) --facet task_name --out docs/img/by_task.png \
		--title "Success rate by token budget, per task" --quiet
	$(BIN)/python scripts/statistics_figures.py --out docs/img
	$(BIN)/python scripts/coverage.py --figure docs/img/coverage.png
	$(BIN)/python scripts/censoring.py --figure docs/img/censoring.png

clean:
	rm -rf target $(OUT) $(DB) .pytest_cache
