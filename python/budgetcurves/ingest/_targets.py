"""The loader's ``--target``: any output of the dbt profile, opened as a warehouse.

``budgetcurves ingest --target NAME`` loads into the warehouse that ``dbt build
--target NAME`` builds on: the output ``NAME`` of the profile (``profiles.yml``
beside the project, or in ``DBT_PROFILES_DIR``), rendered by dbt (its
``env_var`` calls applied), and opened by its ``type``:

- ``postgres``: a psycopg2 connection with the output's host, port, user,
  password and database;
- ``spark`` with ``method: session``: a local SparkSession with the output's
  ``server_side_parameters``;
- ``spark`` with another method (``thrift``, ``http``, ``odbc``) and
  ``databricks``: dbt reaches the cluster through its SQL endpoint, which cannot
  take rows from a client; the loader writes through a Spark session on the same
  cluster: Spark Connect at ``BUDGETCURVES_SPARK_REMOTE`` (``sc://host:15002``),
  or, for ``databricks``, Databricks Connect (``databricks-connect`` installed)
  with the output's host and token and ``DATABRICKS_CLUSTER_ID``. Its staged
  Parquet files go to ``BUDGETCURVES_SPARK_STAGING``, a path the cluster reads.

``duckdb`` outputs are the CLI's own (``--db``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from ._warehouse import Warehouse

#: The profile in profiles.yml that dbt_project.yml names.
PROFILE = "budgetcurves"


class TargetError(ValueError):
    """A ``--target`` that names no output, or one the loader cannot open (usage: exit 2)."""


def profiles_dir() -> Path:
    """Where dbt finds profiles.yml for this project: ``DBT_PROFILES_DIR``, else the
    project's own (the committed one)."""
    from .._project import PROJECT_DIR

    named = os.environ.get("DBT_PROFILES_DIR")
    return Path(named) if named else PROJECT_DIR


def profile_output(name: str) -> dict[str, Any]:
    """The output ``name`` of the budgetcurves profile, rendered as dbt renders it."""
    path = profiles_dir() / "profiles.yml"
    try:
        profile = yaml.safe_load(path.read_text(encoding="utf-8"))[PROFILE]
        outputs: Mapping[str, Any] = profile["outputs"]
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise TargetError(f"{path}: no profile {PROFILE!r} with outputs ({exc})") from None
    if name not in outputs:
        raise TargetError(
            f"--target {name}: {path} has no such output (it has: {', '.join(sorted(outputs))})"
        )
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context
    from dbt_common.exceptions import CompilationError, DbtRuntimeError

    set_invocation_context(dict(os.environ))
    try:
        rendered: dict[str, Any] = ProfileRenderer({}).render_data(dict(outputs[name]))
    except (CompilationError, DbtRuntimeError) as exc:
        first = str(exc).strip().splitlines()[-1].strip()
        raise TargetError(f"--target {name}: {first}") from None
    return rendered


def _needs(module: str, extra: str, name: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise TargetError(
            f"--target {name} needs budgetcurves[{extra}]: pip install 'budgetcurves[{extra}]'"
        ) from None


@contextmanager
def open_target(name: str) -> Iterator[Warehouse]:
    """The landing tables of the profile's output ``name`` (not a DuckDB one), closed
    on leaving. Raises :class:`TargetError` for an output the loader cannot open."""
    output = profile_output(name)
    kind = output.get("type")
    if kind == "postgres":
        _needs("psycopg2", "postgres", name)
        from ._postgres import PostgresWarehouse

        with PostgresWarehouse.connect(**postgres_arguments(output)) as postgres:
            yield postgres
        return
    if kind not in ("spark", "databricks"):
        raise TargetError(
            f"--target {name}: the loader writes to duckdb, postgres, spark and databricks "
            f"outputs, not {kind!r}"
        )
    _needs("pyspark", "spark", name)
    from ._spark import SparkWarehouse, spark_session

    if kind == "spark" and output.get("method") == "session":
        spark = spark_session(settings=output.get("server_side_parameters") or {})
    else:
        spark = _cluster_session(name, output)
    try:
        yield SparkWarehouse(spark)
    finally:
        spark.stop()


def postgres_arguments(output: Mapping[str, Any]) -> dict[str, Any]:
    """psycopg2's connection arguments for a dbt-postgres output."""
    arguments = {
        "host": output.get("host"),
        "port": output.get("port"),
        "user": output.get("user"),
        "password": output.get("password", output.get("pass")),
        "dbname": output.get("dbname", output.get("database")),
        "sslmode": output.get("sslmode"),
    }
    return {key: value for key, value in arguments.items() if value not in (None, "")}


def _cluster_session(name: str, output: Mapping[str, Any]) -> Any:
    """A Spark session on the cluster of a thrift, http or databricks output."""
    remote = os.environ.get("BUDGETCURVES_SPARK_REMOTE")
    if remote:
        from pyspark.sql import SparkSession

        return SparkSession.builder.remote(remote).getOrCreate()
    if output.get("type") == "databricks":
        try:
            from databricks.connect import DatabricksSession  # type: ignore[import-not-found]
        except ImportError:
            pass
        else:
            builder = DatabricksSession.builder.host(f"https://{output['host']}")
            builder = builder.token(output["token"])
            if os.environ.get("DATABRICKS_CLUSTER_ID"):
                builder = builder.clusterId(os.environ["DATABRICKS_CLUSTER_ID"])
            return builder.getOrCreate()
    raise TargetError(
        f"--target {name}: dbt reaches this cluster through SQL, which cannot take rows from "
        "the loader; set BUDGETCURVES_SPARK_REMOTE=sc://HOST:15002 (Spark Connect on the same "
        "cluster) or install databricks-connect (docs/warehouses.md)"
    )
