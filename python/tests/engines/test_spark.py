"""The same project on Spark: the loader writes Parquet tables through pyspark, dbt
builds with ``--target spark`` (dbt-spark's ``session`` method, in this process,
its data and unit tests included), and the mart equals DuckDB's.

Runs where ``BUDGETCURVES_TEST_SPARK=1`` (``make test-spark``): a local Spark takes
some 10 s to start and a minute to build, so the default suite leaves it out.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from budgetcurves._project import PROJECT_DIR, run_dbt
from budgetcurves.ingest import SparkWarehouse, ingest, spark_session
from budgetcurves.ingest._landing import SPARK

from ..conftest import EXAMPLE_EXPORT, EXAMPLE_LOGS
from ..ingest.test_landing import assert_migrates, older_landing
from .conftest import (
    ENGINE_VARS,
    SCORE_SQL,
    assert_every_mart_equal,
    assert_same_rows,
    duckdb_build,
    duckdb_landing,
    sample_values,
    score_cases,
)

if os.environ.get("BUDGETCURVES_TEST_SPARK") != "1":
    pytest.skip("starts a local Spark: `make test-spark` runs it", allow_module_level=True)

pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

SCHEMA = "budgetcurves_test"


def test_loader_and_dbt_commands_share_the_metastore(tmp_path):
    """The scheduled path, each step its own process: the loader command, then the
    dbt CLI with profiles.yml's `spark` target (first, before this module's session)."""
    env = {
        **os.environ,
        "BUDGETCURVES_SPARK_DIR": str(tmp_path),
        "BUDGETCURVES_SPARK_SCHEMA": "budgetcurves_cli",
    }
    cli = str(Path(sys.executable).with_name("budgetcurves"))
    loader = [cli, "ingest", "--target", "spark", str(EXAMPLE_LOGS)]
    subprocess.run(loader, env=env, cwd=PROJECT_DIR, check=True, capture_output=True)
    dbt = [
        str(Path(sys.executable).with_name("dbt")),
        "build",
        "--target",
        "spark",
        "--select",
        "stg_inspect__samples",
        "--indirect-selection",
        "cautious",
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
    ]
    done = subprocess.run(dbt, env=env, cwd=PROJECT_DIR, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "ERROR=0" in done.stdout and "PASS=" in done.stdout


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    directory = tmp_path_factory.mktemp("spark")
    saved = {k: os.environ.get(k) for k in ("BUDGETCURVES_SPARK_DIR", "BUDGETCURVES_SPARK_SCHEMA")}
    os.environ["BUDGETCURVES_SPARK_DIR"] = str(directory)
    os.environ["BUDGETCURVES_SPARK_SCHEMA"] = SCHEMA
    session = spark_session(directory)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def loaded(spark):
    with SparkWarehouse(spark) as warehouse:
        summary = ingest([str(EXAMPLE_LOGS)], warehouse)
    assert not summary.errors, summary.errors
    return summary


#: The marts the default vars leave empty, which Spark builds from their contract's
#: empty select rather than their SQL (macros/options.sql, built_empty)
EMPTY_BY_DEFAULT = ("paired_differences_by_limit", "scores_by_limit_cumulative_incidence")


def _schema(spark, table: str) -> list[tuple[str, str]]:
    return [(f.name, f.dataType.simpleString()) for f in spark.table(f"{SCHEMA}.{table}").schema]


@pytest.fixture(scope="module")
def default_schemas(spark, spark_mart) -> dict[str, list[tuple[str, str]]]:
    """The columns and types of the marts the default build left empty."""
    return {name: _schema(spark, name) for name in EMPTY_BY_DEFAULT}


@pytest.fixture(scope="module")
def spark_mart(spark, loaded) -> pd.DataFrame:
    # dbt-spark's session method finds the session above: same metastore, same tables
    run_dbt(["build"], target="spark", quiet=True)
    return spark.table(f"{SCHEMA}.scores_by_limit").toPandas()


def test_marts_left_empty_are_built_from_their_contract(spark, spark_mart, default_schemas):
    """With the default vars the two optional marts are empty, compiled on Spark as
    their contract's typed select (no trace of their SQL), with no row."""
    compiled = run_dbt(
        ["compile", "--select", *EMPTY_BY_DEFAULT], target="spark", quiet=True
    ).result.results
    models = [result for result in compiled if result.node.resource_type == "model"]
    assert len(models) == len(EMPTY_BY_DEFAULT)
    for result in models:
        sql = result.node.compiled_code
        assert "where 1 = 0" in sql and " join " not in sql, result.node.name
        assert len(sql) < 3000, (result.node.name, len(sql))
    for name in EMPTY_BY_DEFAULT:
        assert spark.table(f"{SCHEMA}.{name}").count() == 0
        assert len(default_schemas[name]) > 5


