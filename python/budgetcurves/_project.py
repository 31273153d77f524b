"""Where the dbt project is, and running dbt on it with budgetcurves' options as vars."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: The repository root: the dbt project that ships with this package.
PROJECT_DIR = Path(
    os.environ.get("BUDGETCURVES_PROJECT_DIR") or Path(__file__).resolve().parents[2]
)
DEFAULT_DB = "budgetcurves.duckdb"


class DbtError(RuntimeError):
    """dbt did not finish successfully; dbt's own output says why."""


@contextmanager
def _environment(values: Mapping[str, str]):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def build_command(unit_tests: bool = False) -> list[str]:
    """``dbt build`` as ``budgetcurves build`` runs it: models, seeds and data tests.
    dbt's unit tests check the SQL on fixed rows, not the data, so they belong to
    development and CI (``make test-dbt``, a plain ``dbt build``), not to every
    refresh; ``unit_tests`` adds them."""
    return ["build"] if unit_tests else ["build", "--exclude-resource-type", "unit_test"]


def run_dbt(
    command: Sequence[str],
    *,
    db: str | os.PathLike[str] | None = None,
    variables: Mapping[str, Any] | None = None,
    quiet: bool = False,
    load_examples: bool = False,
    target: str | None = None,
) -> Any:
    """Run a dbt command in-process on the project, against DuckDB file ``db``.

    ``variables`` become ``--vars``; ``target`` names a profiles.yml target other
    than DuckDB (``postgres``, ``spark``); the result is dbt's ``dbtRunnerResult``.
    Raises :class:`DbtError` when dbt fails.
    """
    from dbt.cli.main import dbtRunner

    args = [*command, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    if target:
        args += ["--target", target]
    if variables:
        # not ASCII-escaped: dbt reads --vars as YAML, which refuses the surrogate
        # pairs JSON writes for an emoji
        args += ["--vars", json.dumps(dict(variables), ensure_ascii=False)]
    if quiet:
        args.insert(0, "--quiet")
    env = {"BUDGETCURVES_LOAD_EXAMPLES": "true" if load_examples else "false"}
    if db is not None:
        env["BUDGETCURVES_DB"] = str(Path(db).resolve())
    with _environment(env):
        try:
            result = dbtRunner().invoke(args)
        finally:
            _release_duckdb()
    if not result.success:
        reason = f": {result.exception}" if result.exception else ""
        raise DbtError(f"dbt {' '.join(command)} failed{reason}")
    return result


def _release_duckdb() -> None:
    """Close the DuckDB connection dbt-duckdb keeps for the process, so the file
    can be opened again (read-only, or by another process) after dbt returns."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter
        return
    env = DuckDBConnectionManager._ENV
    if env is not None and getattr(env, "conn", None) is not None:
        env.conn.close()
    DuckDBConnectionManager.close_all_connections()
