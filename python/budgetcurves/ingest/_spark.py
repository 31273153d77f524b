"""The landing tables in Spark: Parquet tables in a Hive metastore, written through pyspark.

Plain Spark tables have no transactions and no ``delete``, so this writer stages
each parsed file as Parquet files (under the warehouse directory, or
``BUDGETCURVES_SPARK_STAGING``) as it comes, keeping only its ledger entry in
Python, and Spark reads them all once, on :meth:`SparkWarehouse.flush`
(``ingest(paths, SparkWarehouse(spark))`` flushes at the end of the run; a ``with``
block on leaving): new rows are appended; when files are re-read or pruned, each
table's remaining rows are checkpointed and the table overwritten with them plus
the new ones. No run's rows pass through the driver: its memory and the loader's
stay those of one file (a samples_df export: one batch, ``_staged``). With Delta
or Iceberg tables (a Databricks cluster, say) a ``merge`` per file would do instead.
Needs ``budgetcurves[spark]`` (pyspark) and Java.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ._files import FileStamp
from ._landing import (
    LANDED_SAMPLES,
    SAMPLES_SCHEMA,
    SCHEMA,
    SCORES_SCHEMA,
    SPARK,
    ParsedFile,
    decode_eval_ids,
    ledger_rows,
    migrate,
)
from ._staged import staged_export
from ._warehouse import Replaced, WarehouseError, raising_warehouse_errors

#: Where the metastore and warehouse live unless BUDGETCURVES_SPARK_DIR says otherwise
#: (relative to the working directory; profiles.yml's `spark` target uses the same).
DEFAULT_SPARK_DIR = "target/spark"


def spark_settings(spark_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The session settings of profiles.yml's ``spark`` target, for ``spark_dir``
    (the same environment variables set them; a test holds the two equal)."""
    directory = Path(spark_dir or os.environ.get("BUDGETCURVES_SPARK_DIR") or DEFAULT_SPARK_DIR)
    directory = directory.resolve()
    env = os.environ.get
    return {
        "spark.master": env("BUDGETCURVES_SPARK_MASTER", "local[3]"),
        "spark.default.parallelism": env("BUDGETCURVES_SPARK_PARALLELISM", "2"),
        "spark.driver.memory": env("BUDGETCURVES_SPARK_DRIVER_MEMORY", "1g"),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": env("BUDGETCURVES_SPARK_SHUFFLE_PARTITIONS", "2"),
        "spark.sql.warehouse.dir": str(directory / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={directory / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.stream.error.file={directory / 'derby.log'}",
    }


def spark_session(
    spark_dir: str | os.PathLike[str] | None = None, settings: Mapping[str, object] | None = None
) -> Any:
    """A local SparkSession with the metastore and warehouse of profiles.yml's ``spark``
    target (``settings``: a session output's ``server_side_parameters`` instead);
    dbt-spark's ``session`` method, run in the same process, reuses it."""
    from pyspark.sql import SparkSession

    chosen = {k: str(v) for k, v in settings.items()} if settings else spark_settings(spark_dir)
    if "spark.sql.warehouse.dir" in chosen:
        warehouse = chosen["spark.sql.warehouse.dir"].removeprefix("file:")
        if "://" not in warehouse:
            Path(warehouse).mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("budgetcurves").enableHiveSupport()
    for key, value in chosen.items():
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


@dataclass
class _Staged:
    """A file written to the staging folder, waiting for :meth:`SparkWarehouse.flush`:
    its ledger entry and where its rows are (Parquet files Spark reads)."""

    parsed: ParsedFile  # path, kind, status, eval ids and notes; rows emptied
    stamp: FileStamp
    eval_samples: dict[str, int]  # samples per eval id
    folder: str  # holds samples.parquet and sample_scores.parquet
    dropped: set[str] = field(default_factory=set)  # evals a later file of the run took

    @property
    def samples(self) -> int:
        """The samples it still adds (its dropped evals' left out)."""
        return sum(n for e, n in self.eval_samples.items() if e not in self.dropped)


class SparkWarehouse:
    """The landing tables in the metastore of ``spark`` (a SparkSession), written on
    :meth:`flush` (``ingest`` flushes at the end of a run; so does leaving a ``with``).

    ``staging``: where each file's rows wait as Parquet until the flush, a folder
    (or ``s3://``, ``gs://``, ``abfss://``, ``hdfs://`` URI) that both this process
    and Spark's executors read: by default ``BUDGETCURVES_SPARK_STAGING``, else
    ``_budgetcurves_staging`` in the session's warehouse directory. Emptied on flush.
    """

    def __init__(self, spark: Any, staging: str | None = None) -> None:
        self.spark = spark
        self.staging = staging or os.environ.get("BUDGETCURVES_SPARK_STAGING") or ""
        self._pending: dict[str, _Staged] = {}
        self._forgotten: set[str] = set()
        self._stored_counts: dict[tuple[str, str], int] | None = None
        self._begun: tuple[dict[str, _Staged], set[str]] | None = None
        self._run = uuid.uuid4().hex  # this writer's subfolder of the staging folder
        self._files = 0

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
        stamps.update({path: staged.stamp for path, staged in self._pending.items()})
        return stamps

    def loaded_eval_ids(self) -> dict[str, set[str]]:
        with _errors():
            rows = self._table("log_files").select("log_file", "eval_ids").collect()
        ids = {
            r.log_file: decode_eval_ids(r.eval_ids)
            for r in rows
            if r.log_file not in self._forgotten
        }
        ids.update({path: set(staged.parsed.eval_ids) for path, staged in self._pending.items()})
        return ids

    def _stored(self) -> dict[tuple[str, str], int]:
        """Samples per (log_file, eval_id) in the table, read once (a row per eval)."""
        if self._stored_counts is None:
            with _errors():
                rows = self._table("samples").groupBy("log_file", "eval_id").count().collect()
            self._stored_counts = {(r.log_file, r.eval_id): r["count"] for r in rows}
        return self._stored_counts

    def _staging_root(self) -> str:
        if self.staging:
            return self.staging.rstrip("/")
        with _errors():
            warehouse = str(self.spark.conf.get("spark.sql.warehouse.dir"))
        return warehouse.removeprefix("file:").rstrip("/") + "/_budgetcurves_staging"

    def _stage_folder(self) -> str:
        self._files += 1
        return f"{self._staging_root()}/{self._run}/{self._files:06d}"

    def replace(self, parsed: ParsedFile, stamp: FileStamp, *, new: bool = False) -> Replaced:
        folder = self._stage_folder()
        with _staging_errors():
            filesystem, base = _filesystem(folder)
            filesystem.create_dir(base, recursive=True)
            for table, rows in (("samples", parsed.samples), ("sample_scores", parsed.scores)):
                pq.write_table(rows, f"{base}/{table}.parquet", filesystem=filesystem)
        counts = parsed.samples.column("eval_id").value_counts()
        eval_samples = {
            str(eval_id): int(count or 0)
            for eval_id, count in zip(
                counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True
            )
        }
        return self._stage(parsed, stamp, eval_samples, folder)

    def replace_export(
        self, path: str, stamp: FileStamp, local_path: str | None = None
    ) -> Replaced:
        """As :meth:`replace`, for the samples_df export at ``local_path`` (named
        ``path``): DuckDB reads and checks it in a scratch database and writes its rows
        to the staging folder as Parquet (never the whole export in Python)."""
        folder = self._stage_folder()
        with staged_export(path, stamp, local_path) as staged:
            filesystem, base = _filesystem(folder)
            with _staging_errors():
                filesystem.create_dir(base, recursive=True)
                for table in ("samples", "sample_scores"):
                    if isinstance(filesystem, pafs.LocalFileSystem):
                        staged.to_parquet(table, f"{base}/{table}.parquet")
                        continue
                    batches = staged.batches(table)
                    schema = SAMPLES_SCHEMA if table == "samples" else SCORES_SCHEMA
                    with pq.ParquetWriter(
                        f"{base}/{table}.parquet", schema, filesystem=filesystem
                    ) as writer:
                        for batch in batches:
                            writer.write_batch(batch)
            # the export's samples as the scratch DuckDB landed them (narrow: export_samples)
            counts = staged.con.execute(
                f"select eval_id, count(*) from {LANDED_SAMPLES} as bc_landed group by eval_id"
            ).fetchall()
            return self._stage(staged.parsed, stamp, {e: int(n) for e, n in counts}, folder)

    def _stage(
        self, parsed: ParsedFile, stamp: FileStamp, eval_samples: dict[str, int], folder: str
    ) -> Replaced:
        """Hold ``parsed`` (its rows staged in ``folder``) for the flush; count what it
        replaces: its own earlier rows, and its evals' from other files (loaded, or
        staged earlier in this run), as DuckDB's ``delete`` would."""
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
        for path, other in list(self._pending.items()):
            if path == parsed.path:
                removed += self._pending.pop(path).samples
                continue
            shared = (eval_ids & set(other.eval_samples)) - other.dropped
            if shared:
                removed += sum(other.eval_samples[e] for e in shared)
                # a copy: a rollback restores the entry as it was
                self._pending[path] = replace(other, dropped=other.dropped | shared)
                taken.add(path)
        self._forgotten.discard(parsed.path)
        held = ParsedFile(
            parsed.path,
            parsed.kind,
            parsed.status,
            list(parsed.eval_ids),
            parsed.format_version,
            SAMPLES_SCHEMA.empty_table(),
            SCORES_SCHEMA.empty_table(),
        )
        staged = _Staged(held, stamp, eval_samples, folder)
        self._pending[parsed.path] = staged
        return Replaced(staged.samples, removed, sorted(taken), list(parsed.notes))

    def forget(self, path: str) -> int:
        removed = 0
        if path in self._pending:
            removed += self._pending.pop(path).samples
        if path not in self._forgotten:
            removed += sum(n for (file, _), n in self._stored().items() if file == path)
            self._forgotten.add(path)
        return removed

    def flush(self) -> None:
        """Write the staged files and removals to the tables, then empty the staging."""
        if not self._pending and not self._forgotten:
            self._clear_staging()
            return
        with _errors():
            self._write()
        self._pending.clear()
        self._forgotten.clear()
        self._stored_counts = None
        self._clear_staging()

    def _clear_staging(self) -> None:
        """Remove this writer's staged files (whatever was written or rolled back)."""
        if not self._files:
            return
        filesystem, base = _filesystem(f"{self._staging_root()}/{self._run}")
        with suppress(OSError):
            filesystem.delete_dir(base)

    def _write(self) -> None:
        from pyspark.sql import functions as F

        staged = list(self._pending.values())
        files = list(self._forgotten | set(self._pending))
        evals = sorted({e for s in staged for e in s.parsed.eval_ids})
        gone = F.col("log_file").isin(files) | F.col("eval_id").isin(evals)
        gone_evals = sorted({e for f, e in self._stored() if f in files or e in evals} - set(evals))
        gone_scores = F.col("eval_id").isin(evals + gone_evals)
        new = {
            "samples": self._staged_rows(staged, "samples", SAMPLES_SCHEMA).withColumn(
                "loaded_at", F.current_timestamp()
            ),
            "sample_scores": self._staged_rows(staged, "sample_scores", SCORES_SCHEMA),
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

    def _staged_rows(self, staged: list[_Staged], table: str, schema: pa.Schema) -> Any:
        """The staged files' rows of ``table``, read by Spark (none: an empty frame),
        but those of evals a later file of the run took."""
        from pyspark.sql import functions as F

        # the loader's column order and types, whatever Parquet inferred for a null column
        frame = self.spark.createDataFrame(schema.empty_table())
        columns = frame.columns
        whole = [f"{e.folder}/{table}.parquet" for e in staged if not e.dropped]
        if whole:  # one read for them all: a union per file would grow the plan per file
            frame = frame.unionByName(self.spark.read.parquet(*whole).select(*columns))
        for entry in (e for e in staged if e.dropped):
            rows = self.spark.read.parquet(f"{entry.folder}/{table}.parquet").select(*columns)
            frame = frame.unionByName(rows.where(~F.col("eval_id").isin(sorted(entry.dropped))))
        return frame

    def _ledger_rows(self) -> Any:
        from pyspark.sql import functions as F

        # as DuckDB's ledger: the samples each file added when it was written
        files = [(s.parsed, s.stamp, sum(s.eval_samples.values())) for s in self._pending.values()]
        frame = self.spark.createDataFrame(ledger_rows(files))
        return frame.withColumn("loaded_at", F.current_timestamp())


def _filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    """The Arrow filesystem of ``uri`` (a local path, or s3://, gs://, hdfs://, ...)
    and the path on it."""
    if "://" not in uri:
        return pafs.LocalFileSystem(), str(Path(uri).resolve())
    filesystem, path = pafs.FileSystem.from_uri(uri)
    return filesystem, path


@contextmanager
def _staging_errors() -> Iterator[None]:
    """A staging folder that cannot be written: a :class:`WarehouseError` that stops the
    run (every file would meet it)."""
    try:
        yield
    except (OSError, pa.ArrowException) as exc:
        raise WarehouseError(f"cannot write the staging folder: {exc}", fatal=True) from exc