def _reader(spark):
    return lambda name: spark.table(f"{SCHEMA}.{name}").toPandas()


def _count(spark, table: str) -> int:
    return spark.table(f"inspect.{table}").count()


def test_loader_fills_the_landing_tables(spark, loaded, example_db):
    import duckdb

    with duckdb.connect(str(example_db), read_only=True) as con:
        expected = [
            con.execute(f"select count(*) from inspect.{t}").fetchone()[0]
            for t in ("samples", "sample_scores", "log_files")
        ]
    assert [_count(spark, t) for t in ("samples", "sample_scores", "log_files")] == expected


def test_every_mart_equals_duckdb(spark, spark_mart, tmp_path):
    duck_db = tmp_path / "all.duckdb"
    duck = duckdb_build(duck_db)
    assert_every_mart_equal(_reader(spark), duck, sample_values(duck_db))


def test_reingest_rewrites_only_what_changed(spark, spark_mart):
    before = [_count(spark, t) for t in ("samples", "sample_scores", "log_files")]
    with SparkWarehouse(spark) as warehouse:
        again = ingest([str(EXAMPLE_LOGS)], warehouse)
    assert again.files_read == 0 and again.files_unchanged == again.files_seen
    with SparkWarehouse(spark) as warehouse:
        refreshed = ingest([str(EXAMPLE_LOGS)], warehouse, full_refresh=True)
    assert refreshed.files_replaced == refreshed.files_seen
    assert refreshed.samples_removed == refreshed.samples_added
    assert [_count(spark, t) for t in ("samples", "sample_scores", "log_files")] == before


def test_vars_change_the_marts_as_on_duckdb(spark, spark_mart, default_schemas, tmp_path):
    duck_db = tmp_path / "vars.duckdb"
    duck = duckdb_build(duck_db, ENGINE_VARS)
    assert len(duck["paired_differences_by_limit"]) > 0
    run_dbt(["build"], target="spark", variables=ENGINE_VARS, quiet=True)
    # the empty marts of the default build had the columns and types these full ones have
    assert {name: _schema(spark, name) for name in EMPTY_BY_DEFAULT} == default_schemas
    ours = _reader(spark)("scores_by_limit")
    assert ours.groupby(["model", "limit_name", "facet_name", "facet_value"]).size().eq(17).all()
    assert {"all", "task_name", "metadata.operands"} <= set(ours.facet_name)
    assert_every_mart_equal(_reader(spark), duck, sample_values(duck_db))


#: Relations with a row (or more) per sample: the landing's samples and scores, and
#: the models at a sample's or a breakpoint's grain. Views are inlined into plans.
GROWS_WITH_SAMPLES = re.compile(
    r"\b(inspect\.samples|inspect\.sample_scores|int_samples__\w+|int_curves__breakpoints"
    r"|scores_by_limit_exact)\b"
)


def _depth(line: str) -> int:
    """Where a plan line's operator starts: its depth in Spark's tree string."""
    return len(line) - len(line.lstrip(" :|+-"))


