"""One engine's 1e6-style build, model by model: ``python _engine.py ENGINE EXPORT``.

``ENGINE`` is ``postgres`` (run inside ``scripts/with_postgres.sh``, which names the
cluster) or ``spark`` (a local session under ``target/bench/spark``). Loads the export
with ``budgetcurves ingest --target ENGINE``, runs ``dbt build --target ENGINE``
(data tests, no unit tests, as ``budgetcurves build``), and prints JSON (the last
line): the ingest's and the build's wall seconds, and each model's seconds and the
data tests' summed, from dbt's ``run_results.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORK = ROOT / "target" / "bench"


def main() -> None:
    engine, export = sys.argv[1], sys.argv[2]
    target = WORK / f"dbt-target-{engine}"
    env = {
        **os.environ,
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(WORK / "dbt-logs"),
    }
    if engine == "spark":
        spark_dir = WORK / "spark"
        shutil.rmtree(spark_dir, ignore_errors=True)
        env["BUDGETCURVES_SPARK_DIR"] = str(spark_dir)
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "budgetcurves"), "ingest", "--target", engine, export, "--quiet"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    ingest = time.perf_counter() - started
    started = time.perf_counter()
    build = subprocess.run(
        [str(BIN / "dbt"), "build", "--target", engine, "--exclude", "resource_type:unit_test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if build.returncode != 0:
        sys.stderr.write(build.stdout[-3000:])
        sys.exit(build.returncode)
    results = json.loads((target / "run_results.json").read_text())["results"]
    models = {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in results
        if r["unique_id"].startswith("model.")
    }
    tests = sum(r["execution_time"] for r in results if r["unique_id"].startswith("test."))
    print(json.dumps({"ingest": ingest, "build": seconds, "models": models, "data tests": tests}))


if __name__ == "__main__":
    main()
