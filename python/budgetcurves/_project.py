"""Where the dbt project is, and running dbt on it with budgetcurves' options as vars."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

DEFAULT_DB = "budgetcurves.duckdb"


def _find_project() -> tuple[Path, bool]:
    """The dbt project and whether it is a working copy (dbt may write beside it).

    ``BUDGETCURVES_PROJECT_DIR`` first; then the copy an installed wheel carries as
    package data (``budgetcurves/dbt_project``); then, in a source checkout (an
    editable install), the repository root, which is the dbt project itself.
    """
    named = os.environ.get("BUDGETCURVES_PROJECT_DIR")
    if named:
        return Path(named), True
    packaged = files("budgetcurves") / "dbt_project"
    if packaged.is_dir():
        return Path(str(packaged)), False
    return Path(__file__).resolve().parents[2], True


#: The dbt project that ships with this package.
PROJECT_DIR, PROJECT_IS_CHECKOUT = _find_project()


def cache_dir() -> Path:
    """The user's cache folder for budgetcurves (``BUDGETCURVES_CACHE_DIR`` overrides):
    the compiled SQL, and dbt's artefacts when the project is an installed package."""
    named = os.environ.get("BUDGETCURVES_CACHE_DIR")
    if named:
        return Path(named)
    from platformdirs import user_cache_path

    return user_cache_path("budgetcurves", appauthor=False)


def _artefact_paths(command: Sequence[str]) -> list[str]:
    """Where dbt writes ``target/`` and ``logs/``: beside a checkout's project as dbt
    does, or, for an installed package (site-packages is not ours to write), in the
    user's cache. A command naming its own paths keeps them."""
    if PROJECT_IS_CHECKOUT:
        return []
    base = cache_dir() / "dbt"
    paths = []
    if "--target-path" not in command:
        paths += ["--target-path", str(base / "target")]
    if "--log-path" not in command:
        paths += ["--log-path", str(base / "logs")]
    return paths


class DbtError(RuntimeError):
    """dbt did not finish successfully; dbt's own output says why."""


class VarError(DbtError):
    """dbt refused a var: a usage error, found while parsing or in the on-run-start
    hook, before anything is built. ``var`` is the var's name."""

    def __init__(self, message: str, var: str) -> None:
        super().__init__(message)
        self.var = var


#: How the project's checks name the var they refuse (macros/vars.sql and each var's
#: macro): ``var 'steps' must be ...``, ``unknown var 'stepz'``.
_VAR_CHECK = re.compile(r"\bvar '(?P<var>[^']+)'")


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
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
    target: str | None = None,
) -> Any:
    """Run a dbt command in-process on the project, against DuckDB file ``db``.

    ``variables`` become ``--vars``; ``target`` names a profiles.yml target other
    than DuckDB (``postgres``, ``spark``); the result is dbt's ``dbtRunnerResult``.
    Raises :class:`DbtError` when dbt fails, :class:`VarError` when what it refused
    is a var.
    """
    from dbt.cli.main import dbtRunner

    args = [*command, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    args += _artefact_paths(command)
    if target:
        args += ["--target", target]
    if variables:
        # not ASCII-escaped: dbt reads --vars as YAML, which refuses the surrogate
        # pairs JSON writes for an emoji
        args += ["--vars", json.dumps(dict(variables), ensure_ascii=False)]
    if quiet:
        args.insert(0, "--quiet")
    env: dict[str, str] = {}
    if db is not None:
        env["BUDGETCURVES_DB"] = str(Path(db).resolve())
    with _environment(env):
        try:
            result = dbtRunner().invoke(args)
        finally:
            _release_duckdb()
    if not result.success:
        reason = f": {result.exception}" if result.exception else ""
        # a node's error (a var checked at run time, as extra_limits against the
        # staged columns) is in the node's result, not in result.exception
        nodes = getattr(result.result, "results", None) or []
        failed = [
            str(node.message)
            for node in nodes
            if str(getattr(node.status, "value", node.status)) == "error" and node.message
        ]
        if failed and not reason:
            reason = ": " + "; ".join(failed)
        message = f"dbt {' '.join(command)} failed{reason}"
        refused = _VAR_CHECK.search(reason)
        if refused:
            raise VarError(message, refused["var"])
        raise DbtError(message)
    return result


def _release_duckdb() -> None:
    """Close the DuckDB connection dbt-duckdb keeps for the process, so the file
    can be opened again (read-only, or by another process) after dbt returns."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter
        return
    env: Any = getattr(DuckDBConnectionManager, "_ENV", None)
    if env is not None and getattr(env, "conn", None) is not None:
        env.conn.close()
    DuckDBConnectionManager.close_all_connections()  # type: ignore[no-untyped-call]
