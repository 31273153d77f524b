"""Writing: parsed files -> the landing tables of the dbt source ``inspect``.

One transaction per file: the file's earlier rows (and any rows of the same
evals loaded from another file) are replaced by its new rows, and the ledger
``inspect.log_files`` records what was loaded, so a re-run reads only what changed.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ._files import FileStamp
from ._read import SAMPLES_SCHEMA, SCORES_SCHEMA, ParsedFile

SCHEMA = "inspect"

LOG_FILES_COLUMNS = {
    "log_file": "varchar primary key",
    "file_kind": "varchar",
    "log_status": "varchar",
    "format_version": "integer",
    "eval_ids": "varchar",
    "sample_count": "bigint",
    "file_size": "bigint",
    "file_mtime_ns": "bigint",
    "loaded_at": "timestamp",
    # an object store's ETag (remote logs): a rewrite within the same second, same size
    "file_etag": "varchar",
}

#: ``loaded_at`` in UTC, without a time zone (what dbt's source freshness expects).
_NOW_UTC = "timezone('UTC', current_timestamp)"


def _sql_type(arrow_type: pa.DataType) -> str:
    return {pa.int64(): "bigint", pa.float64(): "double", pa.bool_(): "boolean"}.get(
        arrow_type, "varchar"
    )


def _ddl(table: str, schema: pa.Schema, extra: str = "") -> str:
    columns = ",\n  ".join(f"{f.name} {_sql_type(f.type)}" for f in schema)
    return f"create table if not exists {SCHEMA}.{table} (\n  {columns}{extra}\n)"


def ensure_landing(con: duckdb.DuckDBPyConnection) -> None:
    """Create the landing schema and tables when they are missing."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(_ddl("samples", SAMPLES_SCHEMA, ",\n  loaded_at timestamp"))
    # landing tables made before a column existed get it (null for the rows already loaded)
    for field in SAMPLES_SCHEMA:
        con.execute(
            f"alter table {SCHEMA}.samples add column if not exists {field.name} "
            f"{_sql_type(field.type)}"
        )
    con.execute(_ddl("sample_scores", SCORES_SCHEMA))
    columns = ",\n  ".join(f"{k} {v}" for k, v in LOG_FILES_COLUMNS.items())
    con.execute(f"create table if not exists {SCHEMA}.log_files (\n  {columns}\n)")
    # ledgers written before a column existed get it (null for the files already loaded)
    for name, sql_type in LOG_FILES_COLUMNS.items():
        if "primary key" not in sql_type:
            con.execute(
                f"alter table {SCHEMA}.log_files add column if not exists {name} {sql_type}"
            )


def loaded_stamps(con: duckdb.DuckDBPyConnection) -> dict[str, FileStamp]:
    """The ledger: every loaded file with the stamp it had when loaded."""
    rows = con.execute(
        f"select log_file, file_size, file_mtime_ns, file_etag from {SCHEMA}.log_files"
    )
    return {path: FileStamp(size, mtime, etag) for path, size, mtime, etag in rows.fetchall()}


def loaded_eval_ids(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Each ledger file's eval ids (the evals it held when it was loaded)."""
    rows = con.execute(f"select log_file, eval_ids from {SCHEMA}.log_files").fetchall()
    return {path: set(filter(None, (ids or "").split(","))) for path, ids in rows}


def _count(result: duckdb.DuckDBPyConnection) -> int:
    row = result.fetchone()
    return int(row[0]) if row else 0


def write_file(
    con: duckdb.DuckDBPyConnection, parsed: ParsedFile, stamp: FileStamp
) -> tuple[list[str], int]:
    """Replace one file's rows atomically.

    Returns the other files whose evals it took over and how many samples it
    replaced (its own earlier rows and those of the same evals from elsewhere).
    """
    con.execute("begin transaction")
    try:
        con.register("bc_eval_ids", pa.table({"eval_id": pa.array(parsed.eval_ids, pa.string())}))
        taken = [
            row[0]
            for row in con.execute(
                f"""select distinct log_file from {SCHEMA}.samples
                where eval_id in (select eval_id from bc_eval_ids) and log_file <> ?""",
                [parsed.path],
            ).fetchall()
        ]
        con.execute(
            f"""delete from {SCHEMA}.sample_scores where eval_id in (
                select eval_id from {SCHEMA}.samples where log_file = ?
                union select eval_id from bc_eval_ids)""",
            [parsed.path],
        )
        removed = _count(
            con.execute(
                f"""delete from {SCHEMA}.samples where log_file = ?
                or eval_id in (select eval_id from bc_eval_ids)""",
                [parsed.path],
            )
        )
        con.register("bc_samples", parsed.samples)
        con.register("bc_scores", parsed.scores)
        con.execute(
            f"insert into {SCHEMA}.samples by name "
            f"select *, {_NOW_UTC} as loaded_at from bc_samples"
        )
        con.execute(f"insert into {SCHEMA}.sample_scores by name select * from bc_scores")
        con.execute(
            f"""insert or replace into {SCHEMA}.log_files
                (log_file, file_kind, log_status, format_version, eval_ids, sample_count,
                 file_size, file_mtime_ns, file_etag, loaded_at)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, {_NOW_UTC})""",
            [
                parsed.path,
                parsed.kind,
                parsed.status,
                parsed.format_version,
                ",".join(parsed.eval_ids),
                parsed.samples.num_rows,
                stamp.size,
                stamp.mtime_ns,
                stamp.etag,
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        for name in ("bc_eval_ids", "bc_samples", "bc_scores"):
            con.unregister(name)
    return taken, removed


def forget_file(con: duckdb.DuckDBPyConnection, path: str) -> int:
    """Remove a file's rows and its ledger entry (``--prune``); returns the samples removed."""
    con.execute("begin transaction")
    try:
        con.execute(
            f"""delete from {SCHEMA}.sample_scores where eval_id in (
                select eval_id from {SCHEMA}.samples where log_file = ?)""",
            [path],
        )
        removed = _count(con.execute(f"delete from {SCHEMA}.samples where log_file = ?", [path]))
        con.execute(f"delete from {SCHEMA}.log_files where log_file = ?", [path])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return removed
