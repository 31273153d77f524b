"""The landing tables in PostgreSQL, written through a psycopg2 connection.

The same tables, columns and per-file transactions as the DuckDB writer; rows go
in with ``COPY ... FROM STDIN`` (CSV written by Arrow, which prints every double
so that it reads back exactly). Needs ``budgetcurves[postgres]`` (psycopg2).
"""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv

from ._files import FileStamp
from ._read import SAMPLES_SCHEMA, SCORES_SCHEMA, ParsedFile, decode_eval_ids, encode_eval_ids
from ._write import LOG_FILES_COLUMNS, SCHEMA

_TYPES = {pa.int64(): "bigint", pa.float64(): "double precision", pa.bool_(): "boolean"}

#: ``loaded_at`` in UTC, without a time zone, as the DuckDB writer stores it.
_NOW_UTC = "timezone('UTC', current_timestamp)"

_CSV = pa_csv.WriteOptions(include_header=False)


def _pg_type(sql_type: str) -> str:
    """A DuckDB column type of ``LOG_FILES_COLUMNS`` in PostgreSQL's spelling."""
    if sql_type.startswith("double"):
        return "double precision" + sql_type[len("double") :]
    return sql_type


def _ddl(table: str, schema: pa.Schema, extra: str = "") -> str:
    columns = ",\n  ".join(f"{f.name} {_TYPES.get(f.type, 'text')}" for f in schema)
    return f"create table if not exists {SCHEMA}.{table} (\n  {columns}{extra}\n)"


class PostgresWarehouse:
    """The landing tables in the PostgreSQL database of ``connection`` (psycopg2).

    :meth:`connect` opens one from libpq's variables (``PGHOST``, ``PGPORT``,
    ``PGUSER``, ``PGPASSWORD``, ``PGDATABASE``), the ones ``profiles.yml``'s
    ``postgres`` target reads, so the loader and dbt see the same database.
    """

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @classmethod
    def connect(cls, dsn: str = "", **kwargs: Any) -> PostgresWarehouse:
        import psycopg2

        return cls(psycopg2.connect(dsn, **kwargs))

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> PostgresWarehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.connection, self.connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def ensure_landing(self) -> None:
        with self.connection, self.connection.cursor() as cur:
            cur.execute(f"create schema if not exists {SCHEMA}")
            cur.execute(
                _ddl("samples", SAMPLES_SCHEMA, f",\n  loaded_at timestamp default {_NOW_UTC}")
            )
            cur.execute(_ddl("sample_scores", SCORES_SCHEMA))
            columns = ",\n  ".join(f"{k} {_pg_type(v)}" for k, v in LOG_FILES_COLUMNS.items())
            cur.execute(f"create table if not exists {SCHEMA}.log_files (\n  {columns}\n)")
            for name, sql_type in LOG_FILES_COLUMNS.items():
                if "primary key" not in sql_type:
                    cur.execute(
                        f"alter table {SCHEMA}.log_files "
                        f"add column if not exists {name} {_pg_type(sql_type)}"
                    )

    def loaded_stamps(self) -> dict[str, FileStamp]:
        rows = self._run(
            f"select log_file, file_size, file_mtime_ns, file_etag from {SCHEMA}.log_files"
        )
        return {path: FileStamp(size, mtime, etag) for path, size, mtime, etag in rows}

    def loaded_eval_ids(self) -> dict[str, set[str]]:
        rows = self._run(f"select log_file, eval_ids from {SCHEMA}.log_files")
        return {path: decode_eval_ids(ids) for path, ids in rows}

    @staticmethod
    def _copy(cur: Any, table: str, rows: pa.Table) -> None:
        if rows.num_rows == 0:
            return
        buffer = io.BytesIO()
        pa_csv.write_csv(rows, buffer, _CSV)
        buffer.seek(0)
        # unquoted empty fields are nulls; Arrow quotes every string, so '' stays ''
        cur.copy_expert(
            f"copy {SCHEMA}.{table} ({', '.join(rows.column_names)}) from stdin with (format csv)",
            buffer,
        )

    def write_file(self, parsed: ParsedFile, stamp: FileStamp) -> tuple[list[str], int]:
        eval_ids = list(parsed.eval_ids)
        with self.connection, self.connection.cursor() as cur:
            cur.execute(
                f"""select distinct log_file from {SCHEMA}.samples
                where eval_id = any(%s) and log_file <> %s""",
                (eval_ids, parsed.path),
            )
            taken = [row[0] for row in cur.fetchall()]
            cur.execute(
                f"""delete from {SCHEMA}.sample_scores where eval_id = any(%s) or eval_id in (
                    select eval_id from {SCHEMA}.samples where log_file = %s)""",
                (eval_ids, parsed.path),
            )
            cur.execute(
                f"delete from {SCHEMA}.samples where log_file = %s or eval_id = any(%s)",
                (parsed.path, eval_ids),
            )
            removed = cur.rowcount
            self._copy(cur, "samples", parsed.samples)
            self._copy(cur, "sample_scores", parsed.scores)
            cur.execute(
                f"""insert into {SCHEMA}.log_files
                    (log_file, file_kind, log_status, format_version, eval_ids, sample_count,
                     file_size, file_mtime_ns, file_etag, loaded_at)
                values (%s, %s, %s, %s, %s, %s, %s, %s, %s, {_NOW_UTC})
                on conflict (log_file) do update set
                    file_kind = excluded.file_kind,
                    log_status = excluded.log_status,
                    format_version = excluded.format_version,
                    eval_ids = excluded.eval_ids,
                    sample_count = excluded.sample_count,
                    file_size = excluded.file_size,
                    file_mtime_ns = excluded.file_mtime_ns,
                    file_etag = excluded.file_etag,
                    loaded_at = excluded.loaded_at""",
                (
                    parsed.path,
                    parsed.kind,
                    parsed.status,
                    parsed.format_version,
                    encode_eval_ids(parsed.eval_ids),
                    parsed.samples.num_rows,
                    stamp.size,
                    stamp.mtime_ns,
                    stamp.etag,
                ),
            )
        return taken, removed

    def forget_file(self, path: str) -> int:
        with self.connection, self.connection.cursor() as cur:
            cur.execute(
                f"""delete from {SCHEMA}.sample_scores where eval_id in (
                    select eval_id from {SCHEMA}.samples where log_file = %s)""",
                (path,),
            )
            cur.execute(f"delete from {SCHEMA}.samples where log_file = %s", (path,))
            removed = cur.rowcount
            cur.execute(f"delete from {SCHEMA}.log_files where log_file = %s", (path,))
        return removed
