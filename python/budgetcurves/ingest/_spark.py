"""The landing tables in Spark: Parquet tables in a Hive metastore, written through pyspark.

Plain Spark tables have no transactions and no ``delete``, so this writer buffers
the parsed files and writes once, when the :class:`SparkWarehouse` is closed
(``with SparkWarehouse(spark) as warehouse: ingest(paths, warehouse)``): new rows
are appended; when files are re-read or pruned, each table's remaining rows are
checkpointed and the table overwritten with them plus the new ones. With Delta
or Iceberg tables (a Databricks cluster, say) a ``merge`` per file would do instead.
Needs ``budgetcurves[spark]`` (pyspark) and Java.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa

from ._files import FileStamp
from ._read import SAMPLES_SCHEMA, SCORES_SCHEMA, ParsedFile, decode_eval_ids, encode_eval_ids
from ._write import LOG_FILES_COLUMNS, SCHEMA

_TYPES = {pa.int64(): "bigint", pa.float64(): "double", pa.bool_(): "boolean"}

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


def _spark_type(sql_type: str) -> str:
    """A DuckDB column type of ``LOG_FILES_COLUMNS`` in Spark's spelling (no keys)."""
    base = sql_type.replace("primary key", "").strip()
    return {"varchar": "string", "integer": "int"}.get(base, base)


def _ddl(table: str, columns: list[tuple[str, str]]) -> str:
    body = ",\n  ".join(f"{name} {sql_type}" for name, sql_type in columns)
    return f"create table if not exists {SCHEMA}.{table} (\n  {body}\n) using parquet"


def _columns(schema: pa.Schema) -> list[tuple[str, str]]:
    return [(f.name, _TYPES.get(f.type, "string")) for f in schema]


class SparkWarehouse:
    """The landing tables in the metastore of ``spark`` (a SparkSession), written on close."""

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self._pending: dict[str, tuple[ParsedFile, FileStamp]] = {}
        self._forgotten: set[str] = set()
        self._stored_counts: dict[tuple[str, str], int] | None = None

    def __enter__(self) -> SparkWarehouse:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.flush()

    def _table(self, name: str) -> Any:
        return self.spark.table(f"{SCHEMA}.{name}")

    def ensure_landing(self) -> None:
        self.spark.sql(f"create database if not exists {SCHEMA}")
        self.spark.sql(_ddl("samples", [*_columns(SAMPLES_SCHEMA), ("loaded_at", "timestamp")]))
        self.spark.sql(_ddl("sample_scores", _columns(SCORES_SCHEMA)))
        log_files = [(name, _spark_type(t)) for name, t in LOG_FILES_COLUMNS.items()]
        self.spark.sql(_ddl("log_files", log_files))
        # ledgers written before a column existed get it (null for the files already loaded)
        present = set(self._table("log_files").columns)
        missing = [f"{name} {sql_type}" for name, sql_type in log_files if name not in present]
        if missing:
            self.spark.sql(f"alter table {SCHEMA}.log_files add columns ({', '.join(missing)})")

    def loaded_stamps(self) -> dict[str, FileStamp]:
        columns = ("log_file", "file_size", "file_mtime_ns", "file_etag")
        stamps = {
            r.log_file: FileStamp(r.file_size, r.file_mtime_ns, r.file_etag)
            for r in self._table("log_files").select(*columns).collect()
            if r.log_file not in self._forgotten
        }
        stamps.update({path: stamp for path, (_, stamp) in self._pending.items()})
        return stamps

    def loaded_eval_ids(self) -> dict[str, set[str]]:
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
            rows = self._table("samples").groupBy("log_file", "eval_id").count().collect()
            self._stored_counts = {(r.log_file, r.eval_id): r["count"] for r in rows}
        return self._stored_counts

    def write_file(self, parsed: ParsedFile, stamp: FileStamp) -> tuple[list[str], int]:
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
        return sorted(taken), removed

    def forget_file(self, path: str) -> int:
        removed = 0
        if path in self._pending:
            removed += self._pending.pop(path)[0].samples.num_rows
        if path not in self._forgotten:
            removed += sum(n for (file, _), n in self._stored().items() if file == path)
            self._forgotten.add(path)
        return removed

    def flush(self) -> None:
        """Write the buffered files and removals to the tables."""
        from pyspark.sql import functions as F

        if not self._pending and not self._forgotten:
            return
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
        self._pending.clear()
        self._forgotten.clear()
        self._stored_counts = None

    def _frame(self, tables: list[pa.Table], schema: pa.Schema) -> Any:
        return self.spark.createDataFrame(pa.concat_tables([schema.empty_table(), *tables]))

    def _ledger_rows(self) -> Any:
        from pyspark.sql import functions as F

        rows = [
            {
                "log_file": parsed.path,
                "file_kind": parsed.kind,
                "log_status": parsed.status,
                "format_version": parsed.format_version,
                "eval_ids": encode_eval_ids(parsed.eval_ids),
                "sample_count": parsed.samples.num_rows,
                "file_size": stamp.size,
                "file_mtime_ns": stamp.mtime_ns,
                "file_etag": stamp.etag,
            }
            for parsed, stamp in self._pending.values()
        ]
        # the ledger's columns as the DuckDB writer declares them (loaded_at set below)
        arrow = {"varchar": pa.string(), "integer": pa.int32(), "bigint": pa.int64()}
        schema = pa.schema(
            [
                (name, arrow[sql_type.replace("primary key", "").strip()])
                for name, sql_type in LOG_FILES_COLUMNS.items()
                if name != "loaded_at"
            ]
        )
        frame = self.spark.createDataFrame(pa.Table.from_pylist(rows, schema=schema))
        return frame.withColumn("loaded_at", F.current_timestamp())
