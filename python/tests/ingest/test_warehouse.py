"""``ingest`` talks to any warehouse through the protocol only: a warehouse's error on
one file names that file and the other files load; the warehouse's own failure stops
the run; what an engine holds back is written by the run's flush."""

from __future__ import annotations

import duckdb
import pytest

from budgetcurves.ingest import DuckDBWarehouse, Replaced, WarehouseError, forget, ingest
from budgetcurves.ingest._files import FileStamp
from budgetcurves.ingest._landing import ParsedFile

from ..conftest import EXAMPLE_LOGS


class FailingOn(DuckDBWarehouse):
    """DuckDB, but writing the file ``path`` fails as an engine's write would."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str, *, fatal: bool = False) -> None:
        super().__init__(con)
        self.path, self.fatal = path, fatal

    def replace(self, parsed: ParsedFile, stamp: FileStamp, *, new: bool = False) -> Replaced:
        if parsed.path == self.path:
            raise WarehouseError("value too long for type character varying(8)", fatal=self.fatal)
        return super().replace(parsed, stamp, new=new)


class HeldBack(DuckDBWarehouse):
    """DuckDB, but holding every write back until :meth:`flush`, as Spark does."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        super().__init__(con)
        self.held: list[tuple[ParsedFile, FileStamp]] = []
        self.gone: list[str] = []

    def replace(self, parsed: ParsedFile, stamp: FileStamp, *, new: bool = False) -> Replaced:
        self.held.append((parsed, stamp))
        return Replaced(parsed.samples.num_rows)

    def forget(self, path: str) -> int:
        self.gone.append(path)
        return 0

    def flush(self) -> None:
        self.begin()
        for parsed, stamp in self.held:
            super().replace(parsed, stamp)
        for path in self.gone:
            super().forget(path)
        self.commit()
        self.held.clear()
        self.gone.clear()


def _logs() -> list[str]:
    return sorted(str(p.resolve()) for p in EXAMPLE_LOGS.glob("*.eval"))[:3]


def _loaded(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute("select distinct log_file from inspect.samples order by 1").fetchall()
    return [path for (path,) in rows]


@pytest.mark.parametrize("reloaded", [False, True], ids=["new files", "changed files"])
def test_an_engine_error_on_one_file_names_it_and_the_others_load(tmp_path, reloaded):
    logs = _logs()
    bad = logs[1]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        if reloaded:  # each file then is written on its own, not in a batch of new files
            ingest(logs, con)
        summary = ingest(logs, FailingOn(con, bad), full_refresh=reloaded)
        assert [(e.path, e.reason) for e in summary.errors] == [
            (bad, "could not be written: value too long for type character varying(8)")
        ]
        assert summary.files_read == 2
        assert _loaded(con) == (logs if reloaded else [logs[0], logs[2]])
        again = ingest(logs, con)
    assert (again.files_read, again.files_unchanged) == ((0, 3) if reloaded else (1, 2))


def test_the_warehouse_failing_stops_the_run(tmp_path):
    logs = _logs()
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ingest(logs[:1], con)
        with pytest.raises(WarehouseError, match="too long"):
            ingest(logs, FailingOn(con, logs[1], fatal=True), full_refresh=True)
        assert _loaded(con) == logs[:1]


def test_ingest_and_forget_flush_what_the_engine_held_back(tmp_path):
    logs = _logs()
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        summary = ingest(logs, HeldBack(con))
        assert summary.files_read == 3 and _loaded(con) == logs
        forgotten = forget(logs[:1], HeldBack(con))
        assert forgotten.files_pruned == 1 and _loaded(con) == logs[1:]
