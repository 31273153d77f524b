"""What each kind of bad input gets, end to end (issue 12): one line naming the
file or value, an exit code with one meaning, nothing lost and nothing mixed in."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

from budgetcurves._project import DbtError, build_command, run_dbt
from budgetcurves.cli import main
from budgetcurves.cli._main import (
    EXIT_BAD_INPUT,
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_NOTHING_READ,
    EXIT_USAGE,
)

from ..conftest import EXAMPLE_LOGS
from ..ingest._logs import JSON_LOGS, clone_log
from .test_cli import _error_lines

BIN = Path(sys.executable).parent


def _count(db: Path, sql: str = "select count(*) from inspect.samples") -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def _dbt_build(db: Path, capsys, *args: str, variables: dict | None = None) -> tuple[bool, str]:
    """A plain ``dbt build`` in-process (the dbt-native path; the one subprocess test of
    it is test_cli's, with dbt's unit tests, which read no data and are left out
    here): whether it passed, and what it said."""
    capsys.readouterr()
    try:
        run_dbt([*build_command(), *args], db=db, variables=variables, quiet=True)
        passed = True
    except DbtError:
        passed = False
    captured = capsys.readouterr()
    return passed, captured.out + captured.err


# --------------------------------------------------------------------------- 6, 10


def test_a_plain_dbt_build_loads_no_examples_and_says_the_mart_is_empty(tmp_path, capsys):
    db = tmp_path / "empty.duckdb"
    passed, output = _dbt_build(db, capsys)
    assert not passed
    assert "scores_by_limit is empty: no samples are loaded" in output
    assert _count(db) == 0


def test_dbt_build_after_an_ingest_that_loaded_nothing_adds_nothing(tmp_path, capsys):
    db = tmp_path / "nothing.duckdb"
    assert main(["ingest", str(tmp_path / "typo"), "--db", str(db), "--quiet"]) == 3
    passed, _ = _dbt_build(db, capsys)
    assert not passed and _count(db) == 0


def test_the_dbt_path_fails_on_a_missing_log_folder(tmp_path, capsys):
    missing = {"inspect_logs": str(tmp_path / "missing")}
    passed, output = _dbt_build(tmp_path / "m.duckdb", capsys, variables=missing)
    assert not passed
    assert "inspect_logs: nothing could be read" in output
    assert "no such file or directory" in output


def test_forget_removes_a_folders_samples_and_keeps_the_rest(tmp_path, capsys):
    db = tmp_path / "f.duckdb"
    mine = clone_log(JSON_LOGS[0], tmp_path / "mine" / "a.json", "mine")
    assert main(["ingest", str(EXAMPLE_LOGS), str(mine), "--db", str(db), "--quiet"]) == 0
    assert main(["forget", str(EXAMPLE_LOGS), "--db", str(db)]) == 0
    assert "6 files forgotten" in capsys.readouterr().out
    assert _count(db, "select count(distinct eval_id) from inspect.samples") == 1
    assert _count(db, "select count(*) from inspect.log_files") == 1
    assert main(["forget", str(tmp_path / "never-loaded"), "--db", str(db)]) == EXIT_NOTHING_READ
    (line,) = _error_lines(capsys)
    assert "never-loaded" in line and "no loaded file" in line


# --------------------------------------------------------------------------- 8, 9


def _renamed_scorer(name: str):
    def change(sample):
        scores = sample.get("scores") or {}
        sample["scores"] = {name if i == 0 else k: v for i, (k, v) in enumerate(scores.items())}
        return sample

    return change


def _with_scorer(tmp_path: Path, name: str) -> Path:
    log = clone_log(
        JSON_LOGS[0], tmp_path / "logs" / "q.json", "quoted", sample=_renamed_scorer(name)
    )
    db = tmp_path / "q.duckdb"
    assert main(["ingest", str(log), "--db", str(db), "--quiet"]) == 0
    return db


def test_a_scorer_name_with_a_quote_builds(tmp_path):
    db = _with_scorer(tmp_path, "judge's")
    assert main(["build", "--db", str(db), "--quiet", "--vars", '{scorer: "judge\'s"}']) == 0
    assert _count(db, "select count(*) from main.scores_by_limit") > 0


def test_a_crafted_var_is_a_value_not_sql(tmp_path, capsys):
    db = _with_scorer(tmp_path, "judge's")
    crafted = "x') or true; drop table inspect.log_files; --"
    passed, output = _dbt_build(db, capsys, variables={"scorer": crafted, "statuses": [crafted]})
    assert not passed
    assert "scores_by_limit is empty" in output
    assert _count(db, "select count(*) from inspect.log_files") == 1


def test_the_cli_refuses_an_unknown_var_before_anything_runs(tmp_path, capsys):
    db = _with_scorer(tmp_path, "match")
    capsys.readouterr()
    assert main(["build", "--db", str(db), "--vars", "{facets: task_name}"]) == EXIT_USAGE
    (line,) = _error_lines(capsys)
    assert "unknown var 'facets'" in line


def test_a_build_whose_mart_is_empty_says_why(tmp_path, capsys):
    db = _with_scorer(tmp_path, "match")
    assert main(["build", "--db", str(db), "--quiet", "--vars", "{scorer: nobody}"]) == EXIT_FAILED
    out = capsys.readouterr().out
    assert "scores_by_limit is empty" in out and "'nobody'" in out and "scorers loaded" in out
    assert (
        main(["build", "--db", str(db), "--quiet", "--vars", "{statuses: [error]}"]) == EXIT_FAILED
    )
    assert "the logs' statuses: success" in capsys.readouterr().out
    where = "{where: \"task_name = 'nope'\"}"
    assert main(["build", "--db", str(db), "--quiet", "--vars", where]) == EXIT_FAILED
    assert "the var where (task_name = 'nope') leaves none of" in capsys.readouterr().out


# --------------------------------------------------------------------------- 7


def test_a_non_finite_value_in_a_mart_fails_the_build(tmp_path, capsys):
    """A loader other than ours may land an infinite score: the data test catches the NaN."""
    db = _with_scorer(tmp_path, "match")
    with duckdb.connect(str(db)) as con:
        con.execute(
            """update inspect.sample_scores set value_type = 'number', value_text = 'inf'
            where sample_id = (select min(sample_id) from inspect.sample_scores)"""
        )
    passed, output = _dbt_build(db, capsys, "--select", "+scores_by_limit")
    assert not passed
    # the generic test on scores_by_limit (not the one on scores_by_limit_exact)
    assert re.search(r"\bis_finite_scores_by_limit_\b", output)


def test_a_null_in_the_landing_fails_the_build_naming_the_test(tmp_path, capsys):
    """A loader other than ours may land a sample without its model: the samples'
    not_null_columns test (one scan for the key, the log and the model) fails, and a
    landing without nulls passes it."""
    db = _with_scorer(tmp_path, "match")
    passed, output = _dbt_build(db, capsys, "--select", "source:inspect.samples")
    assert passed, output
    with duckdb.connect(str(db)) as con:
        con.execute(
            """update inspect.samples set model = null
            where sample_id = (select min(sample_id) from inspect.samples)"""
        )
        (null_count,) = con.execute(
            "select count(*) from inspect.samples where model is null"
        ).fetchone()
    assert null_count > 0
    passed, output = _dbt_build(db, capsys, "--select", "source:inspect.samples")
    assert not passed
    assert re.search(r"\bsource_not_null_columns_inspect_samples_\w+", output), output


# --------------------------------------------------------------------------- 15, 16, 17


def test_exit_codes_tell_a_typo_from_some_bad_files(tmp_path, capsys):
    db = str(tmp_path / "e.duckdb")
    assert main(["ingest", str(tmp_path / "typo"), "--db", db]) == EXIT_NOTHING_READ
    logs = tmp_path / "logs"
    clone_log(JSON_LOGS[0], logs / "good.json", "good")
    (logs / "bad.json").write_text("{")
    assert main(["ingest", str(logs), "--db", db]) == EXIT_BAD_INPUT
    (logs / "bad2.json").write_text("[")
    # the good file is loaded and unchanged: not "nothing could be read"
    assert main(["ingest", str(tmp_path / "typo"), str(logs), "--db", db]) == EXIT_BAD_INPUT


def test_run_checks_its_options_before_it_ingests(tmp_path, capsys):
    db = tmp_path / "r.duckdb"
    args = ["run", str(EXAMPLE_LOGS), "--db", str(db)]
    assert main([*args, "--out", str(tmp_path / "x.gif")]) == EXIT_USAGE
    assert main([*args, "--out", str(tmp_path / "x.png"), "--vars", "{stepz: 3}"]) == EXIT_USAGE
    assert not db.exists()


def test_run_on_an_empty_folder_stops_after_the_ingest(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    db = tmp_path / "r.duckdb"
    out = tmp_path / "x.png"
    code = main(["run", str(tmp_path / "empty"), "--db", str(db), "--out", str(out)])
    assert code == EXIT_NOTHING_READ
    err = capsys.readouterr().err
    assert "holds no .eval or .json logs" in err and "nothing was built" in err
    assert not out.exists()


def _hold_lock(db: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); "
            "print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_build_on_a_locked_or_foreign_database_is_one_line(tmp_path, capsys):
    db = tmp_path / "locked.duckdb"
    holder = _hold_lock(db)
    try:
        assert main(["build", "--db", str(db), "--wait", "0.2", "--quiet"]) == EXIT_BUSY
    finally:
        holder.kill()
        holder.wait()
    (line,) = _error_lines(capsys)
    assert "in use by another process" in line and "waited 0.2s" in line
    foreign = tmp_path / "notes.duckdb"
    foreign.write_text("these are my notes, not a database\n" * 100)
    assert main(["build", "--db", str(foreign), "--quiet"]) == EXIT_USAGE
    (line,) = _error_lines(capsys)
    assert "notes.duckdb: cannot open the database" in line
    assert foreign.read_text().startswith("these are my notes")


def test_a_full_disk_is_said_once(tmp_path):
    """A file-size limit makes every write past it fail as a full disk does."""
    db = tmp_path / "full.duckdb"
    script = textwrap.dedent(
        f"""
        import resource, sys
        from budgetcurves.cli import main
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))
        sys.exit(main(["ingest", {str(EXAMPLE_LOGS)!r}, "--db", {str(db)!r}]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert "Traceback" not in done.stderr
    assert done.returncode == EXIT_FAILED, done.stderr
    assert len(errors) == 1 and "the disk is full" in errors[0], errors


def test_a_dbt_error_is_said_once_without_colours_off_a_terminal(tmp_path, capsys):
    db = _with_scorer(tmp_path, "match")
    capsys.readouterr()
    # a var of the SQL's shape, which dbt checks (a value's is checked before dbt runs)
    assert main(["build", "--db", str(db), "--vars", "{facet: 7}"]) == EXIT_USAGE
    captured = capsys.readouterr()
    both = captured.out + captured.err
    assert "\x1b[" not in both
    assert both.count("var 'facet' must be a grouping name") == 1
    (line,) = _error_lines_of(captured.err)
    assert "a var is wrong, nothing was built" in line


def _error_lines_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("budgetcurves: error:")]
