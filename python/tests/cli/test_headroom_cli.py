"""`budgetcurves run` answers the question in words: a line per model with the gain
over the last doubling and what the eval's own budget leaves open."""

from __future__ import annotations

import duckdb

from budgetcurves._headroom import headroom_lines
from budgetcurves.cli import main

from ..conftest import EXAMPLE_LOGS


def test_a_line_per_model_says_the_gain_and_the_bound():
    con = duckdb.connect()
    con.execute(
        """create table main.budget_headroom as select * from (values
        ('model-a', 'total_tokens', 'all', 'all', 0.08, 0.02, 0.14, 0.95, 12, 112, 0.9123),
        ('model-b', 'total_tokens', 'all', 'all', -0.01, null, null, 0.95, 0, 1, 0.5),
        ('model-a', 'total_tokens', 'task_name', 'x', 0.5, 0.1, 0.9, 0.95, 3, 10, 0.2),
        ('model-a', 'total_time', 'all', 'all', 0.3, 0.1, 0.5, 0.95, 2, 112, null)
        ) as t(model, limit_name, facet_name, facet_value, gain_last_doubling,
            gain_ci_lower, gain_ci_upper, ci_level, censored_count, sample_count,
            rate_if_censored_succeed)"""
    )
    assert headroom_lines(con, "total_tokens") == [
        "model-a: +0.08 (+0.02 to +0.14, 95%) over the last doubling of tokens; "
        "12 of 112 samples stopped by the eval's token limit: up to 0.91 with more",
        "model-b: -0.01 over the last doubling of tokens",
    ]
    # scores outside [0, 1]: no upper bound to give
    assert headroom_lines(con, "total_time") == [
        "model-a: +0.30 (+0.10 to +0.50, 95%) over the last doubling of total time; "
        "2 of 112 samples stopped by the eval's time limit"
    ]
    assert headroom_lines(duckdb.connect(), "total_tokens") == []  # an older database


def test_run_prints_the_marts_answer(tmp_path, capsys):
    db = tmp_path / "h.duckdb"
    out = tmp_path / "h.png"
    assert main(["run", str(EXAMPLE_LOGS), "--db", str(db), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select model, gain_last_doubling from main.budget_headroom "
            "where limit_name = 'total_tokens' and facet_name = 'all' order by model"
        ).fetchall()
    said = [line for line in printed if "over the last doubling of tokens" in line]
    assert len(said) == len(rows) == 3
    for line, (model, gain) in zip(said, rows, strict=True):
        assert line.startswith(f"{model}: {gain:+.2f} (")
