"""Where a build's time goes, model by model, on each engine (``make bench``'s
``profile`` section).

DuckDB: the compiled path (``budgetcurves._compiled``: the project's SQL as dbt
compiled it, run on one connection, no dbt process), each model timed as it is
built, medians of the runs. PostgreSQL and Spark (``BENCH_ENGINES``): one
``dbt build`` each (``_engine.py``), each model's time as dbt reports it; PostgreSQL
on a throwaway cluster (``scripts/with_postgres.sh``), Spark on a local session.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

import duckdb
from _measure import ROOT  # bench/ is on the path of run.py

from budgetcurves._compiled import compiled_plan, database_name


def duckdb_models(db: Path, repeat: int) -> dict[str, float]:
    """Median seconds of each model of the default build (and its data tests, as one),
    on the compiled path, rebuilt ``repeat`` times in the database ``db``."""
    plan = compiled_plan({}, database_name(db))
    runs: list[dict[str, float]] = []
    for _ in range(repeat):
        timings: dict[str, float] = {}
        with duckdb.connect(str(db)) as con:
            plan.execute(con, timings=timings)
        runs.append(timings)
    models = {step.name for step in plan.steps if step.kind in ("view", "table")}
    return {
        name: statistics.median(run[name] for run in runs)
        for name in runs[0]
        if name in models or name == "data tests"
    }


def engine_build(engine: str, export: Path) -> dict:
    """One ingest and ``dbt build`` on ``engine``: {ingest, build, models, data tests}."""
    command = [sys.executable, str(ROOT / "bench" / "_engine.py"), engine, str(export)]
    if engine == "postgres":
        command = [str(ROOT / "scripts" / "with_postgres.sh"), *command]
    elif engine != "spark":
        raise ValueError(f"BENCH_ENGINES: no engine named {engine} (postgres, spark)")
    process = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if process.returncode != 0:
        raise RuntimeError(f"{engine} build failed:\n{process.stderr[-3000:]}")
    return json.loads(process.stdout.strip().splitlines()[-1])
