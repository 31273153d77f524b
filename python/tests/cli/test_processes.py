"""A command returns with nothing of its own left running: no worker, no helper
process, not even a zombie, in the session it started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
    process = subprocess.Popen(
        [str(BIN / "budgetcurves"), *args],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    assert _session_members(process.pid) == []
