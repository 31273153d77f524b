"""Where the loader writes: one protocol, a class per engine.

:func:`~budgetcurves.ingest.ingest` reads files and hands each parsed file to a
:class:`Warehouse`, which owns the landing tables of the dbt source ``inspect``
(``samples``, ``sample_scores`` and the ledger ``log_files``, described once in
``_landing``) on one engine:

- :class:`~budgetcurves.ingest.DuckDBWarehouse` (the default): a DuckDB connection.
- :class:`~budgetcurves.ingest.PostgresWarehouse`: a psycopg2 connection
  (``budgetcurves[postgres]``).
- :class:`~budgetcurves.ingest.SparkWarehouse`: a SparkSession (``budgetcurves[spark]``).

Every engine raises :class:`WarehouseError` for its driver's errors, so that
``ingest`` names the file a write failed on and goes on with the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from .._errors import WarehouseError as WarehouseError  # where the CLI catches it
from ._files import FileStamp
from ._landing import ParsedFile


@contextmanager
def raising_warehouse_errors(
    errors: type[BaseException] | tuple[type[BaseException], ...],
    fatal: Callable[[BaseException], bool] = lambda exc: False,
) -> Iterator[None]:
    """A driver's ``errors`` raised inside as :class:`WarehouseError` (chained, the
    driver's own error kept as its ``__cause__``), with the first line of its words."""
    try:
        yield
    except errors as exc:
        # the first line says what went wrong; the rest (the statement, a hint) is context
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WarehouseError(message, fatal=fatal(exc)) from exc


@dataclass
class Replaced:
    """What writing one file did."""

    added: int  # samples written
    removed: int = 0  # samples it replaced (its own earlier rows, its evals' from elsewhere)
    taken: list[str] = field(default_factory=list)  # files whose evals it took over
    notes: list[str] = field(default_factory=list)  # found while writing (an export's)


@runtime_checkable
class Warehouse(Protocol):
    """The landing tables on one engine, as :func:`ingest` uses them.

    Writes happen between :meth:`begin` and :meth:`commit` (or :meth:`rollback`):
    everything in between is written whole or not at all. An engine that writes later
    (Spark, which has no transactions) writes on :meth:`flush`, which ``ingest`` calls
    at the end of a run. Every method raises :class:`WarehouseError` for the engine's
    own errors.
    """

    def ensure_landing(self) -> None:
        """Create the landing tables, or add the columns they lack."""

    def loaded_stamps(self) -> dict[str, FileStamp]:
        """The ledger: every loaded file with the stamp it had when loaded."""

    def loaded_eval_ids(self) -> dict[str, set[str]]:
        """Each ledger file's eval ids (the evals it held when it was loaded)."""

    def begin(self) -> None:
        """Start a transaction."""

    def replace(self, parsed: ParsedFile, stamp: FileStamp, *, new: bool = False) -> Replaced:
        """Replace one file's rows (and those of its evals loaded from other files).

        ``new``: neither the file nor its evals are in the ledger, so nothing is
        replaced and the loaded rows need not be looked at.
        """

    def forget(self, path: str) -> int:
        """Remove a file's rows and its ledger entry; returns the samples removed."""

    def commit(self) -> None:
        """End the transaction, keeping its writes."""

    def rollback(self) -> None:
        """End the transaction, undoing its writes."""

    def flush(self) -> None:
        """Write what the engine holds back (a no-op where commit writes)."""

    def close(self) -> None:
        """Release the connection."""


@runtime_checkable
class ReadsExports(Warehouse, Protocol):
    """A warehouse that reads a samples_df export itself: DuckDB straight into its
    landing tables, PostgreSQL and Spark through a scratch DuckDB database a batch at
    a time (``_staged``), so memory stays bounded however large the export."""

    def replace_export(self, path: str, stamp: FileStamp, local_path: str) -> Replaced:
        """As :meth:`Warehouse.replace` for the export at ``local_path`` (named ``path``),
        with the notes on it; raises :class:`LogReadError` for a bad export."""


@contextmanager
def transaction(warehouse: Warehouse) -> Iterator[None]:
    """``warehouse``'s writes inside, committed, or rolled back on any error."""
    warehouse.begin()
    try:
        yield
        warehouse.commit()
    except BaseException:
        warehouse.rollback()
        raise
