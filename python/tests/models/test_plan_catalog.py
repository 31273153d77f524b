"""One plan serves every database file: dbt compiles against a fixed catalog name,
and the plan renames that one name to the file's (issue 22)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from budgetcurves import _compiled
from budgetcurves._compiled import PLAN_CATALOG, compiled_plan, database_name
from budgetcurves.ingest import ingest

from ..conftest import EXAMPLE_LOGS


def test_one_plan_builds_databases_of_any_name_without_dbt(tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGETCURVES_CACHE_DIR", str(tmp_path / "cache"))
    dbs = [tmp_path / "first.duckdb", tmp_path / "second-name.duckdb"]
    for db in dbs:
        with duckdb.connect(str(db)) as con:
            ingest([str(EXAMPLE_LOGS)], con)
    first = compiled_plan({}, database_name(dbs[0]))
    with duckdb.connect(str(dbs[0])) as con:
        first.execute(con)

    def no_dbt(*args, **kwargs):
        raise AssertionError("dbt ran for a new database name")

    monkeypatch.setattr(_compiled, "run_dbt", no_dbt)
    second = compiled_plan({}, database_name(dbs[1]))
    assert second.folder == first.folder
    with duckdb.connect(str(dbs[1])) as con:
        second.execute(con)
    marts = []
    for db in dbs:  # each file opened alone: its views name its own catalog
        with duckdb.connect(str(db), read_only=True) as con:
            marts.append(con.execute("select * from main.scores_by_limit order by all").df())
            views = con.execute(
                "select sql from duckdb_views() where not internal and database_name = ?",
                [db.stem],
            ).fetchall()
            assert views and not any(PLAN_CATALOG in sql for (sql,) in views)
            con.execute("select count(*) from main.stg_inspect__samples").fetchone()
    assert len(marts[0]) > 0
    pd.testing.assert_frame_equal(marts[0], marts[1])


@pytest.mark.parametrize("name", ["budgetcurves", "with space", 'quo"te'])
def test_the_catalog_is_renamed_in_every_relation(tmp_path, monkeypatch, name):
    monkeypatch.setenv("BUDGETCURVES_CACHE_DIR", str(tmp_path / "cache"))
    plan = compiled_plan({})
    renamed = plan.on(name)
    quoted = '"' + name.replace('"', '""') + '".'
    for step in renamed.steps:
        assert PLAN_CATALOG not in step.relation and PLAN_CATALOG not in step.sql, step.name
        if step.kind != "test":
            assert step.relation.startswith(quoted), step.relation
