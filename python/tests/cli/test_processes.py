"""A command returns with nothing of its own left running: no worker, no helper
process, not even a zombie, in the session it started."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pytest

from ..conftest import EXAMPLE_LOGS

BIN = Path(sys.executable).parent


def _session_members(session: int) -> list[str]:
    """The processes of ``session`` (with their state and command), from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # it ended while we looked
            continue
        # pid (comm) state ppid pgrp session ...: comm may hold spaces, so split after ')'
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[3]) == session:
            members.append(f"{stat.parent.name} {text[: text.rindex(')') + 1]} {fields[0]}")
    return members


def _in_own_session(args: list[str], env: Mapping[str, str]) -> tuple[subprocess.Popen[str], str]:
    """``budgetcurves ARGS`` run to its end as the leader of a session of its own;
    the process and what it said on stderr."""
    process = subprocess.Popen(
        [str(BIN / "budgetcurves"), *args],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, stderr = process.communicate(timeout=600)
    return process, stderr


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("command", ["run", "build"])
def test_nothing_outlives_a_command(tmp_path, command):
    db = tmp_path / "p.duckdb"
    # a fresh cache: `run` compiles with dbt first, which starts helper processes
    env = {**os.environ, "BUDGETCURVES_CACHE_DIR": str(tmp_path / "cache")}
    if command == "build":
        subprocess.run(
            [str(BIN / "budgetcurves"), "ingest", str(EXAMPLE_LOGS), "--db", str(db), "--quiet"],
            check=True,
            env=env,
        )
        args = ["build", "--db", str(db), "--quiet"]
    else:
        out = tmp_path / "x.png"
        args = ["run", str(EXAMPLE_LOGS), "--db", str(db), "--out", str(out), "--quiet"]
    process, stderr = _in_own_session(args, env)
    assert process.returncode == 0, stderr
    assert _session_members(process.pid) == []


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_run_that_ends_before_drawing_stops_its_drawing_process(tmp_path):
    """`run` starts the process that draws its figure before it ingests; when nothing
    can be read it returns 3 at once, and that process is stopped, not left drawing."""
    empty = tmp_path / "logs"
    empty.mkdir()
    (empty / "bad.eval").write_text("not a zip")
    out = tmp_path / "p.png"
    process, stderr = _in_own_session(
        ["run", str(empty), "--db", str(tmp_path / "p.duckdb"), "--out", str(out)], os.environ
    )
    assert process.returncode == 3, stderr
    assert "nothing could be read from LOGS" in stderr
    assert "Traceback" not in stderr
    assert _session_members(process.pid) == []
    assert not out.exists()


def test_run_says_a_drawing_error_in_plots_words_and_code(tmp_path):
    """The figure is drawn in a process of its own; a mistake only the mart can show
    (a facet it does not have) is still plot's one line and exit code 2."""
    db, out = tmp_path / "p.duckdb", tmp_path / "p.png"
    common = ["--db", str(db), "--out", str(out), "--limit", "total_tokens", "--quiet"]
    process = subprocess.run(
        [str(BIN / "budgetcurves"), "run", str(EXAMPLE_LOGS), *common, "--facet", "nope"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    plot = subprocess.run(
        [str(BIN / "budgetcurves"), "plot", *common, "--facet", "nope"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert (process.returncode, plot.returncode) == (2, 2)
    assert process.stderr == plot.stderr
    assert process.stderr.count("\n") == 1 and "facet 'nope'" in process.stderr
    assert not out.exists()
    assert_whole_in_the_file(db, tmp_path / "copy.duckdb")


def assert_whole_in_the_file(db: Path, copy: Path) -> None:
    """Every row of ``db``'s marts is in its file, not left in its write-ahead log:
    a copy of the file alone (what a user copies or sends) has all of them."""
    assert not db.with_name(db.name + ".wal").exists()
    shutil.copyfile(db, copy)
    marts = ("scores_by_limit", "scores_by_limit_exact", "budget_to_reach", "budget_headroom")
    counts = []
    for path in (db, copy):
        with duckdb.connect(str(path), read_only=True) as con:
            counts.append([con.execute(f"select count(*) from {m}").fetchone() for m in marts])
    assert counts[0] == counts[1] and all(n and n[0] > 0 for n in counts[0])


def test_run_writes_its_build_into_the_database_file(tmp_path):
    """`run` leaves the build's checkpoint to the time its figure is drawn; it is made,
    and the figure drawn, before `run` returns."""
    db, out = tmp_path / "p.duckdb", tmp_path / "p.png"
    process = subprocess.run(
        [str(BIN / "budgetcurves"), "run", str(EXAMPLE_LOGS), "--db", str(db), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert process.returncode == 0, process.stderr
    assert out.stat().st_size > 0 and "plot: wrote" in process.stdout
    assert_whole_in_the_file(db, tmp_path / "copy.duckdb")
