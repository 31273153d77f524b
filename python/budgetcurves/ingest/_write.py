"""Writing: parsed files -> the landing tables of the dbt source ``inspect``.

One transaction per file: the file's earlier rows (and any rows of the same
evals loaded from another file) are replaced by its new rows, and the ledger
``inspect.log_files`` records what was loaded, so a re-run reads only what changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

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
}


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
    con.execute(_ddl("sample_scores", SCORES_SCHEMA))
    columns = ",\n  ".join(f"{k} {v}" for k, v in LOG_FILES_COLUMNS.items())
    con.execute(f"create table if not exists {SCHEMA}.log_files (\n  {columns}\n)")


@dataclass(frozen=True)
class FileStamp:
    """What identifies one version of a file on disk."""

    size: int
    mtime_ns: int


def loaded_stamps(con: duckdb.DuckDBPyConnection) -> dict[str, FileStamp]:
    """The ledger: every loaded file with the size and mtime it had when loaded."""
    rows = con.execute(f"select log_file, file_size, file_mtime_ns from {SCHEMA}.log_files")
    return {path: FileStamp(size, mtime) for path, size, mtime in rows.fetchall()}


def write_file(con: duckdb.DuckDBPyConnection, parsed: ParsedFile, stamp: FileStamp) -> list[str]:
    """Replace one file's rows atomically; returns the files whose evals it took over."""
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
        con.execute(
            f"""delete from {SCHEMA}.samples where log_file = ?
                or eval_id in (select eval_id from bc_eval_ids)""",
            [parsed.path],
        )
        con.register("bc_samples", parsed.samples)
        con.register("bc_scores", parsed.scores)
        con.execute(
            f"insert into {SCHEMA}.samples by name "
            "select *, current_timestamp::timestamp as loaded_at from bc_samples"
        )
        con.execute(f"insert into {SCHEMA}.sample_scores by name select * from bc_scores")
        con.execute(
            f"""insert or replace into {SCHEMA}.log_files values
                (?, ?, ?, ?, ?, ?, ?, ?, current_timestamp::timestamp)""",
            [
                parsed.path,
                parsed.kind,
                parsed.status,
                parsed.format_version,
                ",".join(parsed.eval_ids),
                parsed.samples.num_rows,
                stamp.size,
                stamp.mtime_ns,
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        for name in ("bc_eval_ids", "bc_samples", "bc_scores"):
            con.unregister(name)
    return taken


def forget_file(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """Remove a file's rows and its ledger entry (``--prune``)."""
    con.execute("begin transaction")
    try:
        con.execute(
            f"""delete from {SCHEMA}.sample_scores where eval_id in (
                select eval_id from {SCHEMA}.samples where log_file = ?)""",
            [path],
        )
        con.execute(f"delete from {SCHEMA}.samples where log_file = ?", [path])
        con.execute(f"delete from {SCHEMA}.log_files where log_file = ?", [path])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
