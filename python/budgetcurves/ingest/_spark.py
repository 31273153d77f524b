"""The landing tables in Spark: Parquet tables in a Hive metastore, written through pyspark.

Plain Spark tables have no transactions and no ``delete``, so this writer buffers
the parsed files and writes once, on :meth:`SparkWarehouse.flush` (``ingest(paths,
SparkWarehouse(spark))`` flushes at the end of the run; a ``with`` block on leaving): new rows
are appended; when files are re-read or pruned, each table's remaining rows are
checkpointed and the table overwritten with them plus the new ones. With Delta
or Iceberg tables (a Databricks cluster, say) a ``merge`` per file would do instead.
Needs ``budgetcurves[spark]`` (pyspark) and Java.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pyarrow as pa

from ._files import FileStamp
from ._landing import SCHEMA, SPARK, ledger_rows, migrate
from ._read import SAMPLES_SCHEMA, SCORES_SCHEMA, ParsedFile, decode_eval_ids
from ._warehouse import Replaced, raising_warehouse_errors

#: Where the metastore and warehouse live unless BUDGETCURVES_SPARK_DIR says otherwise
#: (relative to the working directory; profiles.yml's `spark` target uses the same).
DEFAULT_SPARK_DIR = "target/spark"


def spark_settings(spark_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The session settings of profiles.yml's ``spark`` target, for ``spark_dir``."""
    directory = Path(spark_dir or os.environ.get("BUDGETCURVES_SPARK_DIR") or DEFAULT_SPARK_DIR)
    directory = directory.resolve()
    return {
        "spark.master": "local[2]",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.warehouse.dir": str(directory / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={directory / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.stream.error.file={directory / 'derby.log'}",
    }


def spark_session(spark_dir: str | os.PathLike[str] | None = None) -> Any:
    """A local SparkSession with the metastore and warehouse of profiles.yml's ``spark``
    target; dbt-spark's ``session`` method, run in the same process, reuses it."""
    from pyspark.sql import SparkSession

    settings = spark_settings(spark_dir)
    Path(settings["spark.sql.warehouse.dir"]).mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("budgetcurves").enableHiveSupport()
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _errors() -> AbstractContextManager[None]:
    """Spark's errors (the JVM's, through py4j) as :class:`WarehouseError`."""
    from py4j.protocol import Py4JError, Py4JNetworkError
    from pyspark.errors import PySparkException

    return raising_warehouse_errors(
        (PySparkException, Py4JError), lambda exc: isinstance(exc, Py4JNetworkError)
    )


