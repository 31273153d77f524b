"""``budgetcurves ingest`` for people and for schedulers: a bar on a terminal, one line
without one, ``--quiet``, ``--json``, ``--prune``, and exit codes that say what happened."""

from __future__ import annotations

import io
import json
import shutil
import sys

from budgetcurves.cli import main
from budgetcurves.ingest import IngestSummary, ProgressBar

from ..conftest import EXAMPLE_LOGS


def _logs(tmp_path, bad: bool = False):
    logs = tmp_path / "logs"
    shutil.copytree(EXAMPLE_LOGS, logs)
    if bad:
        (logs / "broken.json").write_text('{"version": 2, "eval": ')
    return logs


def test_without_a_terminal_one_summary_line(tmp_path, capsys):
    logs = _logs(tmp_path)
    assert main(["ingest", str(logs), "--db", str(tmp_path / "a.duckdb")]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1
    assert out.startswith("ingest: 6 files read, 0 unchanged, 0 replaced, 0 bad; 93 samples")
    assert err == ""
    assert main(["ingest", str(logs), "--db", str(tmp_path / "a.duckdb")]) == 0
    assert "0 files read, 6 unchanged" in capsys.readouterr().out


def test_json_summary_names_bad_files_and_exit_1_means_the_rest_loaded(tmp_path, capsys):
    logs = _logs(tmp_path, bad=True)
    code = main(["ingest", str(logs), "--db", str(tmp_path / "j.duckdb"), "--json"])
    assert code == 1
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert summary["files_read"] == 6 and summary["samples_added"] == 93
    assert summary["files_bad"] == 1
    (error,) = summary["errors"]
    assert error["file"].endswith("broken.json") and "invalid JSON" in error["reason"]
    assert {"files_missing", "files_pruned", "samples_removed", "notes"} <= set(summary)
    assert "broken.json" in err  # and on stderr, for a person reading the job's log


def test_quiet_prints_errors_only(tmp_path, capsys):
    logs = _logs(tmp_path, bad=True)
    assert main(["ingest", str(logs), "--db", str(tmp_path / "q.duckdb"), "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "broken.json: invalid JSON" in err


def test_prune_from_the_command_line(tmp_path, capsys):
    logs = _logs(tmp_path)
    db = str(tmp_path / "p.duckdb")
    assert main(["ingest", str(logs), "--db", db, "--quiet"]) == 0
    sorted(logs.glob("*.json"))[0].unlink()
    assert main(["ingest", str(logs), "--db", db]) == 0
    out, err = capsys.readouterr()
    assert "1 gone (samples kept; --prune removes them)" in out and "--prune" in err
    assert main(["ingest", str(logs), "--db", db, "--prune", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["files_pruned"] == 1 and summary["samples_removed"] == 20


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_progress_bar(tmp_path, capsys, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["ingest", str(_logs(tmp_path)), "--db", str(tmp_path / "t.duckdb")]) == 0
    drawn = terminal.getvalue()
    assert "ingest" in drawn and "file" in drawn and "samples=" in drawn and "bad=" in drawn
    assert "6 files read" in capsys.readouterr().out  # the summary line still follows
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    args = ["ingest", str(tmp_path / "logs"), "--db", str(tmp_path / "u.duckdb"), "--json"]
    assert main(args) == 0
    assert terminal.getvalue() == ""  # --json (and --quiet) draw no bar


def test_the_bar_shows_files_samples_and_bad_files_so_far():
    stream = io.StringIO()
    bar = ProgressBar(stream, mininterval=0)
    summary = IngestSummary()
    bar(0, 3, summary)
    summary.samples_added, summary.files_read = 40, 2
    summary.errors.append(Exception("x"))  # type: ignore[arg-type]
    bar(2, 3, summary)
    drawn = stream.getvalue()
    bar.close()
    assert "2/3" in drawn and "file/s" in drawn and "samples=40" in drawn and "bad=1" in drawn
    assert stream.getvalue().endswith("\r")  # cleared: the summary line follows


def test_the_loader_module_is_the_ingest_command(tmp_path, capsys):
    """``python -m budgetcurves.ingest`` (kept for schedules) is ``budgetcurves ingest``."""
    from budgetcurves.ingest.__main__ import main as loader

    logs = _logs(tmp_path)
    assert loader([str(logs), "--db", str(tmp_path / "m.duckdb")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ingest: 6 files read, 0 unchanged, 0 replaced, 0 bad; 93 samples")
    assert (
        main(["ingest", str(logs), "--db", str(tmp_path / "m.duckdb"), "--target", "duckdb"]) == 0
    )
    assert "0 files read, 6 unchanged" in capsys.readouterr().out


def test_target_duckdb_needs_a_db_and_says_so(tmp_path, capsys):
    assert main(["ingest", str(_logs(tmp_path))]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "budgetcurves: error: --target duckdb: --db names the DuckDB file to load into\n"


def test_a_postgres_it_cannot_reach_is_one_line_naming_the_target(tmp_path, capsys, monkeypatch):
    """psycopg2's error, wrapped as the warehouse's: no traceback, exit 4."""
    monkeypatch.setenv("PGHOST", str(tmp_path / "no-server-here"))  # a socket folder
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "2")
    assert main(["ingest", str(_logs(tmp_path)), "--target", "postgres"]) == 4
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, err
    assert err.startswith("budgetcurves: error: --target postgres: the database failed: ")
    assert "no-server-here" in err
