"""Concurrency and crashes: a second writer waits or fails clearly; ``kill -9`` in the
middle of an ingest leaves every file loaded whole or as it was before."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from budgetcurves.cli import main
from budgetcurves.cli._main import EXIT_BUSY
from budgetcurves.ingest import ingest

from ._logs import campaign_logs, clone_log, scaled_tokens

pytestmark = pytest.mark.skipif(os.name != "posix", reason="uses SIGKILL")

#: The child: ingest LOGS into DB, printing each file done; with STALL = k, stop for
#: good inside the k-th file's transaction, right after its old rows were deleted
#: (the first row count a write takes is the delete's).
_CHILD = textwrap.dedent(
    """
    import sys, time
    import duckdb
    from budgetcurves.ingest import _duckdb, ingest

    db, logs, stall = sys.argv[1], sys.argv[2], int(sys.argv[3])
    count = _duckdb._count
    done = [0]

    def stalling_count(result):
        if done[0] == stall - 1:
            print("stalled", flush=True)
            time.sleep(600)
        return count(result)

    def progress(files_done, total, summary):
        done[0] = files_done
        print(files_done, flush=True)

    if stall:
        _duckdb._count = stalling_count
    con = duckdb.connect(db)
    ingest([logs], con, on_progress=progress)
    print("finished", flush=True)
    """
)


def _child(db: Path, logs: Path, stall: int = 0) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(db), str(logs), str(stall)],
        stdout=subprocess.PIPE,
        text=True,
    )


def _read_until(child: subprocess.Popen, wanted: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            raise AssertionError(f"the child ended before printing {wanted!r}")
        if line.strip() == wanted:
            return
    raise AssertionError(f"no {wanted!r} within {timeout}s")


def _kill(child: subprocess.Popen) -> None:
    """kill -9 the ingest; its worker processes (it reads logs in a pool) go with it."""
    workers = _children(child.pid)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "orphaned workers"


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux's /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _samples(db: Path) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select * exclude (loaded_at) from inspect.samples order by all").df()


def _assert_consistent(db: Path) -> None:
    """Every ledger file's rows are all there, no row lacks its file, no key repeats."""
    with duckdb.connect(str(db), read_only=True) as con:
        per_file = con.execute(
            """select ledger.log_file, ledger.sample_count, count(samples.eval_id)
            from inspect.log_files as ledger
            left join inspect.samples as samples on ledger.log_file = samples.log_file
            group by all"""
        ).fetchall()
        assert [row for row in per_file if row[1] != row[2]] == []
        orphans = con.execute(
            """select count(*) from inspect.samples
            where log_file not in (select log_file from inspect.log_files)"""
        ).fetchone()[0]
        stray_scores = con.execute(
            """select count(*) from inspect.sample_scores as scores
            anti join inspect.samples as samples
            on scores.eval_id = samples.eval_id and scores.sample_id = samples.sample_id
            and scores.epoch = samples.epoch"""
        ).fetchone()[0]
        dupes = con.execute(
            """select count(*) from (select eval_id, sample_id, epoch from inspect.samples
            group by all having count(*) > 1)"""
        ).fetchone()[0]
    assert (orphans, stray_scores, dupes) == (0, 0, 0)


def _from_scratch(tmp_path: Path, logs: Path) -> pd.DataFrame:
    db = tmp_path / "scratch.duckdb"
    with duckdb.connect(str(db)) as con:
        assert ingest([str(logs)], con).errors == []
    frame = _samples(db)
    db.unlink()
    return frame


@pytest.mark.slow
def test_kill_9_inside_a_transaction_keeps_the_old_rows(tmp_path):
    logs = tmp_path / "logs"
    made = campaign_logs(logs, 6)
    db = tmp_path / "k.duckdb"
    with duckdb.connect(str(db)) as con:
        ingest([str(logs)], con)
    before = _samples(db)
    for index, path in enumerate(made):  # every log rewritten (a new token count)
        clone_log(path, path, f"gen{index:04d}", sample=scaled_tokens(3))
    # stalls in the 3rd file's transaction, right after its old rows were deleted
    child = _child(db, logs, stall=3)
    _read_until(child, "stalled")
    _kill(child)
    _assert_consistent(db)
    after = _samples(db)
    third = str(made[2])  # its old rows survived the delete that was not committed
    pd.testing.assert_frame_equal(
        before[before.log_file == third].reset_index(drop=True),
        after[after.log_file == third].reset_index(drop=True),
    )
    # the two files committed before the kill have their new rows
    for path in made[:2]:
        assert not before[before.log_file == str(path)].equals(after[after.log_file == str(path)])
    with duckdb.connect(str(db)) as con:
        rerun = ingest([str(logs)], con)
    assert (rerun.files_read, rerun.files_unchanged) == (4, 2)
    pd.testing.assert_frame_equal(_samples(db), _from_scratch(tmp_path, logs))


@pytest.mark.slow
def test_kill_9_at_a_random_point_of_a_large_ingest(tmp_path):
    logs = tmp_path / "logs"
    campaign_logs(logs, 12, prefix="old")
    db = tmp_path / "r.duckdb"
    with duckdb.connect(str(db)) as con:
        ingest([str(logs)], con)
    before = _samples(db)
    campaign_logs(logs / "new", 40, prefix="new")
    child = _child(db, logs)
    _read_until(child, "22")  # 12 old files unchanged, then 10 new: killed in the 11th or later
    _kill(child)
    _assert_consistent(db)
    after = _samples(db)
    pd.testing.assert_frame_equal(
        before, after[after.eval_id.str.startswith("old")].reset_index(drop=True)
    )
    loaded = after[after.eval_id.str.startswith("new")]["log_file"].nunique()
    assert 0 < loaded < 40
    with duckdb.connect(str(db)) as con:
        rerun = ingest([str(logs)], con)
    assert rerun.files_read == 40 - loaded and rerun.errors == []
    pd.testing.assert_frame_equal(_samples(db), _from_scratch(tmp_path, logs))


_HOLDER = textwrap.dedent(
    """
    import sys, time
    import duckdb
    con = duckdb.connect(sys.argv[1])
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    """
)


def test_a_second_writer_waits_for_the_first_or_says_why_not(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    logs = tmp_path / "logs"
    campaign_logs(logs, 2)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db), "1.5"], stdout=subprocess.PIPE, text=True
    )
    try:
        _read_until(holder, "locked")
        busy = main(["ingest", str(logs), "--db", str(db), "--wait", "0.3", "--quiet"])
        assert busy == EXIT_BUSY
        err = capsys.readouterr().err
        assert "in use by another process" in err and "waited 0.3s" in err
        started = time.monotonic()
        assert main(["ingest", str(logs), "--db", str(db), "--wait", "60"]) == 0
        assert time.monotonic() - started > 0.5  # it waited for the holder to let go
        assert "2 files read" in capsys.readouterr().out
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
