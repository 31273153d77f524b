"""The landing tables in DuckDB (the default warehouse), written through a connection.

One transaction per file: the file's earlier rows (and any rows of the same evals
loaded from another file) are replaced by its new rows, and the ledger
``inspect.log_files`` records what was loaded, so a re-run reads only what changed.
Files new to the ledger are held until :meth:`DuckDBWarehouse.commit` and inserted
together: a commit per file costs more than reading a small log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any

import duckdb
import pyarrow as pa

from .._errors import LogReadError
from ._export import export_queries
from ._files import FileStamp
from ._landing import (
    DUCKDB,
    LEDGER_SCHEMA,
    LOG_FILES,
    SAMPLES_SCHEMA,
    SCHEMA,
    SCORES_SCHEMA,
    TABLES,
    ParsedFile,
    decode_eval_ids,
    ledger_dicts,
    migrate,
)
from ._rows import (
    CHECKED_COLUMNS,
    MISSING_CHECKED,
    coverage_notes,
    non_finite_note,
    usage_notes,
)
from ._warehouse import Replaced, WarehouseError, raising_warehouse_errors, transaction

#: ``loaded_at`` in UTC, without a time zone (what dbt's source freshness expects).
_NOW_UTC = "timezone('UTC', current_timestamp)"

#: What the operating system says when a write does not fit (ENOSPC, EFBIG, EDQUOT).
DISK_FULL = ("No space left on device", "File too large", "Disk quota exceeded")


def is_fatal(exc: BaseException) -> bool:
    """Is ``exc`` the database's own trouble (a full disk, a lost file, an interrupt),
    which every further file would meet too: stop, and say it once."""
    if isinstance(exc, (duckdb.IOException, duckdb.FatalException, duckdb.InterruptException)):
        return True
    return any(sign in str(exc) for sign in DISK_FULL)


def _errors() -> AbstractContextManager[None]:
    return raising_warehouse_errors(duckdb.Error, is_fatal)


def _count(result: duckdb.DuckDBPyConnection) -> int:
    row = result.fetchone()
    return int(row[0]) if row else 0


def _one_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The row of a query that always has one (an aggregate, a setting)."""
    row = result.fetchone()
    if row is None:
        raise WarehouseError("DuckDB returned no row where one was due")
    return row


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back after an error; the error is what to report: a failed commit (a full
    disk) has ended the transaction already, and "cannot rollback" would hide why."""
    with suppress(duckdb.Error):
        con.execute("rollback")


@contextmanager
def _views(con: duckdb.DuckDBPyConnection, views: Mapping[str, object]) -> Iterator[None]:
    """``views`` (Arrow tables or relations of ``con``) registered by name inside."""
    try:
        for name, rows in views.items():
            con.register(name, rows)
        yield
    finally:
        for name in views:
            # refused in a failed transaction ("transaction is aborted"), which would
            # hide the error that failed it; a name left registered is replaced next time
            with suppress(duckdb.Error):
                con.unregister(name)


#: DuckDB's vector: the rows it appends at once.
_VECTOR_ROWS = 2048


def _few_chunks(tables: list[pa.Table]) -> pa.Table:
    """``tables`` as one, its chunks combined when they are small: DuckDB appends an
    Arrow table chunk by chunk, and a chunk per small log (100 samples) costs 3x the
    rows' own insert. Chunks of a vector or more are appended as they are (combining
    would copy every column)."""
    table = pa.concat_tables(tables)
    chunks = table.column(0).num_chunks if table.num_columns else 0
    return table.combine_chunks() if table.num_rows < _VECTOR_ROWS * chunks else table


def _insert_samples(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return con.execute(
        f"insert into {SCHEMA}.samples by name select *, {_NOW_UTC} as loaded_at from bc_samples"
    )


def _listed(
    con: duckdb.DuckDBPyConnection, columns: Mapping[str, tuple[str, list[Any]]]
) -> duckdb.DuckDBPyRelation:
    """Rows given as a list of values per column (name -> DuckDB type, values) as a
    relation of ``con``, the values bound. Not an Arrow table: pyarrow's first array
    made from Python values imports pandas (0.15 s), which loading an export has no
    other use for."""
    select = ", ".join(
        f"unnest(${name}::{duck_type}[]) as {name}" for name, (duck_type, _) in columns.items()
    )
    return con.sql(f"select {select}", params={n: v for n, (_, v) in columns.items()})


def _ledger(
    con: duckdb.DuckDBPyConnection, files: Iterable[tuple[ParsedFile, FileStamp, int]]
) -> duckdb.DuckDBPyRelation:
    """The ledger's rows (:func:`ledger_dicts`) for ``files`` as a relation of ``con``."""
    rows = ledger_dicts(files)
    types = {column.name: DUCKDB.types[column.type] for column in LOG_FILES.columns}
    return _listed(
        con, {name: (types[name], [row[name] for row in rows]) for name in LEDGER_SCHEMA.names}
    )


