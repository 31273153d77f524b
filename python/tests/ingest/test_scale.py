"""The fast paths load what the plain ones load: streamed .json logs, worker processes,
batched new files, and exports read by DuckDB straight into the landing tables."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from budgetcurves.ingest import DuckDBWarehouse, _read, ingest
from budgetcurves.ingest._export import read_samples_export
from budgetcurves.ingest._files import FileStamp
from budgetcurves.ingest._ingest import _NewFiles
from budgetcurves.ingest._landing import LANDED_SAMPLES
from budgetcurves.ingest._parallel import MIN_FILES_FOR_WORKERS, read_in_order
from budgetcurves.ingest._warehouse import transaction

from ..conftest import EXAMPLE_EXPORT, EXAMPLE_LOGS, REAL_LOGS
from ._logs import EVAL_LOGS, clone_log

JSON_LOGS = sorted(EXAMPLE_LOGS.glob("*.json")) + sorted(REAL_LOGS.glob("*.json"))


def _landing(db: Path) -> list[pd.DataFrame]:
    """The landed rows of ``db`` (the samples as staging reads them) but ``loaded_at``."""
    with duckdb.connect(str(db), read_only=True) as con:
        return [
            con.execute(f"select {columns} from {table} order by all").df()
            for table, columns in (
                (
                    f"{LANDED_SAMPLES} as bc_landed",
                    "* exclude (loaded_at)",
                ),
                ("inspect.sample_scores", "*"),
                ("inspect.log_files", "* exclude (loaded_at)"),
            )
        ]


@pytest.mark.parametrize("path", JSON_LOGS, ids=lambda p: p.name)
def test_a_streamed_json_log_reads_as_a_whole_one(path, monkeypatch):
    whole = _read.read_json_log(str(path))
    monkeypatch.setattr(_read, "STREAM_JSON_BYTES", 0)
    with open(path, "rb") as handle:
        streamed = _read.read_json_log(str(path), handle=handle)
    assert streamed.samples.equals(whole.samples)
    assert streamed.scores.equals(whole.scores)
    assert (streamed.status, streamed.eval_ids, streamed.notes) == (
        whole.status,
        whole.eval_ids,
        whole.notes,
    )


def test_workers_and_batches_load_what_one_file_at_a_time_loads(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    # enough files for worker processes, some of them bad
    for copy in range(2):
        for path in sorted(EXAMPLE_LOGS.iterdir()):
            shutil.copy(path, logs / f"{copy}-{path.name}")
    (logs / "truncated.eval").write_bytes(b"PK\x03\x04 not a zip")
    assert len(list(logs.iterdir())) >= MIN_FILES_FOR_WORKERS
    summaries = {}
    for workers in (1, 2):
        with duckdb.connect(str(tmp_path / f"w{workers}.duckdb")) as con:
            summaries[workers] = ingest([str(logs)], con, workers=workers)
    one, many = summaries[1], summaries[2]
    assert (many.files_read, many.samples_added, [e.path for e in many.errors]) == (
        one.files_read,
        one.samples_added,
        [e.path for e in one.errors],
    )
    assert many.notes == one.notes
    for ours, theirs in zip(
        _landing(tmp_path / "w2.duckdb"), _landing(tmp_path / "w1.duckdb"), strict=True
    ):
        pd.testing.assert_frame_equal(ours, theirs)


def test_an_export_loaded_by_duckdb_equals_the_arrow_path(tmp_path):
    if not EXAMPLE_EXPORT.exists():
        pytest.skip("no example export")
    direct = tmp_path / "direct.duckdb"
    with duckdb.connect(str(direct)) as con:
        summary = ingest([str(EXAMPLE_EXPORT)], con)
    assert summary.errors == [] and summary.samples_added > 0
    arrow = tmp_path / "arrow.duckdb"
    with duckdb.connect(str(arrow)) as con:
        warehouse = DuckDBWarehouse(con)
        warehouse.ensure_landing()
        stat = EXAMPLE_EXPORT.stat()
        parsed = read_samples_export(str(EXAMPLE_EXPORT.resolve()))
        with transaction(warehouse):
            warehouse.replace(parsed, FileStamp(stat.st_size, stat.st_mtime_ns))
    # DuckDB lands an export's samples narrow (export_samples, its evals' columns in
    # export_evals), the raw usage and uuid with them: every column is the Arrow path's
    with duckdb.connect(str(direct), read_only=True) as con:
        narrow = con.execute(
            "select count(*), count(model_usage), count(sample_uuid) from inspect.export_samples"
        ).fetchall()
    assert narrow == [(summary.samples_added,) * 3]
    for ours, theirs in zip(_landing(direct), _landing(arrow), strict=True):
        pd.testing.assert_frame_equal(ours, theirs)


def _square_in(path: str) -> tuple[int, int]:
    return int(path) ** 2, os.getpid()


def test_files_read_a_few_a_task_come_back_in_order():
    paths = [str(n) for n in range(203)]  # tasks of several files, the last one short
    results = list(read_in_order(paths, _square_in, workers=2))
    assert [value for value, _ in results] == [n * n for n in range(203)]
    assert os.getpid() not in {pid for _, pid in results}  # read by the workers


def test_a_batch_of_new_files_closes_at_its_sample_limit_too(tmp_path, monkeypatch):
    logs = [
        clone_log(EVAL_LOGS[n % len(EVAL_LOGS)], tmp_path / "logs" / f"{n:02}.eval", f"e{n}")
        for n in range(9)
    ]
    sizes = [_read.read_eval_zip(str(path)).samples.num_rows for path in logs]
    limit = sizes[0] + 1  # the first batch closes after its second file
    monkeypatch.setattr(_NewFiles, "FIRST_SAMPLES", limit)
    # the batches expected: each closes once its samples reach the limit, which doubles
    expected, batch = [], 0
    for size in sizes:
        batch += size
        if batch >= limit:
            expected.append(batch)
            batch, limit = 0, 2 * limit
    expected.append(batch)
    written: list[int] = []
    commit = DuckDBWarehouse.commit

    def counted(self: DuckDBWarehouse) -> None:
        written.append(sum(parsed.samples.num_rows for parsed, _ in self._new))
        commit(self)

    monkeypatch.setattr(DuckDBWarehouse, "commit", counted)
    with duckdb.connect(str(tmp_path / "batched.duckdb")) as con:
        summary = ingest([str(tmp_path / "logs")], con, workers=1)
    assert summary.samples_added == sum(sizes) and summary.files_read == len(logs)
    assert [count for count in written if count] == [count for count in expected if count]
    assert len(expected) > 2
