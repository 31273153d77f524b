"""Third hostile round (issue 29), the CLI's classes: a user's database and files are
never altered by a mistake, every option is checked before anything is done, and what
is printed is one line per message, whatever a file is called."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from budgetcurves.cli import main
from budgetcurves.plot._layers import LEGEND_CHARS, legend_labels, shorten

from ..conftest import build_mart
from ..ingest._logs import JSON_LOGS, clone_log

TEMPLATE = JSON_LOGS[0]


def _one_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("budgetcurves: error: ")
    return lines[0]


# ---------------------------------------------------------------- 1, 2: a user's database


def test_ingest_into_a_foreign_landing_table_is_one_line_and_exit_2(tmp_path, capsys):
    db = tmp_path / "f.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema inspect; create table inspect.samples (mine int)")
    assert main(["ingest", str(TEMPLATE), "--db", str(db)]) == 2
    assert "inspect.samples" in _one_error(capsys)
    with duckdb.connect(str(db)) as con:
        columns = con.execute(
            "select column_name from information_schema.columns where table_schema = 'inspect'"
        ).fetchall()
    assert columns == [("mine",)]


@pytest.mark.parametrize("command", ["ingest", "forget"])
def test_an_empty_path_is_a_usage_error(tmp_path, capsys, monkeypatch, command):
    logs = tmp_path / "logs"
    clone_log(TEMPLATE, logs / "a.json", "eval-a")
    db = tmp_path / "e.duckdb"
    assert main(["ingest", str(logs), "--db", str(db), "--quiet"]) == 0
    monkeypatch.chdir(logs)
    assert main([command, str(logs / "a.json"), "", "--db", str(db)]) == 2
    assert "empty path" in _one_error(capsys)
    with duckdb.connect(str(db)) as con:
        assert con.execute("select count(*) from inspect.log_files").fetchall() == [(1,)]


def test_run_with_an_empty_path_ingests_nothing(tmp_path, capsys):
    db = tmp_path / "r.duckdb"
    assert main(["run", "", "--db", str(db), "--out", str(tmp_path / "p.png")]) == 2
    assert "empty path" in _one_error(capsys)
    assert not db.exists()


# ---------------------------------------------------------------- 3: sizes, whole files


@pytest.mark.parametrize(
    "size",
    [
        ["--width", "1"],
        ["--width", "nan"],
        ["--width", "100000"],
        ["--width", "inf"],
        ["--width", "-700"],
        ["--height", "50"],
        ["--dpi", "0"],
        ["--dpi", "nan"],
        ["--width", "20000", "--height", "20000", "--dpi", "100000"],
    ],
)
def test_a_size_that_cannot_be_drawn_is_refused_and_nothing_written(
    example_db, tmp_path, capsys, size
):
    keep = tmp_path / "keep.png"
    keep.write_bytes(b"the user's picture")
    assert main(["plot", "--db", str(example_db), "--out", str(keep), *size]) == 2
    line = _one_error(capsys)
    assert size[-2].lstrip("-") in line
    assert keep.read_bytes() == b"the user's picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.png"]


def test_a_plot_that_fails_while_writing_leaves_the_old_file(
    example_db, tmp_path, capsys, monkeypatch
):
    from plotnine import ggplot

    def broken_save(self, filename, *args, **kwargs):
        Path(filename).write_bytes(b"half a png")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ggplot, "save", broken_save)
    keep = tmp_path / "keep.png"
    keep.write_bytes(b"the user's picture")
    assert main(["plot", "--db", str(example_db), "--out", str(keep)]) == 2
    assert "No space left" in _one_error(capsys)
    assert keep.read_bytes() == b"the user's picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.png"]


def test_an_export_is_written_whole_or_not_at_all(example_db, tmp_path, capsys):
    out = tmp_path / "scores.csv"
    assert main(["export", "--db", str(example_db), "--out", str(out)]) == 0
    assert out.read_text().startswith("limit_name") or out.stat().st_size > 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv"]


# ---------------------------------------------------------------- 16: options checked first


@pytest.mark.parametrize("wait", ["nan", "-1", "inf", "soon"])
def test_wait_must_be_a_finite_number_of_seconds(tmp_path, capsys, wait):
    db = tmp_path / "w.duckdb"
    with pytest.raises(SystemExit) as exited:
        main(["ingest", str(TEMPLATE), "--db", str(db), "--wait", wait])
    assert exited.value.code == 2
    assert "--wait" in capsys.readouterr().err
    assert not db.exists()


@pytest.mark.parametrize(
    ("options", "word"),
    [
        (["--limit", "nope"], "--limit"),
        (["--limit", "total_time", "--vars", "{limits: [total_tokens]}"], "--limit"),
        (["--width", "1"], "width"),
    ],
)
def test_run_checks_limit_and_size_before_it_ingests(tmp_path, capsys, options, word):
    db = tmp_path / "r.duckdb"
    out = tmp_path / "p.png"
    assert main(["run", str(TEMPLATE), "--db", str(db), "--out", str(out), *options]) == 2
    assert word in _one_error(capsys)
    assert not db.exists() and not out.exists()


def test_forget_on_a_misspelt_database_creates_none(tmp_path, capsys):
    db = tmp_path / "typo.duckdb"
    assert main(["forget", str(TEMPLATE), "--db", str(db)]) == 2
    assert "no such database" in _one_error(capsys)
    assert not db.exists()


def test_forget_says_what_it_forgot(tmp_path, capsys):
    db = tmp_path / "f.duckdb"
    log = clone_log(TEMPLATE, tmp_path / "a.json", "eval-a")
    assert main(["ingest", str(log), "--db", str(db), "--quiet"]) == 0
    with duckdb.connect(str(db)) as con:
        ((count,),) = con.execute("select count(*) from inspect.samples").fetchall()
    capsys.readouterr()
    assert main(["forget", str(log), "--db", str(db)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"forget: 1 files forgotten, {count} samples removed"), out
    assert "samples loaded" not in out


def test_long_model_names_are_shortened_in_the_legend():
    import pandas as pd

    long_a = "a" * 10_000 + "-one"
    long_b = "a" * 10_000 + "-two"
    frame = pd.DataFrame({"model": [long_a, long_b, "short"], "sample_count": [3, 4, 5]})
    labels = legend_labels(frame, "model", [long_a, long_b, "short"], "sample_count")
    assert all(len(label) <= LEGEND_CHARS + len(" (n=5)") for label in labels)
    assert len(set(labels)) == 3  # told apart by their ends
    assert labels[2] == "short (n=5)"
    assert shorten("x" * LEGEND_CHARS) == "x" * LEGEND_CHARS


# ---------------------------------------------------------------- 13, 14, 16: vars


def _two_logs(tmp_path: Path) -> Path:
    logs = tmp_path / "logs"
    clone_log(TEMPLATE, logs / "ok.json", "eval-ok")
    clone_log(TEMPLATE, logs / "bad.json", "eval-bad", status="error")
    return logs


def test_where_cannot_widen_the_status_filter(tmp_path):
    db = tmp_path / "w.duckdb"
    build_mart(db, [_two_logs(tmp_path)], {"where": "1=1) or (1=1"})
    with duckdb.connect(str(db), read_only=True) as con:
        ((relation,),) = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_name = 'int_samples__kept'"
        ).fetchall()
        kept = con.execute(f"select distinct eval_id from {relation}").fetchall()
    assert kept == [("eval-ok",)]


@pytest.mark.parametrize(
    "options",
    [["--steps", "10001"], ["--vars", "{steps: 10000000}"], ["--vars", "{extra_limits: [nope]}"]],
)
def test_a_var_out_of_range_is_a_usage_error(tmp_path, capsys, options):
    db = tmp_path / "v.duckdb"
    assert main(["ingest", str(TEMPLATE), "--db", str(db), "--quiet"]) == 0
    assert main(["build", "--db", str(db), "--quiet", *options]) == 2


# ---------------------------------------------------------------- 17: one line per message


def test_a_file_name_cannot_split_or_forge_a_line(tmp_path, capsys):
    folder = tmp_path / "logs"
    folder.mkdir()
    bad = folder / "x\nbudgetcurves: note: all is well\x1b[2J.json"
    bad.write_text("{not json")
    clone_log(TEMPLATE, folder / "good.json", "eval-good")
    db = tmp_path / "c.duckdb"
    assert main(["ingest", str(folder), "--db", str(db)]) == 1
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert all(line.startswith("budgetcurves: ") for line in lines)
    assert not any("note: all is well" in line and "error" not in line for line in lines)
    assert "\x1b" not in captured.err and "\\n" in captured.err


def test_an_export_with_a_non_numeric_limit_names_the_column(tmp_path, capsys):
    export = tmp_path / "e.csv"
    export.write_text("eval_id,id,epoch,model,score_x,total_time\ne,1,1,m,1,abc\ne,2,1,m,1,2\n")
    db = tmp_path / "n.duckdb"
    assert main(["ingest", str(export), "--db", str(db)]) == 0
    err = capsys.readouterr().err
    assert "transaction is aborted" not in err
    assert "total_time that is not a number (e.g. 'abc')" in err
    assert os.path.exists(db)