def _insert_ledger(con: duckdb.DuckDBPyConnection, verb: str = "insert") -> None:
    con.execute(
        f"{verb} into {SCHEMA}.log_files by name select *, {_NOW_UTC} as loaded_at from bc_ledger"
    )


class DuckDBWarehouse:
    """The landing tables in the DuckDB database of ``con``."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._new: list[tuple[ParsedFile, FileStamp]] = []
        #: a setting to put back once a failed transaction is rolled back
        self._restore: str | None = None
        #: the landing tables were created by this warehouse and nothing is written
        #: yet: a file's earlier rows cannot be there to replace
        self._empty = False

    def ensure_landing(self) -> None:
        with _errors():
            # the tables' columns in one query (a notebook's frame loads into a new
            # database at every call); a table not there is asked again once created
            found: dict[str, set[str]] = {table.name: set() for table in TABLES}
            for table, column in self.con.execute(
                "select table_name, column_name from information_schema.columns "
                "where table_schema = ?",
                [SCHEMA],
            ).fetchall():
                found.setdefault(table, set()).add(column)

            def columns_of(table: str) -> set[str]:
                return found.pop(table) if table in found else self._columns_of(table)

            created = migrate(DUCKDB, self.con.execute, columns_of)
            self._empty = created == {table.name for table in TABLES}

    def _columns_of(self, table: str) -> set[str]:
        rows = self.con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [SCHEMA, table],
        ).fetchall()
        return {name for (name,) in rows}

    def loaded_stamps(self) -> dict[str, FileStamp]:
        with _errors():
            rows = self.con.execute(
                f"select log_file, file_size, file_mtime_ns, file_etag from {SCHEMA}.log_files"
            ).fetchall()
        return {path: FileStamp(size, mtime, etag) for path, size, mtime, etag in rows}

    def loaded_eval_ids(self) -> dict[str, set[str]]:
        with _errors():
            rows = self.con.execute(f"select log_file, eval_ids from {SCHEMA}.log_files").fetchall()
        return {path: decode_eval_ids(ids) for path, ids in rows}

    def begin(self) -> None:
        with _errors():
            self.con.execute("begin transaction")

    def commit(self) -> None:
        with _errors():
            self._insert_new()
            self.con.execute("commit")

    def rollback(self) -> None:
        self._new.clear()
        _rollback(self.con)
        if self._restore is not None:
            with suppress(duckdb.Error):
                self.con.execute(self._restore)
            self._restore = None

    def flush(self) -> None:
        """Nothing is held back past a commit."""

    def close(self) -> None:
        self.con.close()

    def replace(self, parsed: ParsedFile, stamp: FileStamp, *, new: bool = False) -> Replaced:
        if new:
            self._new.append((parsed, stamp))
            return Replaced(parsed.samples.num_rows)
        with _errors():
            return self._replace(parsed, stamp, parsed.samples, parsed.scores)

    def _insert_new(self) -> None:
        """The files new to the ledger, in the open transaction: no loaded row can be
        theirs, so nothing is deleted and the loaded rows are not scanned: a refresh
        costs the new files, not the warehouse."""
        files, self._new = self._new, []
        if not files:
            return
        self._empty = False
        views = {
            "bc_samples": _few_chunks([p.samples for p, _ in files]),
            "bc_scores": _few_chunks([p.scores for p, _ in files]),
            "bc_ledger": _ledger(self.con, ((p, stamp, p.samples.num_rows) for p, stamp in files)),
        }
        with _views(self.con, views):
            _insert_samples(self.con)
            self.con.execute(f"insert into {SCHEMA}.sample_scores by name select * from bc_scores")
            _insert_ledger(self.con)

    def _replace(
        self,
        parsed: ParsedFile,
        stamp: FileStamp,
        samples: pa.Table | duckdb.DuckDBPyRelation,
        scores: pa.Table | duckdb.DuckDBPyRelation,
        check: Callable[[duckdb.DuckDBPyConnection, ParsedFile], None] | None = None,
        exported: bool = False,
    ) -> Replaced:
        """``parsed``'s rows, ``samples`` and ``scores``: Arrow tables or DuckDB relations
        of the connection. ``check`` runs on the loaded rows before the ledger is written.
        ``exported``: ``samples`` are an export's narrow rows (``export_samples``),
        and the temporary table ``bc_evals`` its evals (``export_evals``)."""
        con = self.con
        views = {
            "bc_eval_ids": _listed(con, {"eval_id": ("varchar", parsed.eval_ids)}),
            "bc_samples": samples,
            "bc_scores": scores,
        }
        with _views(con, views):
            taken, removed = ([], 0) if self._empty else self._remove(parsed.path)
            self._empty = False
            if not exported:
                added = _count(_insert_samples(con))
            else:
                added = _count(
                    con.execute(
                        f"insert into {SCHEMA}.export_samples by name select * from bc_samples"
                    )
                )
                con.execute(
                    f"insert into {SCHEMA}.export_evals by name "
                    f"select * exclude (bc_is_constant), {_NOW_UTC} as loaded_at from bc_evals"
                )
            con.execute(f"insert into {SCHEMA}.sample_scores by name select * from bc_scores")
            if check is not None:
                check(con, parsed)
        with _views(con, {"bc_ledger": _ledger(con, [(parsed, stamp, added)])}):
            _insert_ledger(con, "insert or replace")
        return Replaced(added, removed, taken)

    def _remove(self, path: str) -> tuple[list[str], int]:
        """Delete the rows of the file ``path`` and of the evals of ``bc_eval_ids``:
        the files that held those evals, and the count of samples removed."""
        con = self.con
        taken = [
            row[0]
            for row in con.execute(
                f"""select log_file from {SCHEMA}.samples
                where eval_id in (select eval_id from bc_eval_ids) and log_file <> ?
                union select log_file from {SCHEMA}.export_evals
                where eval_id in (select eval_id from bc_eval_ids) and log_file <> ?""",
                [path, path],
            ).fetchall()
        ]
        con.execute(
            f"""delete from {SCHEMA}.sample_scores where eval_id in (
                select eval_id from {SCHEMA}.samples where log_file = ?
                union select eval_id from {SCHEMA}.export_evals where log_file = ?
                union select eval_id from bc_eval_ids)""",
            [path, path],
        )
        removed = _count(
            con.execute(
                f"""delete from {SCHEMA}.samples where log_file = ?
                or eval_id in (select eval_id from bc_eval_ids)""",
                [path],
            )
        )
        removed += _remove_exported(con, "eval_id in (select eval_id from bc_eval_ids)", path)
        return taken, removed

    def forget(self, path: str) -> int:
        with _errors():
            self.con.execute(
                f"""delete from {SCHEMA}.sample_scores where eval_id in (
                    select eval_id from {SCHEMA}.samples where log_file = ?
                    union select eval_id from {SCHEMA}.export_evals where log_file = ?)""",
                [path, path],
            )
            removed = _count(
                self.con.execute(f"delete from {SCHEMA}.samples where log_file = ?", [path])
            )
            removed += _remove_exported(self.con, "false", path)
            self.con.execute(f"delete from {SCHEMA}.log_files where log_file = ?", [path])
        return removed

    def replace_export(
        self,
        path: str,
        stamp: FileStamp,
        local_path: str | None = None,
        table: pa.Table | None = None,
    ) -> Replaced:
        """Load a samples_df export as :meth:`replace` loads a parsed file, but with
        DuckDB reading the file straight into the landing tables. ``table``: the
        export as an Arrow table in memory (loaded under the name ``path``). Raises
        :class:`LogReadError` for a bad export."""
        con = self.con
        with _errors():
            queries = export_queries(con, path, local_path, table)
            (order,) = _one_row(con.execute("select current_setting('preserve_insertion_order')"))
            # the landing tables have no order: letting DuckDB write in any order streams
            con.execute("set preserve_insertion_order = false")
        try:
            eval_ids = [row[0] for row in con.execute(queries.eval_ids).fetchall()]
            # the rows are DuckDB's relations, read as they are written
            # (from no batches: an empty_table() would import pandas, as _listed says)
            no_samples, no_scores = (
                pa.Table.from_batches([], s) for s in (SAMPLES_SCHEMA, SCORES_SCHEMA)
            )
            parsed = ParsedFile(path, "samples_df", None, eval_ids, None, no_samples, no_scores)
            parsed.notes = list(queries.notes)
            scores = con.sql(queries.scores)
            # an eval's columns once per eval where its rows agree on them (a samples_df
            # export's do: they come from the eval's header), else on every sample
            con.execute(f"create or replace temp table bc_evals as {queries.export_evals}")
            ((narrow,),) = con.execute(
                "select coalesce(bool_and(bc_is_constant), true) from bc_evals"
            ).fetchall()
            if narrow:
                replaced = self._replace(
                    parsed,
                    stamp,
                    con.sql(queries.export_samples),
                    scores,
                    _exported_usage_notes,
                    exported=True,
                )
            else:
                samples = con.sql(queries.samples)
                replaced = self._replace(parsed, stamp, samples, scores, _loaded_usage_notes)
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0]
            if is_fatal(exc):
                raise WarehouseError(first, fatal=True) from exc
            raise LogReadError(path, f"could not read the export: {first}") from None
        finally:
            # in a failed transaction DuckDB refuses every statement ("transaction is
            # aborted"), which would hide the error above: the setting is restored
            # after the rollback then
            self._restore = f"set preserve_insertion_order = {str(order).lower()}"
            with suppress(duckdb.Error):
                con.execute(self._restore)
                self._restore = None
                # the export's deduplicated rows (export_queries) are not kept past the load
                con.execute("drop table if exists bc_rows")
                con.execute("drop table if exists bc_evals")
        replaced.notes = parsed.notes
        return replaced


def _remove_exported(con: duckdb.DuckDBPyConnection, where: str, path: str) -> int:
    """Delete the exported samples and evals loaded from ``path`` or ``where`` (over
    ``eval_id``); the count of samples removed."""
    evals = f"log_file = ? or {where}"
    removed = _count(
        con.execute(
            f"""delete from {SCHEMA}.export_samples where eval_id in (
                select eval_id from {SCHEMA}.export_evals where {evals}) or {where}""",
            [path],
        )
    )
    con.execute(f"delete from {SCHEMA}.export_evals where {evals}", [path])
    return removed


def _loaded_usage_notes(con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> None:
    """:func:`usage_notes` on the rows just loaded from ``parsed.path``, counted in SQL."""
    _usage_notes(con, parsed, f"{SCHEMA}.samples", "log_file = ?", [parsed.path])


def _exported_usage_notes(con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> None:
    """:func:`usage_notes` on an export's rows just loaded into ``export_samples``."""
    where = "eval_id in (select eval_id from bc_eval_ids)"
    _usage_notes(con, parsed, f"{SCHEMA}.export_samples", where, [])


