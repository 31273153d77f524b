"""One engine's build of an export, model by model: ``python _engine.py ENGINE EXPORT``.

``ENGINE`` is ``postgres`` (run inside ``scripts/with_postgres.sh``, which names the
cluster) or ``spark`` (a local session under ``target/bench/spark``, with the
profile's defaults: driver memory and partitions are not raised for the bench).
Loads the export with ``budgetcurves ingest --target ENGINE``, runs ``dbt build
--target ENGINE`` (data tests, no unit tests, as ``budgetcurves build``), writes each
public mart as Parquet under ``target/bench/marts-ENGINE`` for the comparison with
DuckDB's, and prints JSON (the last line): the ingest's and the build's wall seconds
and peak memory (the process tree's, with the PostgreSQL server's processes), each
model's seconds and the data tests' summed, from dbt's ``run_results.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from _tree import run_sampled  # bench/ is the script's folder

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORK = ROOT / "target" / "bench"
#: the public marts (every model under models/marts), each written out for the
#: comparison with DuckDB's
MARTS = tuple(sorted(path.stem for path in (ROOT / "models" / "marts").glob("*.sql")))


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
    server = ("postgres",) if engine == "postgres" else ()
    ingest, ingest_s, ingest_mb = run_sampled(
        [str(BIN / "budgetcurves"), "ingest", "--target", engine, export, "--quiet"],
        cwd=ROOT,
        env=env,
        also=server,
    )
    if ingest.returncode != 0:
        sys.stderr.write(ingest.stderr.decode(errors="replace")[-3000:])
        sys.exit(ingest.returncode)
    build, build_s, build_mb = run_sampled(
        [str(BIN / "dbt"), "build", "--target", engine, "--exclude", "resource_type:unit_test"],
        cwd=ROOT,
        env=env,
        also=server,
        stdout=subprocess.PIPE,
    )
    if build.returncode != 0:
        sys.stderr.write(build.stdout.decode(errors="replace")[-3000:])
        sys.exit(build.returncode)
    results = json.loads((target / "run_results.json").read_text())["results"]
    models = {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in results
        if r["unique_id"].startswith("model.")
    }
    tests = sum(r["execution_time"] for r in results if r["unique_id"].startswith("test."))
    marts = WORK / f"marts-{engine}"
    shutil.rmtree(marts, ignore_errors=True)
    marts.mkdir(parents=True)
    os.environ.update(env)
    (write_spark_marts if engine == "spark" else write_postgres_marts)(marts)
    print(
        json.dumps(
            {
                "ingest": ingest_s,
                "ingest_mb": ingest_mb,
                "build": build_s,
                "build_mb": build_mb,
                "models": models,
                "data tests": tests,
                "marts": str(marts),
            }
        )
    )


def write_postgres_marts(folder: Path) -> None:
    """Each mart as CSV (PostgreSQL prints floats in their shortest exact form)."""
    import psycopg2

    schema = os.environ.get("BUDGETCURVES_PG_SCHEMA", "public")
    with psycopg2.connect("") as con, con.cursor() as cursor:  # libpq's PG* variables
        for mart in MARTS:
            with (folder / f"{mart}.csv").open("w") as out:
                cursor.copy_expert(
                    f'copy (select * from "{schema}"."{mart}") to stdout with csv header', out
                )


def write_spark_marts(folder: Path) -> None:
    """Each mart as Parquet, written by Spark (the rows never pass through Python)."""
    from budgetcurves.ingest import spark_session

    spark = spark_session(os.environ["BUDGETCURVES_SPARK_DIR"])
    schema = os.environ.get("BUDGETCURVES_SPARK_SCHEMA", "budgetcurves")
    try:
        for mart in MARTS:
            spark.table(f"{schema}.{mart}").write.parquet(str(folder / mart))
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
