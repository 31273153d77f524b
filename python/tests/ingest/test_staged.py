"""An export for PostgreSQL or Spark is read by DuckDB into a scratch database and
handed on in batches: the same rows, checks and notes as a DuckDB load, never more
than a batch of them in Python at once."""

from __future__ import annotations

import math

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from budgetcurves.ingest import LogReadError, _staged, ingest
from budgetcurves.ingest._files import FileStamp
from budgetcurves.ingest._landing import LANDED_SAMPLES

from ..conftest import EXAMPLE_EXPORT

KEY = {
    "samples": ["eval_id", "sample_id", "epoch"],
    "sample_scores": ["eval_id", "sample_id", "epoch", "scorer", "score_key"],
}


def _sorted(table: pa.Table, name: str) -> list[dict]:
    rows = table.to_pylist()
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in KEY[name]))


@pytest.fixture(scope="module")
def landed(tmp_path_factory) -> dict[str, pa.Table]:
    """The example export loaded by the DuckDB warehouse, as it lands there."""
    db = tmp_path_factory.mktemp("landed") / "x.duckdb"
    with duckdb.connect(str(db)) as con:
        summary = ingest([str(EXAMPLE_EXPORT)], con)
        assert summary.samples_added > 0
        return {
            # the samples as DuckDB lands an export's (export_samples, export_evals)
            name: con.sql(
                f"select * exclude (loaded_at) from {LANDED_SAMPLES} as bc_landed"
            ).to_arrow_table()
            if name == "samples"
            else con.sql(f"select * from inspect.{name}").to_arrow_table()
            for name in KEY
        }


def _stamp() -> FileStamp:
    stat = EXAMPLE_EXPORT.stat()
    return FileStamp(stat.st_size, stat.st_mtime_ns)


def test_batches_hold_the_landed_rows_a_batch_at_a_time(landed, monkeypatch):
    monkeypatch.setattr(_staged, "BATCH_ROWS", 7)
    with _staged.staged_export(str(EXAMPLE_EXPORT), _stamp(), None) as staged:
        assert staged.samples == landed["samples"].num_rows
        for name in KEY:
            batches = list(staged.batches(name))
            rows = landed[name].num_rows
            assert len(batches) == math.ceil(rows / 7)
            assert max(b.num_rows for b in batches) == 7
            got = pa.Table.from_batches(batches)
            expected = landed[name].select(got.column_names)
            assert _sorted(got, name) == _sorted(expected, name)
        assert sorted(staged.parsed.eval_ids) == sorted(
            set(landed["samples"]["eval_id"].to_pylist())
        )


def test_parquet_holds_the_landed_rows(landed, tmp_path):
    with _staged.staged_export(str(EXAMPLE_EXPORT), _stamp(), None) as staged:
        folder = staged.folder
        for name in KEY:
            staged.to_parquet(name, str(tmp_path / f"{name}.parquet"))
            got = pq.read_table(tmp_path / f"{name}.parquet")
            expected = landed[name].select(got.column_names)
            assert _sorted(got, name) == _sorted(expected, name)
    assert not folder.exists()  # the scratch database is gone on leaving


def test_the_notes_are_those_of_a_duckdb_load(tmp_path):
    # an export without task names: DuckDB's load notes it; the staged load says the same
    table = pq.read_table(EXAMPLE_EXPORT)
    no_task = table.drop_columns([c for c in ("task_name", "task") if c in table.column_names])
    export = tmp_path / "no_task.parquet"
    pq.write_table(no_task, export)
    with duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        direct = ingest([str(export)], con)
    stat = export.stat()
    with _staged.staged_export(
        str(export), FileStamp(stat.st_size, stat.st_mtime_ns), None
    ) as staged:
        notes = staged.parsed.notes
    assert any("task name" in n for n in notes)
    assert all(any(n in line for line in direct.notes) for n in notes)


def test_a_bad_export_is_named(tmp_path):
    export = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"x": [1]}), export)
    with (
        pytest.raises(LogReadError, match="missing column"),
        _staged.staged_export(str(export), FileStamp(1, 1), None),
    ):
        pass
