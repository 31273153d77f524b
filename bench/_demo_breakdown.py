"""Where ``budgetcurves run examples/logs`` spends its time: ``python _demo_breakdown.py DB OUT``.

Does what ``cmd_run`` does, one step at a time in one process, and prints the
seconds of each step as JSON (the last line). dbt's part is split with its own
``run_results.json``: node times are summed over dbt's threads.
"""

from __future__ import annotations

import json
import os
import sys
import time

started = time.perf_counter()
import dbt.cli.main  # noqa: E402, F401  (imported by run_dbt: counted with the imports)
import duckdb  # noqa: E402

from budgetcurves._project import build_command, run_dbt  # noqa: E402
from budgetcurves.ingest import ingest  # noqa: E402
from budgetcurves.plot import read_scores, scores_by_limit  # noqa: E402

db, out = sys.argv[1], sys.argv[2]
parts: dict[str, float] = {"imports (budgetcurves, dbt, plotnine)": time.perf_counter() - started}

t = time.perf_counter()
with duckdb.connect(db) as con:
    ingest(["examples/logs"], con)
parts["ingest"] = time.perf_counter() - t

t = time.perf_counter()
run_dbt(build_command(), db=db, quiet=True)  # as `budgetcurves run` does
dbt_wall = time.perf_counter() - t
target = os.environ.get("DBT_TARGET_PATH", "target")
with open(os.path.join(target, "run_results.json")) as handle:
    results = json.load(handle)
kinds: dict[str, float] = {}
for result in results["results"]:
    kind = result["unique_id"].split(".", 1)[0]
    kinds[kind] = kinds.get(kind, 0.0) + result["execution_time"]
parts["dbt: start-up, parse, compile, scheduling"] = dbt_wall - results["elapsed_time"]
for kind, label in (
    ("seed", "dbt: seeds"),
    ("model", "dbt: models (SQL)"),
    ("test", "dbt: data tests"),
    ("unit_test", "dbt: unit tests"),
):
    if kind in kinds:
        parts[f"{label}, summed over threads"] = kinds[kind]
parts["dbt: whole build"] = dbt_wall

t = time.perf_counter()
frame = read_scores(db)
plot = scores_by_limit(frame)
plot.save(out, verbose=False)
parts["plot (read mart, draw, save png)"] = time.perf_counter() - t
parts["total"] = time.perf_counter() - started
print(json.dumps(parts))
