"""The same project on PostgreSQL: the loader writes through psycopg2, dbt builds with
``--target postgres`` (its data and unit tests included), and the mart equals DuckDB's.

Runs where ``BUDGETCURVES_TEST_POSTGRES=1`` says a server is up and the libpq
variables (PGHOST, PGPORT, ...) name it: ``make test-postgres`` starts a throwaway
cluster and sets them (scripts/with_postgres.sh). The tests drop and reload the
schema `inspect` and rebuild the models: never point them at a database you keep.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest

from budgetcurves._project import PROJECT_DIR, DbtError, run_dbt
from budgetcurves.ingest import PostgresWarehouse, _staged, forget, ingest
from budgetcurves.ingest._landing import POSTGRES

from ..conftest import EXAMPLE_EXPORT, EXAMPLE_LOGS
from ..ingest._logs import EVAL_LOGS, clone_log
from ..ingest.test_landing import assert_migrates, older_landing
from .conftest import (
    ENGINE_VARS,
    SCORE_SQL,
    assert_every_mart_equal,
    assert_same_rows,
    duckdb_build,
    duckdb_landing,
    sample_values,
    score_cases,
)

if os.environ.get("BUDGETCURVES_TEST_POSTGRES") != "1":
    pytest.skip(
        "needs a PostgreSQL server: `make test-postgres` starts one", allow_module_level=True
    )

import psycopg2  # noqa: E402  (asked for: a missing driver is a failure, not a skip)

SCHEMA = os.environ.get("BUDGETCURVES_PG_SCHEMA", "public")


def _query(sql: str, params: tuple = ()) -> pd.DataFrame:
    with psycopg2.connect("") as connection, connection.cursor() as cur:
        cur.execute(sql, params)
        columns = [d.name for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=columns)


def _table(name: str) -> pd.DataFrame:
    return _query(f"select * from {SCHEMA}.{name}")


def _mart() -> pd.DataFrame:
    return _table("scores_by_limit")


@pytest.fixture(scope="module")
def loaded():
    """The example logs in the landing tables, from an empty database."""
    with PostgresWarehouse.connect() as warehouse:
        warehouse.connection.cursor().execute("drop schema if exists inspect cascade")
        warehouse.connection.commit()
        summary = ingest([str(EXAMPLE_LOGS)], warehouse)
    assert not summary.errors, summary.errors
    return summary


@pytest.fixture(scope="module")
def postgres_mart(loaded) -> pd.DataFrame:
    run_dbt(["build"], target="postgres", quiet=True)
    return _mart()


def test_loader_fills_the_landing_tables(loaded, example_db):
    counts = _query(
        "select (select count(*) from inspect.samples) as samples, "
        "(select count(*) from inspect.sample_scores) as scores, "
        "(select count(*) from inspect.log_files) as files"
    ).iloc[0]
    import duckdb

    with duckdb.connect(str(example_db), read_only=True) as con:
        expected = con.execute(
            "select (select count(*) from inspect.samples), "
            "(select count(*) from inspect.sample_scores), "
            "(select count(*) from inspect.log_files)"
        ).fetchone()
    assert tuple(counts) == expected
    assert loaded.samples_added == expected[0]


def test_every_mart_equals_duckdb(postgres_mart, tmp_path):
    duck_db = tmp_path / "all.duckdb"
    duck = duckdb_build(duck_db)
    assert_every_mart_equal(_table, duck, sample_values(duck_db))


def test_reingest_reads_only_what_changed(postgres_mart):
    with PostgresWarehouse.connect() as warehouse:
        again = ingest([str(EXAMPLE_LOGS)], warehouse)
        assert again.files_read == 0 and again.files_unchanged == again.files_seen
        refreshed = ingest([str(EXAMPLE_LOGS)], warehouse, full_refresh=True)
    assert refreshed.files_replaced == refreshed.files_seen
    assert refreshed.samples_removed == refreshed.samples_added
    (count,) = _query("select count(*) from inspect.samples").iloc[0]
    assert count == refreshed.samples_added


def test_loader_command(postgres_mart):
    from budgetcurves.cli import main

    before = _query("select count(*) as n from inspect.samples").n[0]
    assert main(["ingest", "--target", "postgres", str(EXAMPLE_LOGS)]) == 0
    assert _query("select count(*) as n from inspect.samples").n[0] == before


def test_vars_change_the_marts_as_on_duckdb(postgres_mart, tmp_path):
    duck_db = tmp_path / "vars.duckdb"
    duck = duckdb_build(duck_db, ENGINE_VARS)
    assert len(duck["paired_differences_by_limit"]) > 0
    run_dbt(["build"], target="postgres", variables=ENGINE_VARS, quiet=True)
    ours = _mart()
    assert ours.groupby(["model", "limit_name", "facet_name", "facet_value"]).size().eq(17).all()
    assert {"all", "task_name", "metadata.operands"} <= set(ours.facet_name)
    assert_every_mart_equal(_table, duck, sample_values(duck_db))


def test_each_model_sets_work_mem_from_the_environment(postgres_mart, monkeypatch):
    """The pre-hook session_settings (macros/cross_db.sql) hands BUDGETCURVES_PG_WORK_MEM
    to PostgreSQL in each model's transaction: a size it refuses fails the model and is
    named, a valid one builds it (as the default did for every model above)."""
    monkeypatch.setenv("BUDGETCURVES_PG_WORK_MEM", "a lot")
    with pytest.raises(DbtError, match="work_mem"):
        run_dbt(["run", "--select", "int_curves__task_sizes"], target="postgres", quiet=True)
    monkeypatch.setenv("BUDGETCURVES_PG_WORK_MEM", "64MB")
    run_dbt(["run", "--select", "int_curves__task_sizes"], target="postgres", quiet=True)
    assert len(_table("int_curves__task_sizes")) > 0


def test_each_data_test_sets_work_mem_from_the_environment(postgres_mart, monkeypatch):
    """dbt gives data tests no hooks: postgres__get_test_sql (macros/cross_db.sql) runs
    the models' settings in each test's own statement, so a size PostgreSQL refuses
    fails the tests, naming it, and a valid one passes them."""
    monkeypatch.setenv("BUDGETCURVES_PG_WORK_MEM", "a lot")
    with pytest.raises(DbtError, match="work_mem"):
        run_dbt(["test", "--select", "int_curves__task_sizes"], target="postgres", quiet=True)
    monkeypatch.setenv("BUDGETCURVES_PG_WORK_MEM", "64MB")
    run_dbt(["test", "--select", "int_curves__task_sizes"], target="postgres", quiet=True)


def test_the_seeds_are_analyzed(postgres_mart):
    """The seeds' post-hook analyzes them, as the models' does the tables: a few rows
    that autovacuum never analyzes, which PostgreSQL took for 880."""
    analyzed = _query(
        "select relname from pg_stat_user_tables "
        "where schemaname = %s and last_analyze is not null",
        (SCHEMA,),
    )
    assert {"model_prices", "model_info", "int_samples__scored"} <= set(analyzed.relname)


def test_only_the_intermediate_tables_are_unlogged(postgres_mart):
    """The intermediate tables, rebuilt by every build, are written without WAL
    (dbt_project.yml's `unlogged`); the marts users read and the seeds stay logged, so
    a crash or a replica does not lose them."""
    tables = _query(
        "select c.relname, c.relpersistence from pg_class as c "
        "join pg_namespace as n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relkind = 'r'",
        (SCHEMA,),
    ).set_index("relname")["relpersistence"]
    marts = {p.stem for p in (PROJECT_DIR / "models" / "marts").glob("*.sql")}
    intermediate = {n for n in tables.index if n.startswith("int_")}
    assert marts <= set(tables.index)
    assert {"int_samples__scored", "int_curves__breakpoints"} <= intermediate
    assert set(tables[sorted(intermediate)]) == {"u"}
    assert set(tables[sorted(marts | {"model_prices", "model_info"})]) == {"p"}


def test_score_to_float_matches_inspect(loaded):
    frame, expected = score_cases()
    result = run_dbt(["compile", "--inline", SCORE_SQL], target="postgres", quiet=True)
    sql = result.result.results[0].node.compiled_code
    with psycopg2.connect("") as connection, connection.cursor() as cur:
        cur.execute("create temporary table score_cases (value_type text, value_text text)")
        cur.executemany(
            "insert into score_cases values (%s, %s)", list(frame.itertuples(index=False))
        )
        cur.execute(sql)
        got = [row[2] for row in cur.fetchall()]
    assert got == expected


# The landing tables are changed below: after the tests that compare the marts.


def test_an_engine_error_on_one_file_names_it_and_the_others_load(loaded, tmp_path):
    """PostgreSQL's text holds no NUL character (DuckDB's does): that file is named with
    PostgreSQL's words, and the run goes on with the next."""

    def nul(sample: dict) -> dict:
        sample["error"] = "RuntimeError: a NUL \u0000 in the message"
        return sample

    logs = tmp_path / "logs"
    bad = clone_log(EVAL_LOGS[0], logs / "a.eval", "pg-nul", sample=nul).resolve()
    good = clone_log(EVAL_LOGS[1], logs / "b.eval", "pg-good").resolve()
    with PostgresWarehouse.connect() as warehouse:
        summary = ingest([str(logs)], warehouse)
        assert [e.path for e in summary.errors] == [str(bad)]
        assert summary.errors[0].reason.startswith("could not be written: ")
        assert "0x00" in summary.errors[0].reason
        counts = _query(
            "select log_file, count(*) as n from inspect.samples where log_file like %s "
            "group by log_file",
            (f"{logs.resolve()}%",),
        )
        assert counts.log_file.tolist() == [str(good)] and counts.n[0] > 0
        assert forget([str(logs)], warehouse).files_pruned == 1


