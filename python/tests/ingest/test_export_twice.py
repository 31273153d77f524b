"""Two exports in one run, and a frame loaded twice into one connection: each load
builds its deduplicated rows afresh and leaves none behind."""

from __future__ import annotations

import shutil

import duckdb
import pyarrow.parquet as pq

from budgetcurves.ingest import ingest
from budgetcurves.ingest._duckdb import load_frame
from budgetcurves.ingest._landing import LANDED_SAMPLES

from ..conftest import EXAMPLE_EXPORT


def _loaded_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}


def test_two_exports_in_one_run_both_load(tmp_path):
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    shutil.copy(EXAMPLE_EXPORT, first)
    shutil.copy(EXAMPLE_EXPORT, second)
    with duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        summary = ingest([str(first), str(second)], con)
        assert not summary.errors, summary.errors
        assert summary.files_read == 2
        # the second holds the same evals: it replaces the first's samples, whole
        (rows,) = con.execute(f"select count(*) from {LANDED_SAMPLES} as bc_landed").fetchone()
        assert summary.samples_added - summary.samples_removed == rows > 0
        assert not {"bc_rows", "bc_evals"} & _loaded_tables(con)


def test_a_frame_loads_twice_into_one_connection():
    frame = pq.read_table(EXAMPLE_EXPORT)
    con = duckdb.connect()
    load_frame(con, frame)
    load_frame(con, frame)
    (rows,) = con.execute(f"select count(*) from {LANDED_SAMPLES} as bc_landed").fetchone()
    assert rows == frame.num_rows
    assert not {"bc_rows", "bc_evals"} & _loaded_tables(con)
