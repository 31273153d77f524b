"""The compiled path (dbt's SQL, cached, executed by DuckDB in-process) builds the
same marts as ``dbt build``, runs the same data tests, and reuses what it compiled."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from budgetcurves import _compiled
from budgetcurves._compiled import DataTestError, compiled_plan, database_name, plan_key
from budgetcurves._project import PROJECT_DIR, DbtError, build_command, run_dbt
from budgetcurves.ingest import ingest

from ..conftest import EXAMPLE_LOGS, REAL_LOGS

MARTS = (
    "scores_by_limit",
    "scores_by_limit_exact",
    "budget_to_reach",
    "paired_differences_by_limit",
    "budget_headroom",
)
TOLERANCE = 1e-12
#: many options at once, of the shape (facets, an extra limit, a `where`) and values
#: (the clustered standard error, Wilson bands, paired differences, another grid)
NON_DEFAULT = {
    "facet": ["task_name", "epoch"],
    "se_method": "clustered",
    "ci_method": "wilson",
    "extra_limits": ["output_tokens"],
    "where": "epoch <= 2",
    "paired_differences": True,
    "steps": 17,
    "ci_level": 0.9,
}


def _ingested(tmp_path: Path, logs: Path, name: str) -> Path:
    db = tmp_path / f"{name}.duckdb"
    with duckdb.connect(str(db)) as con:
        ingest([str(logs)], con)
    return db


def _marts(db: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {m: con.execute(f"select * from main.{m} order by all").df() for m in MARTS}


@pytest.mark.parametrize("variables", [{}, NON_DEFAULT], ids=["defaults", "non-default"])
@pytest.mark.parametrize("source", ["examples", "real"])
def test_compiled_marts_equal_dbt_build(tmp_path, built, source, variables):
    logs = EXAMPLE_LOGS if source == "examples" else REAL_LOGS
    if not logs.exists():
        pytest.skip(f"{logs} is not on this machine")
    compiled = _ingested(tmp_path, logs, "compiled")
    # dbt build of the same logs with the same vars (the run's shared build)
    by_dbt = built([logs], variables, tmp_path / f"{source}.duckdb")
    plan = compiled_plan(variables, database_name(compiled))
    with duckdb.connect(str(compiled)) as con:
        plan.execute(con)

    expected, got = _marts(by_dbt), _marts(compiled)
    for mart in MARTS:
        assert list(got[mart].columns) == list(expected[mart].columns), mart
        assert list(got[mart].dtypes) == list(expected[mart].dtypes), mart
        if mart != "paired_differences_by_limit" or variables:
            assert len(expected[mart]) > 0, f"{mart} is empty: the comparison would prove nothing"
        pd.testing.assert_frame_equal(
            got[mart], expected[mart], check_exact=False, rtol=0, atol=TOLERANCE, obj=mart
        )


def test_a_failing_data_test_is_an_error_on_both_paths(tmp_path):
    db = _ingested(tmp_path, EXAMPLE_LOGS, "broken")
    with duckdb.connect(str(db)) as con:  # the same sample twice: staging's key test fails
        con.execute("insert into inspect.samples select * from inspect.samples limit 1")
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(db, copy)

    with pytest.raises(DbtError):
        run_dbt(build_command(), db=db, quiet=True)
    plan = compiled_plan({}, database_name(copy))
    with duckdb.connect(str(copy)) as con, pytest.raises(DataTestError) as failed:
        plan.execute(con)
    assert "unique_combination_of_columns_stg_inspect__samples" in str(failed.value)
    assert "(1 failing rows)" in str(failed.value)


def test_a_plan_is_compiled_once_then_read_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGETCURVES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_compiled, "SHIPPED_PLANS", tmp_path / "none shipped")
    first = compiled_plan({"steps": 7})
    assert (first.folder / "plan.json").exists()
    assert {step.name for step in first.steps} >= {"scores_by_limit", "model_info"}

    def no_dbt(*args, **kwargs):
        raise AssertionError("dbt ran although the plan was cached")

    monkeypatch.setattr(_compiled, "run_dbt", no_dbt)
    again = compiled_plan({"steps": 7})
    assert again.folder == first.folder and again.steps == first.steps
    assert compiled_plan({"steps": 8}).folder == first.folder  # a value: the same plan
    with pytest.raises(AssertionError, match="dbt ran"):  # another shape: another plan
        compiled_plan({"steps": 7, "facet": "epoch"})


def test_the_plan_key_follows_the_project_files_and_vars(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR / "models", project / "models")
    shutil.copy(PROJECT_DIR / "dbt_project.yml", project)
    key = plan_key({"facet": "epoch"}, project)
    assert plan_key({"facet": "epoch"}, project) == key
    assert plan_key({"facet": "log"}, project) != key
    mart = project / "models" / "marts" / "scores_by_limit.sql"
    mart.write_text(mart.read_text() + "\n-- edited\n")
    assert plan_key({"facet": "epoch"}, project) != key


def test_bad_vars_are_named_when_compiling(tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGETCURVES_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(DbtError, match="var 'facet'"):  # a var of the shape: dbt's check
        compiled_plan({"facet": ["no_such_grouping"]})
    assert not list((tmp_path / "cache" / "compiled").glob("[!.]*")), "a failed compile was cached"


def _step(name: str, kind: str, *parents: str) -> _compiled.Step:
    return _compiled.Step(name, kind, name, "", "", depends_on=parents)


def test_the_plan_order_is_the_dags_ties_by_kind_then_name():
    """Every step after its parents; of the steps ready at once, seeds before models
    before tests, then by name: the same order from any manifest order."""
    steps = [
        _step("test_b", "test", "b"),
        _step("b", "table", "a", "seed_z"),
        _step("test_a", "test", "a"),
        _step("a", "view", "seed_z"),
        _step("c", "view"),
        _step("seed_z", "seed"),
    ]
    expected = ["seed_z", "a", "b", "c", "test_a", "test_b"]
    for shift in range(len(steps)):
        turned = steps[shift:] + steps[:shift]
        by_id = {step.unique_id: step for step in turned}
        assert [step.name for step in _compiled._in_dag_order(by_id)] == expected


def test_a_cycle_in_the_dag_is_named():
    steps = {s.unique_id: s for s in (_step("a", "view", "b"), _step("b", "view", "a"))}
    with pytest.raises(
        RuntimeError, match=r"the project's DAG has a cycle: (a -> b -> a|b -> a -> b)"
    ):
        _compiled._in_dag_order(steps)


def _catalogs() -> set[str]:
    rows = _compiled._instance().execute("select database_name from duckdb_databases()")
    return {row[0] for row in rows.fetchall()}


def test_each_in_memory_catalog_is_new_and_dropped_after_its_call():
    """One DuckDB instance serves every call, but no call sees another's tables or
    registered frames, and a call that fails leaves nothing behind."""
    with _compiled.memory_database() as con:
        con.execute("create table main.kept as select 1 as x")
        con.register("a_frame", pd.DataFrame({"x": [1, 2]}))
        assert con.execute("select count(*) from a_frame").fetchone() == (2,)
    assert _compiled.MEMORY_DATABASE not in _catalogs()
    with pytest.raises(RuntimeError), _compiled.memory_database() as con:
        con.execute("create table main.half_built as select 1 as x")
        raise RuntimeError("a model failed")
    assert _compiled.MEMORY_DATABASE not in _catalogs()
    with _compiled.memory_database() as con:
        tables = con.execute("select table_name from duckdb_tables()").fetchall()
        assert tables == []
        with pytest.raises(duckdb.CatalogException):
            con.execute("select * from a_frame")


def test_a_calls_threads_are_its_own():
    def threads(con: duckdb.DuckDBPyConnection) -> int:
        row = con.execute("select current_setting('threads')").fetchone()
        assert row is not None
        return int(row[0])

    default = threads(_compiled._instance())
    with _compiled.memory_database(threads=1) as con:
        assert threads(con) == 1
    assert threads(_compiled._instance()) == default


def test_a_call_that_fails_before_its_connection_leaves_no_catalog():
    """The catalog is attached first: a failure right after (here DuckDB refusing a
    thread count) still detaches it, so the next call can attach its own."""
    with pytest.raises(duckdb.Error), _compiled.memory_database(threads=-1):
        pass
    assert _compiled.MEMORY_DATABASE not in _catalogs()
    with _compiled.memory_database() as con:
        assert con.execute("select 1").fetchone() == (1,)


def _tables_of(con: duckdb.DuckDBPyConnection) -> list[tuple[str]]:
    return con.execute("select table_name from duckdb_tables()").fetchall()


def test_a_kept_catalog_comes_back_to_its_key_only():
    """The drop-in keeps a frame's catalog for the next call on the same rows; any
    other key, an error, or a call of memory_database drops it."""
    with _compiled.kept_database("rows a") as catalog:
        assert catalog.built is None
        catalog.con.execute("create table main.t as select 1 as x")
        catalog.built = _compiled.Built("rows a")
    assert _compiled.MEMORY_DATABASE in _catalogs()
    with _compiled.kept_database("rows a") as catalog:
        assert catalog.built is not None and catalog.built.sources == "rows a"
        assert catalog.con.execute("select x from main.t").fetchall() == [(1,)]
    with _compiled.kept_database("rows b") as catalog:
        assert catalog.built is None and _tables_of(catalog.con) == []
    assert _compiled.MEMORY_DATABASE not in _catalogs()  # rows b's built was not set

    with _compiled.kept_database("rows a") as catalog:
        catalog.built = _compiled.Built("rows a")
    with pytest.raises(RuntimeError), _compiled.kept_database("rows a") as catalog:
        raise RuntimeError("a model failed")
    assert _compiled.MEMORY_DATABASE not in _catalogs()

    with _compiled.kept_database("rows a") as catalog:
        catalog.con.execute("create table main.t as select 1 as x")
        catalog.built = _compiled.Built("rows a")
    with _compiled.memory_database() as con:
        assert _tables_of(con) == []
    assert _compiled.MEMORY_DATABASE not in _catalogs()
