"""Writing: parsed files -> the landing tables of the dbt source ``inspect``.

One transaction per file: the file's earlier rows (and any rows of the same
evals loaded from another file) are replaced by its new rows, and the ledger
``inspect.log_files`` records what was loaded, so a re-run reads only what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import duckdb
import pyarrow as pa

from ._export import export_queries
from ._files import FileStamp
from ._read import (
    CHECKED_COLUMNS,
    SAMPLES_SCHEMA,
    SCORES_SCHEMA,
    LogReadError,
    ParsedFile,
    decode_eval_ids,
    encode_eval_ids,
    non_finite_note,
    usage_notes,
)

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
    return {path: decode_eval_ids(ids) for path, ids in rows}


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
    taken, removed, _ = _replace_file(con, parsed, stamp)
    return taken, removed


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back after an error; the error is what to report: a failed commit (a full
    disk) has ended the transaction already, and "cannot rollback" would hide why."""
    with suppress(duckdb.Error):
        con.execute("rollback")


def is_fatal(exc: BaseException) -> bool:
    """Is ``exc`` the database's own trouble (a full disk, a lost file, an interrupt),
    which every further file would meet too: stop, and say it once."""
    if isinstance(exc, (duckdb.IOException, duckdb.FatalException, duckdb.InterruptException)):
        return True
    text = str(exc)
    return any(sign in text for sign in DISK_FULL)


#: What the operating system says when a write does not fit (ENOSPC, EFBIG, EDQUOT).
DISK_FULL = ("No space left on device", "File too large", "Disk quota exceeded")


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection, views: dict[str, object]) -> Iterator[None]:
    """One transaction with ``views`` (Arrow tables or relations of ``con``) registered
    by name; rolled back on any error, even an interrupt."""
    con.execute("begin transaction")
    try:
        for name, rows in views.items():
            con.register(name, rows)
        yield
        con.execute("commit")
    except BaseException:
        _rollback(con)
        raise
    finally:
        for name in views:
            con.unregister(name)


def write_new_files(
    con: duckdb.DuckDBPyConnection, files: list[tuple[ParsedFile, FileStamp]]
) -> None:
    """Load files new to the ledger (neither their paths nor their evals are in it) in
    one transaction. No loaded row can be theirs, so nothing is deleted and the loaded
    rows are not scanned: a refresh costs the new files, not the warehouse."""
    samples = pa.concat_tables([parsed.samples for parsed, _ in files])
    scores = pa.concat_tables([parsed.scores for parsed, _ in files])
    ledger = pa.table(
        {
            "log_file": [parsed.path for parsed, _ in files],
            "file_kind": [parsed.kind for parsed, _ in files],
            "log_status": [parsed.status for parsed, _ in files],
            "format_version": pa.array([p.format_version for p, _ in files], pa.int32()),
            "eval_ids": [encode_eval_ids(parsed.eval_ids) for parsed, _ in files],
            "sample_count": [parsed.samples.num_rows for parsed, _ in files],
            "file_size": [stamp.size for _, stamp in files],
            "file_mtime_ns": [stamp.mtime_ns for _, stamp in files],
            "file_etag": pa.array([stamp.etag for _, stamp in files], pa.string()),
        }
    )
    with _transaction(con, {"bc_samples": samples, "bc_scores": scores, "bc_ledger": ledger}):
        con.execute(
            f"insert into {SCHEMA}.samples by name "
            f"select *, {_NOW_UTC} as loaded_at from bc_samples"
        )
        con.execute(f"insert into {SCHEMA}.sample_scores by name select * from bc_scores")
        con.execute(
            f"insert into {SCHEMA}.log_files by name "
            f"select *, {_NOW_UTC} as loaded_at from bc_ledger"
        )


