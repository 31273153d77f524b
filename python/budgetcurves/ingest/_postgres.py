"""The landing tables in PostgreSQL, written through a psycopg2 connection.

The same tables, columns and per-file transactions as the DuckDB writer; rows go
in with ``COPY ... FROM STDIN`` (CSV written by Arrow, which prints every double
so that it reads back exactly). Needs ``budgetcurves[postgres]`` (psycopg2).
"""

from __future__ import annotations

import io
from contextlib import AbstractContextManager
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv

from ._files import FileStamp
from ._landing import LEDGER_SCHEMA, LOG_FILES, POSTGRES, SCHEMA, ledger_rows, migrate
from ._read import ParsedFile, decode_eval_ids
from ._warehouse import Replaced, raising_warehouse_errors

_CSV = pa_csv.WriteOptions(include_header=False)

#: A file's ledger entry, new or replacing its earlier one.
_LEDGER_UPSERT = (
    f"insert into {SCHEMA}.log_files ({', '.join(LOG_FILES.names)}) "
    f"values ({', '.join(['%s'] * len(LEDGER_SCHEMA))}, {POSTGRES.now_utc}) "
    f"on conflict ({', '.join(LOG_FILES.key)}) do update set "
    + ", ".join(f"{name} = excluded.{name}" for name in LOG_FILES.names[1:])
)


def _errors() -> AbstractContextManager[None]:
    """psycopg2's errors as :class:`WarehouseError`; a lost connection is fatal."""
    import psycopg2

    return raising_warehouse_errors(
        psycopg2.Error,
        lambda exc: isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError)),
    )


class PostgresWarehouse:
    """The landing tables in the PostgreSQL database of ``connection`` (psycopg2).

    :meth:`connect` opens one from libpq's variables (``PGHOST``, ``PGPORT``,
    ``PGUSER``, ``PGPASSWORD``, ``PGDATABASE``), the ones ``profiles.yml``'s
    ``postgres`` target reads, so the loader and dbt see the same database.
    psycopg2 opens a transaction with the first statement: :meth:`begin` has nothing
    to do, :meth:`commit` and :meth:`rollback` end it.
    """

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @classmethod
    def connect(cls, dsn: str = "", **kwargs: Any) -> PostgresWarehouse:
        import psycopg2

        with _errors():
            return cls(psycopg2.connect(dsn, **kwargs))

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> PostgresWarehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with _errors(), self.connection, self.connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def ensure_landing(self) -> None:
        with _errors(), self.connection, self.connection.cursor() as cur:
            migrate(POSTGRES, cur.execute, lambda table: self._columns_of(cur, table))

    @staticmethod
    def _columns_of(cur: Any, table: str) -> set[str]:
        cur.execute(
            "select column_name from information_schema.columns "
            "where table_schema = %s and table_name = %s",
            (SCHEMA, table),
        )
        return {name for (name,) in cur.fetchall()}

    def loaded_stamps(self) -> dict[str, FileStamp]:
        rows = self._run(
            f"select log_file, file_size, file_mtime_ns, file_etag from {SCHEMA}.log_files"
        )
        return {path: FileStamp(size, mtime, etag) for path, size, mtime, etag in rows}

    def loaded_eval_ids(self) -> dict[str, set[str]]:
        rows = self._run(f"select log_file, eval_ids from {SCHEMA}.log_files")
        return {path: decode_eval_ids(ids) for path, ids in rows}

    def begin(self) -> None:
        """psycopg2 begins with the first statement."""

    def commit(self) -> None:
        with _errors():
            self.connection.commit()

    def rollback(self) -> None:
        with _errors():
            self.connection.rollback()

    def flush(self) -> None:
        """Nothing is held back past a commit."""

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

    def replace(self, parsed: ParsedFile, stamp: FileStamp, *, new: bool = False) -> Replaced:
        eval_ids = list(parsed.eval_ids)
        taken: list[str] = []
        removed = 0
        with _errors(), self.connection.cursor() as cur:
            if not new:
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
            (entry,) = ledger_rows([(parsed, stamp, parsed.samples.num_rows)]).to_pylist()
            cur.execute(_LEDGER_UPSERT, tuple(entry.values()))
        return Replaced(parsed.samples.num_rows, removed, taken)

    def forget(self, path: str) -> int:
        with _errors(), self.connection.cursor() as cur:
            cur.execute(
                f"""delete from {SCHEMA}.sample_scores where eval_id in (
                    select eval_id from {SCHEMA}.samples where log_file = %s)""",
                (path,),
            )
            cur.execute(f"delete from {SCHEMA}.samples where log_file = %s", (path,))
            removed = cur.rowcount
            cur.execute(f"delete from {SCHEMA}.log_files where log_file = %s", (path,))
        return int(removed)
