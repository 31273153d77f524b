"""``python -m budgetcurves.ingest [--target duckdb|postgres|spark] LOGS...``

Loads Inspect logs into the landing tables of the warehouse that profiles.yml's
target of the same name builds from (docs/warehouses.md), for scheduling beside
``dbt build --target ...``:

- ``duckdb``: the file ``--db`` (as ``budgetcurves ingest``);
- ``postgres``: the database named by libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD,
  PGDATABASE (``budgetcurves[postgres]``);
- ``spark``: the local metastore and warehouse under BUDGETCURVES_SPARK_DIR
  (``budgetcurves[spark]``).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from .._project import DEFAULT_DB
from ._ingest import ingest
from ._warehouse import Warehouse


@contextmanager
def open_warehouse(target: str, db: str = DEFAULT_DB) -> Iterator[Warehouse]:
    """The landing tables of profiles.yml's target ``target``, closed on exit."""
    if target == "postgres":
        from ._postgres import PostgresWarehouse

        with PostgresWarehouse.connect() as warehouse:
            yield warehouse
    elif target == "spark":
        from ._spark import SparkWarehouse, spark_session

        # pyspark 4 warns on every Arrow conversion that it has not been tested with pandas 3
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        spark = spark_session()
        try:
            with SparkWarehouse(spark) as warehouse:
                yield warehouse
        finally:
            spark.stop()
    elif target == "duckdb":
        import duckdb

        from ._warehouse import DuckDBWarehouse

        con = duckdb.connect(db)
        try:
            yield DuckDBWarehouse(con)
        finally:
            con.close()
    else:
        raise ValueError(f"unknown target '{target}' (expected duckdb, postgres or spark)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m budgetcurves.ingest",
        description="Load Inspect logs into the landing tables of a warehouse.",
    )
    parser.add_argument("logs", nargs="+", metavar="LOGS", help="logs or directories of them")
    parser.add_argument("--target", choices=["duckdb", "postgres", "spark"], default="duckdb")
    parser.add_argument("--db", default=DEFAULT_DB, help="DuckDB file (--target duckdb)")
    parser.add_argument("--full-refresh", action="store_true", help="re-read every log")
    parser.add_argument("--prune", action="store_true", help="forget logs gone from disk")
    args = parser.parse_args(argv)
    with open_warehouse(args.target, args.db) as warehouse:
        summary = ingest(args.logs, warehouse, full_refresh=args.full_refresh, prune=args.prune)
    for error in summary.errors:
        print(f"budgetcurves: error: {error}", file=sys.stderr)
    for note in summary.notes:
        print(f"budgetcurves: note: {note}", file=sys.stderr)
    print(summary.line())
    return 1 if summary.errors else 0


if __name__ == "__main__":
    sys.exit(main())