def write_export(
    con: duckdb.DuckDBPyConnection,
    path: str,
    stamp: FileStamp,
    local_path: str | None = None,
    table: pa.Table | None = None,
) -> tuple[list[str], int, int, list[str]]:
    """Load a samples_df export as :func:`write_file` loads a parsed file, but with
    DuckDB reading the file straight into the landing tables: the rows never pass
    through Python, so memory stays bounded however large the export. ``table``: the
    export as an Arrow table in memory (loaded under the name ``path``).

    Returns the files whose evals it took over, the samples it replaced, the samples
    it added and the notes on the file; raises :class:`LogReadError` for a bad export.
    """
    queries = export_queries(con, path, local_path, table)
    order = con.execute("select current_setting('preserve_insertion_order')").fetchone()[0]
    # the landing tables have no order: letting DuckDB write in any order streams
    con.execute("set preserve_insertion_order = false")
    try:
        eval_ids = [row[0] for row in con.execute(queries.eval_ids).fetchall()]
        parsed = ParsedFile(
            path,
            "samples_df",
            None,
            eval_ids,
            None,
            con.sql(queries.samples),
            con.sql(queries.scores),
            list(queries.notes),
        )
        taken, removed, added = _replace_file(con, parsed, stamp, _loaded_usage_notes)
    except duckdb.Error as exc:
        if is_fatal(exc):
            raise
        first = str(exc).strip().splitlines()[0]
        raise LogReadError(path, f"could not read the export: {first}") from None
    finally:
        con.execute(f"set preserve_insertion_order = {str(order).lower()}")
    return taken, removed, added, parsed.notes


def _loaded_usage_notes(con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> None:
    """:func:`usage_notes` on the rows just loaded from ``parsed.path``, counted in SQL."""
    checks = [f"{column} < 0" for column in CHECKED_COLUMNS] + ["total_tokens is null"]
    example = "cast(sample_id as varchar) || '/' || cast(epoch as varchar)"
    columns = ", ".join(
        f"count(*) filter (where {check}), min({example}, 3) filter (where {check})"
        for check in checks
    )
    row = con.execute(
        f"select count(*), {columns} from {SCHEMA}.samples where log_file = ?", [parsed.path]
    ).fetchone()
    counted = [(row[i] or 0, ", ".join(row[i + 1] or [])) for i in range(1, len(row), 2)]
    parsed.notes.extend(
        usage_notes(row[0], dict(zip(CHECKED_COLUMNS, counted[:-1], strict=True)), counted[-1])
    )
    non_finite = con.execute(
        f"""select scorer, count(*) from {SCHEMA}.sample_scores
        where value_type = 'non_finite' and eval_id in (select eval_id from bc_eval_ids)
        group by scorer order by scorer"""
    ).fetchall()
    parsed.notes.extend(non_finite_note(scorer, count) for scorer, count in non_finite)


def _replace_file(
    con: duckdb.DuckDBPyConnection,
    parsed: ParsedFile,
    stamp: FileStamp,
    check: Callable[[duckdb.DuckDBPyConnection, ParsedFile], None] | None = None,
) -> tuple[list[str], int, int]:
    """The one transaction of :func:`write_file`; ``parsed.samples`` and ``.scores`` are
    Arrow tables or DuckDB relations of ``con``. ``check`` runs on the loaded rows
    before the commit. Returns (files taken over, samples replaced, samples added)."""
    views = {
        "bc_eval_ids": pa.table({"eval_id": pa.array(parsed.eval_ids, pa.string())}),
        "bc_samples": parsed.samples,
        "bc_scores": parsed.scores,
    }
    with _transaction(con, views):
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
        added = _count(
            con.execute(
                f"insert into {SCHEMA}.samples by name "
                f"select *, {_NOW_UTC} as loaded_at from bc_samples"
            )
        )
        con.execute(f"insert into {SCHEMA}.sample_scores by name select * from bc_scores")
        if check is not None:
            check(con, parsed)
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
                encode_eval_ids(parsed.eval_ids),
                added,
                stamp.size,
                stamp.mtime_ns,
                stamp.etag,
            ],
        )
    return taken, removed, added


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
        _rollback(con)
        raise
    return removed


#: The name a frame handed over in memory is loaded under (its ``log_file``).
FRAME_NAME = "<frame>"


def load_frame(con: duckdb.DuckDBPyConnection, table: pa.Table) -> list[str]:
    """A ``samples_df`` frame, as an Arrow table, into the landing tables of ``con``
    (created if missing) as an export file would load: DuckDB scans the table in
    place. Returns the notes on it; raises :class:`LogReadError` as for an export."""
    ensure_landing(con)
    stamp = FileStamp(size=table.nbytes, mtime_ns=0)
    return write_export(con, FRAME_NAME, stamp, table=table)[3]
