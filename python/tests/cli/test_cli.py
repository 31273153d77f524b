"""The four commands end to end, the dbt-native path, and user mistakes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from budgetcurves._project import PROJECT_DIR, build_command, run_dbt
from budgetcurves.cli import main

from ..conftest import EXAMPLE_LOGS, read_mart

BIN = Path(sys.executable).parent


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["model", "limit_name", "facet_name", "facet_value", "step_index"]
    return frame.sort_values(keys).reset_index(drop=True)


def _dbt(db: Path, *args: str) -> subprocess.CompletedProcess:
    """``dbt build`` as its own process: the dbt-native entry point (the tests whose
    subject is what dbt builds, not the process, run it in-process with run_dbt)."""
    env = {**os.environ, "BUDGETCURVES_DB": str(db)}
    return subprocess.run(
        [str(BIN / "dbt"), "build", "--quiet", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_run_writes_a_png_of_the_golden_size(tmp_path, capsys):
    from PIL import Image

    out = tmp_path / "curves.png"
    code = main(
        ["run", str(EXAMPLE_LOGS), "--db", str(tmp_path / "r.duckdb"), "--out", str(out), "--quiet"]
    )
    assert code == 0
    with Image.open(out) as image:
        # 700 / 1.618 = 432.6 px; matplotlib renders whole pixels
        assert image.size[0] == 700
        assert abs(image.size[1] - 700 / 1.618) < 1


def test_build_options_equal_dbt_vars(tmp_path, example_db):
    """`budgetcurves build --steps 30 --scale linear --ci 0.9` == `dbt build --vars ...`."""
    cli_db, dbt_db = tmp_path / "cli.duckdb", tmp_path / "dbt.duckdb"
    for db in (cli_db, dbt_db):
        assert main(["ingest", str(EXAMPLE_LOGS), "--db", str(db), "--quiet"]) == 0
    assert (
        main(
            [
                "build",
                "--db",
                str(cli_db),
                "--steps",
                "30",
                "--scale",
                "linear",
                "--ci",
                "0.9",
                "--quiet",
            ]
        )
        == 0
    )
    options = {"steps": 30, "scale": "linear", "ci_level": 0.9}
    run_dbt(build_command(), db=dbt_db, variables=options, quiet=True)
    ours = _sorted(read_mart(cli_db))
    assert (ours.groupby(["model", "limit_name"]).size() == 30).all()
    assert (ours.ci_level == 0.9).all()
    pd.testing.assert_frame_equal(ours, _sorted(read_mart(dbt_db)))
    # and the options did change the mart
    assert len(ours) != len(read_mart(example_db))


def test_dbt_native_path_reads_the_example_logs(tmp_path, example_mart):
    """`dbt build` with the var inspect_logs loads the committed examples."""
    db = tmp_path / "native.duckdb"
    done = _dbt(db, "--vars", "{inspect_logs: examples/logs}")
    assert done.returncode == 0, done.stdout + done.stderr
    pd.testing.assert_frame_equal(
        _sorted(read_mart(db)).drop(columns="log"), _sorted(example_mart).drop(columns="log")
    )


def test_dbt_build_after_ingest_keeps_what_was_ingested(tmp_path):
    db = tmp_path / "mine.duckdb"
    one_log = sorted(EXAMPLE_LOGS.glob("*.eval"))[0]
    assert main(["ingest", str(one_log), "--db", str(db), "--quiet"]) == 0
    run_dbt(build_command(), db=db, quiet=True)  # dbt's unit tests read no logs
    mart = read_mart(db)
    assert mart.model.nunique() == 1  # the examples were not added


def _error_lines(capsys) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line.startswith("budgetcurves: error:")]


def test_build_on_a_missing_database_is_one_line(tmp_path, capsys):
    assert main(["build", "--db", str(tmp_path / "nope.duckdb")]) == 2
    (line,) = _error_lines(capsys)
    assert "nope.duckdb" in line and "no such database" in line


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--steps", "1"], "steps"),
        (["--vars", "{ci_level: 2}"], "ci_level"),
        (["--vars", "[1, 2]"], "--vars"),
    ],
)
def test_bad_build_options_are_named(tmp_path, capsys, args, words):
    db = tmp_path / "b.duckdb"
    assert main(["ingest", str(EXAMPLE_LOGS), "--db", str(db), "--quiet"]) == 0
    assert main(["build", "--db", str(db), "--quiet", *args]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert words in captured.out + captured.err


def test_plot_to_an_unknown_format_is_refused(example_db, tmp_path, capsys):
    assert main(["plot", "--db", str(example_db), "--out", str(tmp_path / "x.gif")]) == 2
    (line,) = _error_lines(capsys)
    assert ".png, .svg or .pdf" in line


def test_plot_of_an_unknown_limit_names_the_limits(example_db, tmp_path, capsys):
    out = tmp_path / "x.png"
    assert main(["plot", "--db", str(example_db), "--out", str(out), "--limit", "tokens"]) == 2
    (line,) = _error_lines(capsys)
    assert "'tokens'" in line and "total_tokens" in line and "working_time" in line


def test_ingest_of_a_bad_file_names_it_and_exits_non_zero(tmp_path, capsys):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "broken.eval").write_bytes(b"PK\x03\x04 not really a zip")
    good = sorted(EXAMPLE_LOGS.glob("*.eval"))[0]
    (logs / good.name).write_bytes(good.read_bytes())
    db = tmp_path / "i.duckdb"
    assert main(["ingest", str(logs), "--db", str(db)]) == 1
    (line,) = _error_lines(capsys)
    assert "broken.eval" in line
    assert read_samples_count(db) > 0


def read_samples_count(db: Path) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select count(*) from inspect.samples").fetchone()[0]


def _unit_tests_run(target: Path) -> int:
    import json

    results = json.loads((target / "run_results.json").read_text())["results"]
    return sum(r["unique_id"].startswith("unit_test.") for r in results)


def test_build_leaves_unit_tests_to_development_unless_asked(tmp_path, monkeypatch):
    """A refresh runs the data tests, not dbt's unit tests of the SQL; --unit-tests
    runs them as a plain `dbt build` does, and they read the vars they do not pin
    from the defaults (macros/vars.sql, project_var), not from the command line, so
    a build with other vars passes them."""
    db = tmp_path / "u.duckdb"
    assert main(["ingest", str(EXAMPLE_LOGS), "--db", str(db), "--quiet"]) == 0
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    assert main(["build", "--db", str(db), "--quiet"]) == 0
    assert _unit_tests_run(tmp_path / "target") == 0
    everything = read_mart(db).groupby("model").sample_count.max()
    other_vars = [
        "--vars",
        "{where: \"task_name = 'geography'\", facet: task_name, se_method: clustered,"
        " ci_method: wilson, ci_level: 0.9, steps: 7, reach_targets: {absolute: [0.3]}}",
    ]
    assert main(["build", "--db", str(db), "--quiet", "--unit-tests", *other_vars]) == 0
    assert _unit_tests_run(tmp_path / "target") >= 10
    geography = read_mart(db).groupby("model").sample_count.max()
    assert (geography > 0).all() and (geography < everything).all()
