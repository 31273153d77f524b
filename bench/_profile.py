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


#: A difference a float may show from another engine's arithmetic (summation order)
NOISE = 1e-9
INFINITY = "cast('infinity' as double)"


def largest_difference(db: Path, folder: Path, marts: tuple[str, ...]) -> dict:
    """How far another engine's marts (``_engine.py`` wrote them to ``folder``) are from
    DuckDB's in ``db``: rows matched in order of their text and integer columns, then
    their floats; the largest absolute difference of a float (infinite where one side
    is null), the rows with one beyond ``NOISE``, the rows whose other columns differ,
    and the difference in row counts."""
    found = {"largest": 0.0, "beyond_noise": 0, "other_columns": 0, "rows": 0, "row_counts": 0}
    with duckdb.connect(str(db)) as con:
        for mart in marts:
            types = dict(
                con.execute(
                    f"select column_name, column_type from (describe main.{mart})"
                ).fetchall()
            )
            floats = [c for c, t in types.items() if t in ("DOUBLE", "FLOAT")]
            others = [c for c in types if c not in floats]
            order = ", ".join(f'"{c}"' for c in [*others, *floats])
            csv = folder / f"{mart}.csv"
            source = (
                f"read_csv('{csv}', all_varchar = true, header = true)"
                if csv.exists()
                else f"read_parquet('{folder / mart}/*.parquet')"
            )
            typed = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in types.items())
            numbered = f"select *, row_number() over (order by {order}) as _row from"
            con.execute(f"create or replace temp table a as {numbered} main.{mart}")
            con.execute(
                f"create or replace temp table b as {numbered} (select {typed} from {source})"
            )
            count_a, count_b = (
                con.execute(f"select count(*) from {t}").fetchone()[0] for t in "ab"
            )
            found["row_counts"] += abs(count_a - count_b)
            found["rows"] += count_a
            gaps = [
                f'case when (a."{c}" is null) != (b."{c}" is null) then {INFINITY} '
                f'else coalesce(abs(a."{c}" - b."{c}"), 0) end'
                for c in floats
            ]
            gap = f"greatest({', '.join(gaps)}, 0)" if gaps else "0"
            differ = " or ".join(f'a."{c}" is distinct from b."{c}"' for c in others) or "false"
            largest, beyond, other = con.execute(
                f"select max({gap}), count(*) filter (where {gap} > {NOISE}), "
                f"count(*) filter (where {differ}) from a inner join b using (_row)"
            ).fetchone()
            found["largest"] = max(found["largest"], largest or 0.0)
            found["beyond_noise"] += beyond
            found["other_columns"] += other
    return found