def _broadcast_samples(plan: str) -> list[str]:
    """The scans of a relation that grows with the samples which a BroadcastExchange
    sends whole: no aggregate (a grouping to curves, tasks or questions) between the
    exchange and the scan. Read from a physical plan's tree string."""
    lines = plan.splitlines()
    found = []
    for i, line in enumerate(lines):
        if not GROWS_WITH_SAMPLES.search(line) or "Scan" not in line:
            continue
        depth, aggregated = _depth(line), False
        for parent in reversed(lines[:i]):  # the scan's ancestors, nearest first
            if _depth(parent) >= depth:
                continue
            depth = _depth(parent)
            if "Aggregate" in parent:
                aggregated = True
            if "BroadcastExchange" in parent and not aggregated:
                found.append(line.strip())
                break
    return found


def _physical_plan(spark, sql: str) -> str:
    return spark.sql(sql)._jdf.queryExecution().executedPlan().toString()


def test_no_relation_that_grows_with_samples_is_broadcast(spark, spark_mart):
    """Spark sizes a table by its compressed files, so at 1e7 samples it took the
    landing's scores for a small table and broadcast them out of the driver's memory.
    At the example's size every relation is small enough to broadcast, so the plans
    show what no estimate can be trusted to prevent: a relation that grows with the
    samples is broadcast nowhere (only what is grouped to curves, tasks or questions,
    and the grid, targets and critical values, may be), under the vars that add the
    clustered, faceted and paired shapes. The control, int_samples__scored without
    its hint, is caught."""
    compiled = run_dbt(
        ["compile", "--select", "resource_type:model"],
        target="spark",
        variables=ENGINE_VARS,
        quiet=True,
    )
    # the models only: dbt compiles the data tests attached to them as well
    nodes = {
        r.node.name: r.node.compiled_code
        for r in compiled.result.results
        if r.node.resource_type == "model"
    }
    assert {"scores_by_limit", "paired_differences_by_limit", "int_samples__scored"} <= set(nodes)
    hinted = nodes["int_samples__scored"]
    assert "/*+ SHUFFLE_MERGE(kept, chosen_scores) */" in hinted
    control = hinted.replace("/*+ SHUFFLE_MERGE(kept, chosen_scores) */", "")
    assert _broadcast_samples(_physical_plan(spark, control))
    broadcast = {
        name: _broadcast_samples(_physical_plan(spark, sql)) for name, sql in nodes.items()
    }
    assert not any(broadcast.values()), {name: scans for name, scans in broadcast.items() if scans}


def test_broadcast_scans_are_read_from_the_plan():
    """The plan reader above, on plans of Spark's shape: a broadcast scan of the
    samples is found; one below an aggregate, and the streamed side, are not."""
    plan = "\n".join(
        [
            "SortMergeJoin [a], [b], Inner",
            ":- FileScan parquet spark_catalog.s.int_samples__scored[a]",
            "+- BroadcastHashJoin [b], [c], Inner, BuildRight",
            "   :- FileScan parquet spark_catalog.s.int_curves[b]",
            "   +- BroadcastExchange HashedRelationBroadcastMode",
            "      +- HashAggregate(keys=[c])",
            "         +- FileScan parquet spark_catalog.s.int_samples__kept[c]",
        ]
    )
    assert _broadcast_samples(plan) == []
    unaggregated = plan.replace("      +- HashAggregate(keys=[c])\n   ", "")
    assert _broadcast_samples(unaggregated) == [
        "+- FileScan parquet spark_catalog.s.int_samples__kept[c]"
    ]


