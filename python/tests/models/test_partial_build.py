"""A dbt build of part of the DAG uses the vars it is given: the options are written
into the SQL as literals on the dbt path, never read from an int_options an earlier
build left (only the compiled path reads them from the options relations)."""

from __future__ import annotations

import duckdb

from budgetcurves._project import run_dbt

from ..conftest import EXAMPLE_LOGS


def test_a_partial_build_with_new_vars_uses_them(tmp_path, built):
    # the example logs built with the default vars (the run's shared build)
    db = built([EXAMPLE_LOGS], None, tmp_path / "examples.duckdb")
    run_dbt(
        ["run", "--select", "int_limit_grids", "scores_by_limit"],
        db=db,
        variables={"steps": 7, "ci_level": 0.8},
        quiet=True,
    )
    with duckdb.connect(str(db), read_only=True) as con:
        steps, levels = con.execute(
            "select count(distinct step_index), list(distinct ci_level) from main.scores_by_limit"
        ).fetchone()
        (stored,) = con.execute("select steps from main.int_options").fetchone()
    assert (steps, levels) == (7, [0.8])
    assert stored == 100  # int_options was not rebuilt, and nothing read it
