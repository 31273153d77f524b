"""The landing tables, described once: a warehouse made before a column existed gets
it on every table (null for the rows already loaded), and every engine spells the
same columns. The PostgreSQL and Spark runs of :func:`assert_migrates` are in
python/tests/engines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import duckdb
import pytest

from budgetcurves.ingest import DuckDBWarehouse, ingest
from budgetcurves.ingest._landing import (
    DUCKDB,
    POSTGRES,
    SAMPLES_SCHEMA,
    SCHEMA,
    SCORES_SCHEMA,
    SPARK,
    TABLES,
    Dialect,
)

from ..conftest import EXAMPLE_EXPORT, EXAMPLE_LOGS

#: A column of each landing table that an older warehouse did not have yet.
NEW_COLUMNS = {
    "samples": "total_time",
    "sample_scores": "is_first_scorer",
    "log_files": "file_etag",
}

#: A file loaded into the older warehouse (an old ledger entry and its one sample).
OLD_FILE = "old/run.eval"


def older_landing(dialect: Dialect) -> list[str]:
    """Statements that make the landing tables as an older release did: each table
    without its column of :data:`NEW_COLUMNS`, with one file loaded."""
    statements = [f"create schema if not exists {SCHEMA}"]
    for table in TABLES:
        if table.name not in NEW_COLUMNS:  # a table the older release did not have
            statements.append(f"drop table if exists {SCHEMA}.{table.name}")
            continue
        columns = tuple(c for c in table.columns if c.name != NEW_COLUMNS[table.name])
        statements += [
            f"drop table if exists {SCHEMA}.{table.name}",
            dialect.create_table(replace(table, columns=columns)),
        ]
    return [
        *statements,
        f"insert into {SCHEMA}.samples (eval_id, sample_id, epoch, log_file) "
        f"values ('old-eval', '1', 1, '{OLD_FILE}')",
        f"insert into {SCHEMA}.sample_scores (eval_id, sample_id, epoch, scorer) "
        "values ('old-eval', '1', 1, 'match')",
        f"insert into {SCHEMA}.log_files (log_file, eval_ids, sample_count, file_size) "
        f"""values ('{OLD_FILE}', '["old-eval"]', 1, 10)""",
    ]


def assert_migrates(
    run: Callable[[str], list[tuple[Any, ...]]],
    columns_of: Callable[[str], set[str]],
    load: Callable[[], Any],
) -> None:
    """On the older landing tables (``older_landing``, made already), ``load()`` (an
    ingest of the example logs) adds the missing columns and loads into them, and the
    old file's rows stay, null in the new columns. ``run(sql)``: the rows of a query."""
    summary = load()
    assert not summary.errors and summary.samples_added > 0, summary
    for table in TABLES:
        assert columns_of(table.name) == set(table.names), table.name
    # the old file's rows: kept, null where its release wrote nothing
    assert run(f"select total_time from {SCHEMA}.samples where log_file = '{OLD_FILE}'") == [
        (None,)
    ]
    old_scores = f"select is_first_scorer from {SCHEMA}.sample_scores where eval_id = 'old-eval'"
    assert run(old_scores) == [(None,)]
    assert run(
        f"select file_etag, file_size from {SCHEMA}.log_files where log_file = '{OLD_FILE}'"
    ) == [(None, 10)]
    # the new rows have the new columns filled (the example logs time every sample)
    ((samples, timed),) = run(
        f"select count(*), count(total_time) from {SCHEMA}.samples where log_file <> '{OLD_FILE}'"
    )
    assert samples == summary.samples_added and timed == samples
    ((scores, flagged),) = run(
        f"select count(*), count(is_first_scorer) from {SCHEMA}.sample_scores "
        "where eval_id <> 'old-eval'"
    )
    assert scores > 0 and flagged == scores
    ((files,),) = run(f"select count(*) from {SCHEMA}.log_files where log_file <> '{OLD_FILE}'")
    assert files == summary.files_read


def test_an_older_duckdb_landing_gets_every_missing_column(tmp_path):
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        for statement in older_landing(DUCKDB):
            con.execute(statement)
        warehouse = DuckDBWarehouse(con)
        assert_migrates(
            lambda sql: con.execute(sql).fetchall(),
            warehouse._columns_of,
            lambda: ingest([str(EXAMPLE_LOGS)], con),
        )


def test_a_migrated_landing_loads_what_a_new_one_does(tmp_path):
    """The columns the migration adds are those and of the types a new warehouse gets."""

    def columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
        return con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = ? order by table_name, column_name",
            [SCHEMA],
        ).fetchall()

    with duckdb.connect(str(tmp_path / "old.duckdb")) as old:
        for statement in older_landing(DUCKDB):
            old.execute(statement)
        DuckDBWarehouse(old).ensure_landing()
        migrated = columns(old)
    with duckdb.connect(str(tmp_path / "new.duckdb")) as new:
        DuckDBWarehouse(new).ensure_landing()
        assert migrated == columns(new)


@pytest.mark.parametrize(
    ("dialect", "spelled"),
    [
        (DUCKDB, {"varchar", "bigint", "double", "boolean", "integer", "timestamp"}),
        (POSTGRES, {"text", "bigint", "double precision", "boolean", "integer", "timestamp"}),
        (SPARK, {"string", "bigint", "double", "boolean", "int", "timestamp"}),
    ],
)
def test_every_engine_spells_every_landing_column(dialect, spelled):
    """Every column of the readers' Arrow schemas is a landing column, in each engine's
    spelling of its type (a text column is never a number on any engine)."""
    by_name = {t.name: {c.name: dialect.types[c.type] for c in t.columns} for t in TABLES}
    assert set().union(*(set(t.values()) for t in by_name.values())) == spelled
    for table, schema in (("samples", SAMPLES_SCHEMA), ("sample_scores", SCORES_SCHEMA)):
        assert list(by_name[table]) == [
            *schema.names,
            *(["loaded_at"] if table == "samples" else []),
        ]
        for field in schema:
            text = dialect.types["text"]
            assert (by_name[table][field.name] == text) == (str(field.type) == "string"), field


def test_duckdb_stores_the_raw_texts_as_the_landing_says(tmp_path):
    """The columns the landing names a compression for are stored with it (DuckDB's own
    account of its segments, after a checkpoint), on logs' and on exports' samples."""
    stored = {}
    for source, table in ((EXAMPLE_LOGS, "samples"), (EXAMPLE_EXPORT, "export_samples")):
        with duckdb.connect(str(tmp_path / f"{table}.duckdb")) as con:
            assert ingest([str(source)], con).samples_added > 0
            con.execute("checkpoint")
            stored[table] = dict(
                con.execute(
                    "select column_name, list(distinct lower(compression)) from "
                    "pragma_storage_info(?) where compression <> 'Constant' "
                    "and segment_type not in ('VALIDITY') group by column_name",
                    [f"{SCHEMA}.{table}"],
                ).fetchall()
            )
    assert stored["samples"]["model_usage"] == ["zstd"]
    assert stored["samples"]["metadata"] == ["zstd"]
    assert stored["samples"]["sample_uuid"] == ["uncompressed"]
    assert stored["export_samples"]["model_usage"] == ["zstd"]
    assert stored["export_samples"]["sample_uuid"] == ["uncompressed"]
    # a column the landing leaves to DuckDB is compressed its own way
    assert "uncompressed" not in stored["samples"]["eval_id"]