def test_a_contract_is_checked_on_the_built_table(spark, spark_mart, tmp_path):
    """On Spark an enforced contract is checked on the table once it is built (not by
    running the model's select twice): a column whose YAML type differs from the
    SQL's fails the model with dbt's contract error, and the mistyped table is
    dropped. The project is a copy with one type changed."""
    from dbt.cli.main import dbtRunner

    project = tmp_path / "project"
    shutil.copytree(
        PROJECT_DIR,
        project,
        ignore=shutil.ignore_patterns(
            "target", "logs", ".*", "*.duckdb*", "python", "docs", "examples", "bench"
        ),
    )
    yml = project / "models" / "marts" / "budget_to_reach.yml"
    text = yml.read_text()
    column = "      - name: is_reached\n        description: The curve reaches the target.\n"
    boolean, string = (f"{column}        data_type: {t}\n" for t in ("boolean", "string"))
    assert boolean in text
    yml.write_text(text.replace(boolean, string))
    args = ["run", "--select", "budget_to_reach", "--target", "spark"]
    args += ["--project-dir", str(project), "--profiles-dir", str(project)]
    args += ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    done = dbtRunner().invoke(["--quiet", *args])
    assert not done.success
    [result] = [r for r in done.result.results if r.node.resource_type == "model"]
    assert "contract" in (result.message or "").lower(), result.message
    assert "is_reached" in result.message
    assert not spark.catalog.tableExists(f"{SCHEMA}.budget_to_reach")
    # the project's own YAML builds it again
    run_dbt(["run", "--select", "budget_to_reach"], target="spark", quiet=True)
    assert spark.catalog.tableExists(f"{SCHEMA}.budget_to_reach")


def test_score_to_float_matches_inspect(spark, loaded):
    frame, expected = score_cases()
    result = run_dbt(["compile", "--inline", SCORE_SQL], target="spark", quiet=True)
    sql = result.result.results[0].node.compiled_code
    spark.createDataFrame(frame).createOrReplaceTempView("score_cases")
    got = spark.sql(sql).toPandas()
    assert got["score"].tolist() == expected


def test_an_older_landing_migrates_and_ingest_writes_outside_a_with(spark, loaded):
    """Last: it remakes the landing tables. ``ingest`` flushes what Spark held back."""
    for statement in older_landing(SPARK):
        spark.sql(statement)

    def run(sql: str) -> list[tuple]:
        return [tuple(row) for row in spark.sql(sql).collect()]

    assert_migrates(
        run,
        lambda table: set(spark.table(f"inspect.{table}").columns),
        lambda: ingest([str(EXAMPLE_LOGS)], SparkWarehouse(spark)),
    )


def test_rows_reach_spark_through_staged_parquet(spark, loaded, tmp_path, monkeypatch):
    """Last: it replaces the landing rows. Logs and an export are staged as Parquet in
    the staging folder and read by Spark at the flush (no run's rows on the driver),
    which then empties the folder; the rows are DuckDB's."""
    for table in ("samples", "sample_scores", "log_files"):
        spark.sql(f"drop table if exists inspect.{table}")
    staging = tmp_path / "staging"
    seen: list[str] = []
    clear = SparkWarehouse._clear_staging

    def noting(self):
        seen.extend(sorted(p.name for p in staging.rglob("*.parquet")))
        clear(self)

    monkeypatch.setattr(SparkWarehouse, "_clear_staging", noting)
    # an export (staged by DuckDB), then a log of one of its evals (staged from Arrow),
    # which takes that eval's rows and leaves the export's others
    log = EXAMPLE_LOGS / "2025-01-01T00-00-00_arithmetic_model-a.eval"
    paths = [str(EXAMPLE_EXPORT), str(log)]
    with SparkWarehouse(spark, staging=str(staging)) as warehouse:
        summary = ingest(paths, warehouse)  # flushes at its end
    assert not summary.errors and summary.samples_added > 0
    assert seen == sorted(["samples.parquet", "sample_scores.parquet"] * 2)
    assert not list(staging.rglob("*.parquet"))  # emptied by the flush
    duck = duckdb_landing(paths, tmp_path / "landing.duckdb")
    for table in ("samples", "sample_scores"):
        assert_same_rows(spark.table(f"inspect.{table}").toPandas(), duck[table])