class SparkWarehouse:
    """The landing tables in the metastore of ``spark`` (a SparkSession), written on
    :meth:`flush` (``ingest`` flushes at the end of a run; so does leaving a ``with``)."""

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self._pending: dict[str, tuple[ParsedFile, FileStamp]] = {}
        self._forgotten: set[str] = set()
        self._stored_counts: dict[tuple[str, str], int] | None = None
        self._begun: tuple[dict[str, tuple[ParsedFile, FileStamp]], set[str]] | None = None

    def __enter__(self) -> SparkWarehouse:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.flush()

    def _table(self, name: str) -> Any:
        return self.spark.table(f"{SCHEMA}.{name}")

    def ensure_landing(self) -> None:
        with _errors():
            migrate(SPARK, self.spark.sql, self._columns_of)

    def _columns_of(self, name: str) -> set[str]:
        if not self.spark.catalog.tableExists(name, SCHEMA):
            return set()
        return set(self._table(name).columns)

    def begin(self) -> None:
        """Remember what is held back, for :meth:`rollback`."""
        self._begun = (dict(self._pending), set(self._forgotten))

    def commit(self) -> None:
        self._begun = None

    def rollback(self) -> None:
        if self._begun is not None:
            self._pending, self._forgotten = self._begun
            self._begun = None

    def close(self) -> None:
        """The session is the caller's: nothing to release."""

    def loaded_stamps(self) -> dict[str, FileStamp]:
        columns = ("log_file", "file_size", "file_mtime_ns", "file_etag")
        with _errors():
            rows = self._table("log_files").select(*columns).collect()
        stamps = {
            r.log_file: FileStamp(r.file_size, r.file_mtime_ns, r.file_etag)
            for r in rows
            if r.log_file not in self._forgotten
        }
        stamps.update({path: stamp for path, (_, stamp) in self._pending.items()})
        return stamps

    def loaded_eval_ids(self) -> dict[str, set[str]]:
        with _errors():
            rows = self._table("log_files").select("log_file", "eval_ids").collect()
        ids = {
            r.log_file: decode_eval_ids(r.eval_ids)
            for r in rows
            if r.log_file not in self._forgotten
        }
        ids.update({path: set(parsed.eval_ids) for path, (parsed, _) in self._pending.items()})
        return ids

    def _stored(self) -> dict[tuple[str, str], int]:
        """Samples per (log_file, eval_id) in the table, read once (a row per eval)."""
        if self._stored_counts is None:
            with _errors():
                rows = self._table("samples").groupBy("log_file", "eval_id").count().collect()
            self._stored_counts = {(r.log_file, r.eval_id): r["count"] for r in rows}
        return self._stored_counts

    def replace(self, parsed: ParsedFile, stamp: FileStamp, *, new: bool = False) -> Replaced:
        eval_ids = set(parsed.eval_ids)
        replaced = self._forgotten | set(self._pending)
        taken: set[str] = set()
        removed = 0
        for (path, eval_id), count in self._stored().items():
            if path in replaced or not (path == parsed.path or eval_id in eval_ids):
                continue
            removed += count
            if path != parsed.path:
                taken.add(path)
        for path, (other, _) in list(self._pending.items()):
            if path == parsed.path or eval_ids & set(other.eval_ids):
                del self._pending[path]
                removed += other.samples.num_rows
                if path != parsed.path:
                    taken.add(path)
        self._forgotten.discard(parsed.path)
        self._pending[parsed.path] = (parsed, stamp)
        return Replaced(parsed.samples.num_rows, removed, sorted(taken))

    def forget(self, path: str) -> int:
        removed = 0
        if path in self._pending:
            removed += self._pending.pop(path)[0].samples.num_rows
        if path not in self._forgotten:
            removed += sum(n for (file, _), n in self._stored().items() if file == path)
            self._forgotten.add(path)
        return removed

    def flush(self) -> None:
        """Write the buffered files and removals to the tables."""
        if not self._pending and not self._forgotten:
            return
        with _errors():
            self._write()
        self._pending.clear()
        self._forgotten.clear()
        self._stored_counts = None

    def _write(self) -> None:
        from pyspark.sql import functions as F

        parsed = [p for p, _ in self._pending.values()]
        files = list(self._forgotten | set(self._pending))
        evals = sorted({e for p in parsed for e in p.eval_ids})
        gone = F.col("log_file").isin(files) | F.col("eval_id").isin(evals)
        gone_evals = sorted({e for f, e in self._stored() if f in files or e in evals} - set(evals))
        gone_scores = F.col("eval_id").isin(evals + gone_evals)
        new = {
            "samples": self._frame([p.samples for p in parsed], SAMPLES_SCHEMA).withColumn(
                "loaded_at", F.current_timestamp()
            ),
            "sample_scores": self._frame([p.scores for p in parsed], SCORES_SCHEMA),
            "log_files": self._ledger_rows(),
        }
        removals = {
            "samples": gone,
            "sample_scores": gone_scores,
            "log_files": F.col("log_file").isin(files),
        }
        stored_rows = any(f in files or e in evals for f, e in self._stored())
        rewrite = {
            "samples": stored_rows,
            "sample_scores": stored_rows,
            "log_files": self._table("log_files").where(removals["log_files"]).count() > 0,
        }
        for table, frame in new.items():
            target = self._table(table)
            # by name, in the table's order; a column the rows lack (added later) is null
            frame = frame.select(
                *[
                    F.col(field.name)
                    if field.name in frame.columns
                    else F.lit(None).cast(field.dataType).alias(field.name)
                    for field in target.schema.fields
                ]
            )
            if not rewrite[table]:
                frame.write.insertInto(f"{SCHEMA}.{table}")
                continue
            # plain Spark cannot overwrite a table it reads: keep what stays, cut the
            # lineage, then overwrite with it and the new rows
            kept = target.where(~removals[table]).localCheckpoint()
            kept.unionByName(frame).write.insertInto(f"{SCHEMA}.{table}", overwrite=True)

    def _frame(self, tables: list[pa.Table], schema: pa.Schema) -> Any:
        return self.spark.createDataFrame(pa.concat_tables([schema.empty_table(), *tables]))

    def _ledger_rows(self) -> Any:
        from pyspark.sql import functions as F

        files = [(p, stamp, p.samples.num_rows) for p, stamp in self._pending.values()]
        frame = self.spark.createDataFrame(ledger_rows(files))
        return frame.withColumn("loaded_at", F.current_timestamp())