def _usage_notes(
    con: duckdb.DuckDBPyConnection, parsed: ParsedFile, table: str, where: str, params: list[str]
) -> None:
    """:func:`usage_notes` on the rows just loaded from ``parsed.path``: the rows of
    ``table`` where ``where`` (with the parameters ``params``)."""
    unscored = f"""error is null and not exists (
        select 1 from {SCHEMA}.sample_scores as s where s.eval_id = bc_loaded.eval_id
        and s.sample_id = bc_loaded.sample_id and s.epoch = bc_loaded.epoch)"""
    checks = (
        [f"{column} < 0" for column in CHECKED_COLUMNS]
        + ["total_tokens is null"]
        + [f"{column} is null" for column in MISSING_CHECKED]
        + [unscored]
    )
    # the counts first, the examples only for the checks that found some: taking three
    # examples of each check costs a string per row and check (1e6 rows: 0.4 s of 0.41)
    # the unscored samples by an anti join once, not an aggregate's filter (the subquery
    # joined for every row: 1e6 rows, 0.27 s) nor `not exists` in a `where` (0.31 s
    # against 0.13)
    row = _one_row(
        con.execute(
            "select count(*), "
            + ", ".join(f"count(*) filter (where {check})" for check in checks[:-1])
            + f", (select count(*) from {table} anti join {SCHEMA}.sample_scores "
            f"using (eval_id, sample_id, epoch) where {where} and error is null) "
            f"from {table} as bc_loaded where {where}",
            params + params,
        )
    )
    total, counts = row[0], [count or 0 for count in row[1:]]
    # (a limit no sample has is not said: coverage_notes)
    absent = {f"{column} is null" for column in MISSING_CHECKED}
    found = [
        check
        for check, count in zip(checks, counts, strict=True)
        if count and not (check in absent and count == total)
    ]
    examples: dict[str, str] = {}
    if found:
        example = "cast(sample_id as varchar) || '/' || cast(epoch as varchar)"
        shown = _one_row(
            con.execute(
                "select "
                + ", ".join(f"min({example}, 3) filter (where {check})" for check in found)
                + f" from {table} as bc_loaded where {where}",
                params,
            )
        )
        examples = {check: ", ".join(ids or []) for check, ids in zip(found, shown, strict=True)}
    counted = [
        (count, examples.get(check, "")) for check, count in zip(checks, counts, strict=True)
    ]
    usage, missing = counted[: len(CHECKED_COLUMNS) + 1], counted[len(CHECKED_COLUMNS) + 1 :]
    parsed.notes.extend(
        usage_notes(total, dict(zip(CHECKED_COLUMNS, usage[:-1], strict=True)), usage[-1])
    )
    parsed.notes.extend(
        coverage_notes(total, dict(zip(MISSING_CHECKED, missing[:-1], strict=True)), missing[-1])
    )
    non_finite = con.execute(
        f"""select scorer, count(*) from {SCHEMA}.sample_scores
        where value_type = 'non_finite' and eval_id in (select eval_id from bc_eval_ids)
        group by scorer order by scorer"""
    ).fetchall()
    parsed.notes.extend(non_finite_note(scorer, count) for scorer, count in non_finite)


#: The name a frame handed over in memory is loaded under (its ``log_file``).
FRAME_NAME = "<frame>"


def load_frame(con: duckdb.DuckDBPyConnection, table: pa.Table) -> list[str]:
    """A ``samples_df`` frame, as an Arrow table, into the landing tables of ``con``
    (created if missing) as an export file would load: DuckDB scans the table in
    place. Returns the notes on it; raises :class:`LogReadError` as for an export."""
    warehouse = DuckDBWarehouse(con)
    warehouse.ensure_landing()
    stamp = FileStamp(size=table.nbytes, mtime_ns=0)
    with transaction(warehouse):
        return warehouse.replace_export(FRAME_NAME, stamp, table=table).notes


def ensure_landing(con: duckdb.DuckDBPyConnection) -> None:
    """The landing tables in the database of ``con`` (the dbt-duckdb plugin's)."""
    DuckDBWarehouse(con).ensure_landing()