def test_an_older_landing_gets_every_missing_column(loaded):
    with psycopg2.connect("") as connection, connection.cursor() as cur:
        cur.execute("drop schema if exists inspect cascade")
        for statement in older_landing(POSTGRES):
            cur.execute(statement)

    def run(sql: str) -> list[tuple]:
        with psycopg2.connect("") as connection, connection.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()

    def columns_of(table: str) -> set[str]:
        rows = _query(
            "select column_name from information_schema.columns "
            "where table_schema = 'inspect' and table_name = %s",
            (table,),
        )
        return set(rows.column_name)

    with PostgresWarehouse.connect() as warehouse:
        assert_migrates(run, columns_of, lambda: ingest([str(EXAMPLE_LOGS)], warehouse))


def test_an_export_is_copied_batch_by_batch(loaded, tmp_path, monkeypatch):
    """A samples_df export: DuckDB reads and checks it in a scratch database, and its
    rows reach PostgreSQL in COPY batches (here of 7 rows): the rows DuckDB lands."""
    monkeypatch.setattr(_staged, "BATCH_ROWS", 7)
    copies = []
    with PostgresWarehouse.connect() as warehouse:
        warehouse.connection.cursor().execute("drop schema if exists inspect cascade")
        warehouse.connection.commit()
        copy = PostgresWarehouse._copy

        def counted(cur, table, batches):
            batches = list(batches)  # the export's batches, as the warehouse hands them
            copies.extend((table, batch.num_rows) for batch in batches)
            copy(cur, table, batches)

        monkeypatch.setattr(PostgresWarehouse, "_copy", staticmethod(counted))
        summary = ingest([str(EXAMPLE_EXPORT)], warehouse)
    assert not summary.errors and summary.samples_added > 0
    duck = duckdb_landing([str(EXAMPLE_EXPORT)], tmp_path / "export.duckdb")
    for table in ("samples", "sample_scores"):
        assert_same_rows(_query(f"select * from inspect.{table}"), duck[table])
        sizes = [n for name, n in copies if name == table]
        assert max(sizes) == 7 and sum(sizes) == len(duck[table])
