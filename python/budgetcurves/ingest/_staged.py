"""A samples_df export for a warehouse other than DuckDB, staged through a scratch
DuckDB database so its rows never sit in Python whole.

DuckDB reads the export into the landing tables of a scratch database file (its
checks and notes exactly as for ``--target duckdb``, spilling to disk past a fixed
memory figure), and the warehouse then reads the rows from there in batches of
:data:`BATCH_ROWS`: PostgreSQL copies batch by batch, Spark reads Parquet files
DuckDB writes. The loader's memory is then a batch, whatever the export's size.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from ._duckdb import DuckDBWarehouse
from ._files import FileStamp
from ._landing import (
    LANDED_SAMPLES,
    SAMPLES_SCHEMA,
    SCHEMA,
    SCORES_SCHEMA,
    ParsedFile,
    decode_eval_ids,
)
from ._warehouse import transaction

#: Rows per batch handed to a warehouse (PostgreSQL's COPY, Spark's Parquet row groups).
BATCH_ROWS = 100_000

#: DuckDB's memory in the scratch database: past it, DuckDB spills to the scratch folder.
SCRATCH_MEMORY = "1GB"


@dataclass
class StagedExport:
    """An export read into a scratch DuckDB database: its evals, notes and rows."""

    con: duckdb.DuckDBPyConnection
    parsed: ParsedFile  # its path, kind, eval ids and notes; the rows stay in ``con``
    samples: int  # how many samples it holds
    folder: Path  # scratch space, removed on leaving

    def batches(self, table: str) -> Iterator[pa.RecordBatch]:
        """The rows of landing table ``samples`` or ``sample_scores``, in the columns of
        the loader's Arrow schema, :data:`BATCH_ROWS` at a time."""
        schema = SAMPLES_SCHEMA if table == "samples" else SCORES_SCHEMA
        columns = ", ".join(f'"{name}"' for name in schema.names)
        reader = self.con.sql(f"select {columns} from {_relation(table)}").to_arrow_reader(
            BATCH_ROWS
        )
        for batch in reader:
            yield pa.RecordBatch.from_arrays(batch.columns, schema=schema)

    def to_parquet(self, table: str, path: str) -> None:
        """Landing table ``table`` as one Parquet file at ``path`` (a local path),
        written by DuckDB in row groups of :data:`BATCH_ROWS`."""
        schema = SAMPLES_SCHEMA if table == "samples" else SCORES_SCHEMA
        columns = ", ".join(f'"{name}"' for name in schema.names)
        target = path.replace("'", "''")
        self.con.execute(
            f"copy (select {columns} from {_relation(table)}) to '{target}' "
            f"(format parquet, row_group_size {BATCH_ROWS})"
        )


def _relation(table: str) -> str:
    """The rows of landing table ``table`` in the scratch database: the samples as
    DuckDB lands an export's (``export_samples`` and ``export_evals``), in the columns
    of ``samples``."""
    return f"{LANDED_SAMPLES} as bc_landed" if table == "samples" else f"{SCHEMA}.{table}"


@contextmanager
def staged_export(path: str, stamp: FileStamp, local_path: str | None) -> Iterator[StagedExport]:
    """The export ``path`` (its bytes at ``local_path``) in a scratch DuckDB database,
    removed on leaving. Raises :class:`LogReadError` for a bad export, as DuckDB does."""
    with tempfile.TemporaryDirectory(prefix="budgetcurves-export-") as folder:
        con = duckdb.connect(
            str(Path(folder) / "export.duckdb"),
            config={
                "memory_limit": SCRATCH_MEMORY,
                "temp_directory": str(Path(folder) / "spill"),
                "preserve_insertion_order": False,
            },
        )
        try:
            scratch = DuckDBWarehouse(con)
            scratch.ensure_landing()
            with transaction(scratch):
                replaced = scratch.replace_export(path, stamp, local_path)
            # the export's evals as the DuckDB warehouse's ledger has them
            ((eval_ids,),) = con.execute(f"select eval_ids from {SCHEMA}.log_files").fetchall()
            parsed = ParsedFile(
                path,
                "samples_df",
                None,
                sorted(decode_eval_ids(eval_ids)),
                None,
                SAMPLES_SCHEMA.empty_table(),
                SCORES_SCHEMA.empty_table(),
                replaced.notes,
            )
            yield StagedExport(con, parsed, replaced.added, Path(folder))
        finally:
            con.close()
