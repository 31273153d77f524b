"""The landing tables in PostgreSQL, written through a psycopg2 connection.

The same tables, columns and per-file transactions as the DuckDB writer; rows go
in with ``COPY ... FROM STDIN`` (CSV written by Arrow, which prints every double
so that it reads back exactly), a batch of rows at a time; a samples_df export is
read and checked by DuckDB in a scratch database first (``_staged``). Needs
``budgetcurves[postgres]`` (psycopg2).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv

from ._files import FileStamp
from ._landing import (
    LEDGER_SCHEMA,
    LOG_FILES,
    POSTGRES,
    SCHEMA,
    ParsedFile,
    decode_eval_ids,
    ledger_rows,
    migrate,
)
from ._staged import BATCH_ROWS, staged_export
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
    def _copy(cur: Any, table: str, rows: pa.Table | Iterable[pa.RecordBatch]) -> None:
        """``rows`` into ``table`` with ``COPY``, one CSV batch of at most
        :data:`BATCH_ROWS` rows at a time, so memory holds a batch, not the table."""
        batches = rows.to_batches(BATCH_ROWS) if isinstance(rows, pa.Table) else rows
        for batch in batches:
            if batch.num_rows == 0:
                continue
            buffer = io.BytesIO()
            pa_csv.write_csv(batch, buffer, _CSV)
            buffer.seek(0)
            # unquoted empty fields are nulls; Arrow quotes every string, so '' stays ''
            cur.copy_expert(
                f"copy {SCHEMA}.{table} ({', '.join(batch.schema.names)}) "
                "from stdin with (format csv)",
                buffer,
            )

    @staticmethod
    def _remove(cur: Any, path: str, eval_ids: list[str]) -> tuple[list[str], int]:
        """Remove the rows of ``path`` and of its evals loaded from any file; returns
        the other files whose evals these were, and the samples removed."""
        cur.execute(
            f"""select distinct log_file from {SCHEMA}.samples
            where eval_id = any(%s) and log_file <> %s""",
            (eval_ids, path),
        )
        taken = [row[0] for row in cur.fetchall()]
        cur.execute(
            f"""delete from {SCHEMA}.sample_scores where eval_id = any(%s) or eval_id in (
                select eval_id from {SCHEMA}.samples where log_file = %s)""",
            (eval_ids, path),
        )
        cur.execute(
            f"delete from {SCHEMA}.samples where log_file = %s or eval_id = any(%s)",
            (path, eval_ids),
        )
        return taken, int(cur.rowcount)

    def replace(self, parsed: ParsedFile, stamp: FileStamp, *, new: bool = False) -> Replaced:
        taken: list[str] = []
        removed = 0
        with _errors(), self.connection.cursor() as cur:
            if not new:
                taken, removed = self._remove(cur, parsed.path, list(parsed.eval_ids))
            self._copy(cur, "samples", parsed.samples)
            self._copy(cur, "sample_scores", parsed.scores)
            (entry,) = ledger_rows([(parsed, stamp, parsed.samples.num_rows)]).to_pylist()
            cur.execute(_LEDGER_UPSERT, tuple(entry.values()))
        return Replaced(parsed.samples.num_rows, removed, taken)

    def replace_export(
        self, path: str, stamp: FileStamp, local_path: str | None = None
    ) -> Replaced:
        """As :meth:`replace`, for the samples_df export at ``local_path`` (named
        ``path``): DuckDB reads and checks it in a scratch database, and its rows are
        copied from there a batch at a time (never the whole export in Python)."""
        with staged_export(path, stamp, local_path) as staged:
            parsed = staged.parsed
            with _errors(), self.connection.cursor() as cur:
                taken, removed = self._remove(cur, path, list(parsed.eval_ids))
                self._copy(cur, "samples", staged.batches("samples"))
                self._copy(cur, "sample_scores", staged.batches("sample_scores"))
                (entry,) = ledger_rows([(parsed, stamp, staged.samples)]).to_pylist()
                cur.execute(_LEDGER_UPSERT, tuple(entry.values()))
        return Replaced(staged.samples, removed, taken, list(parsed.notes))

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
