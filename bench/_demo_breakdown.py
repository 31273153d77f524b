"""Where ``budgetcurves run examples/logs`` spends its time: ``python _demo_breakdown.py DB OUT``.

Does what ``cmd_run`` does, one step at a time in one process, and prints the
seconds of each step as JSON (the last line): the compiled plan is read from the
cache (``run`` compiles with dbt only the first time it meets a project and vars).
"""

from __future__ import annotations

import json
import sys
import time

started = time.perf_counter()
import duckdb  # noqa: E402

from budgetcurves._compiled import compiled_plan, database_name  # noqa: E402
from budgetcurves.frames import read_scores  # noqa: E402
from budgetcurves.ingest import ingest  # noqa: E402
from budgetcurves.plot import scores_by_limit  # noqa: E402

db, out = sys.argv[1], sys.argv[2]
parts: dict[str, float] = {
    "imports (budgetcurves, duckdb, plotnine)": time.perf_counter() - started
}

t = time.perf_counter()
with duckdb.connect(db) as con:
    ingest(["examples/logs"], con)
parts["ingest"] = time.perf_counter() - t

t = time.perf_counter()
plan = compiled_plan({}, database_name(db))  # as `budgetcurves run` does
parts["read the cached plan"] = time.perf_counter() - t
steps: dict[str, float] = {}
t = time.perf_counter()
with duckdb.connect(db) as con:
    plan.execute(con, timings=steps)
build = time.perf_counter() - t
tests = steps.pop("data tests")
parts["models and seeds (SQL)"] = sum(steps.values())
parts["data tests (one query)"] = tests
parts["build, whole"] = build

t = time.perf_counter()
frame = read_scores(db)
plot = scores_by_limit(frame)
plot.save(out, verbose=False)
parts["plot (read mart, draw, save png)"] = time.perf_counter() - t
parts["total"] = time.perf_counter() - started
print(json.dumps(parts))
