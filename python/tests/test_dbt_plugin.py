"""The dbt plugin speaks through dbt's logger: ``--quiet`` and JSON logs apply to it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from budgetcurves._project import run_dbt

from .conftest import EXAMPLE_LOGS

#: a command that opens the database (so the plugin loads the logs) and builds nothing
SHOW = ["show", "--inline", "select 1 as x"]


@pytest.fixture()
def logs(tmp_path) -> Path:
    """One good example log and one file that is not a log."""
    folder = tmp_path / "logs"
    folder.mkdir()
    shutil.copy(sorted(EXAMPLE_LOGS.glob("*.eval"))[0], folder)
    (folder / "broken.eval").write_bytes(b"not a zip")
    return folder


def _plugin_records(out: str) -> list[dict]:
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [r for r in records if r["data"].get("name") == "budgetcurves"]


def test_json_logs_carry_the_summary_and_the_bad_file(logs, tmp_path, capsys):
    run_dbt(
        [*SHOW, "--log-format", "json"],
        db=tmp_path / "a.duckdb",
        variables={"inspect_logs": str(logs)},
    )
    records = _plugin_records(capsys.readouterr().out)
    levels = {r["info"]["level"] for r in records}
    assert levels == {"info", "error"}, records
    (summary,) = [
        r for r in records if str(logs) in r["info"]["msg"] and r["info"]["level"] == "info"
    ]
    assert summary["info"]["msg"].startswith(f"budgetcurves adapter: {logs}: ")
    (bad,) = [r for r in records if r["info"]["level"] == "error"]
    assert "broken.eval" in bad["info"]["msg"]


def test_quiet_keeps_the_bad_file_only(logs, tmp_path, capsys):
    capsys.readouterr()
    run_dbt(SHOW, db=tmp_path / "q.duckdb", variables={"inspect_logs": str(logs)}, quiet=True)
    captured = capsys.readouterr()
    lines = [
        line
        for line in (captured.out + captured.err).splitlines()
        if "budgetcurves adapter" in line
    ]
    assert len(lines) == 1 and "error: " in lines[0] and "broken.eval" in lines[0], lines
