"""Where the loader writes: one interface, a class per engine.

:func:`~budgetcurves.ingest.ingest` reads files and hands each parsed file to a
:class:`Warehouse`, which owns the landing tables of the dbt source ``inspect``
(``samples``, ``sample_scores`` and the ledger ``log_files``) on one engine:

- :class:`DuckDBWarehouse` (the default): a DuckDB connection; the SQL is in ``_write``.
- :class:`~budgetcurves.ingest.PostgresWarehouse`: a psycopg2 connection
  (``budgetcurves[postgres]``).
- :class:`~budgetcurves.ingest.SparkWarehouse`: a SparkSession (``budgetcurves[spark]``).

dbt does not care which loader filled the tables, only that their columns are
those of ``SAMPLES_SCHEMA``, ``SCORES_SCHEMA`` and ``LOG_FILES_COLUMNS``.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import duckdb

from . import _write
from ._files import FileStamp
from ._read import ParsedFile


@runtime_checkable
class Warehouse(Protocol):
    """The landing tables on one engine, as :func:`ingest` uses them."""

    def ensure_landing(self) -> None:
        """Create the landing schema and tables when they are missing."""

    def loaded_stamps(self) -> dict[str, FileStamp]:
        """The ledger: every loaded file with the stamp it had when loaded."""

    def loaded_eval_ids(self) -> dict[str, set[str]]:
        """Each ledger file's eval ids (the evals it held when it was loaded)."""

    def write_file(self, parsed: ParsedFile, stamp: FileStamp) -> tuple[list[str], int]:
        """Replace one file's rows (and those of its evals loaded from other files).

        Returns the other files whose evals it took over and the samples it replaced.
        """

    def forget_file(self, path: str) -> int:
        """Remove a file's rows and its ledger entry; returns the samples removed."""


class DuckDBWarehouse:
    """The landing tables in a DuckDB database (one transaction per file)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def ensure_landing(self) -> None:
        _write.ensure_landing(self.con)

    def loaded_stamps(self) -> dict[str, FileStamp]:
        return _write.loaded_stamps(self.con)

    def loaded_eval_ids(self) -> dict[str, set[str]]:
        return _write.loaded_eval_ids(self.con)

    def write_file(self, parsed: ParsedFile, stamp: FileStamp) -> tuple[list[str], int]:
        return _write.write_file(self.con, parsed, stamp)

    def forget_file(self, path: str) -> int:
        return _write.forget_file(self.con, path)


def as_warehouse(target: Any) -> Warehouse:
    """``target`` as a :class:`Warehouse`: a DuckDB connection is wrapped, a warehouse kept."""
    if isinstance(target, duckdb.DuckDBPyConnection):
        return DuckDBWarehouse(target)
    if isinstance(target, Warehouse):
        return target
    raise TypeError(
        f"expected a DuckDB connection or a Warehouse (PostgresWarehouse, SparkWarehouse), "
        f"got {type(target).__name__}"
    )
