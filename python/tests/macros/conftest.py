"""Render a macro through dbt itself, then run the SQL it renders in DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from budgetcurves._project import DbtError, run_dbt


@pytest.fixture(scope="session")
def render(tmp_path_factory):
    db = tmp_path_factory.mktemp("macros") / "macros.duckdb"

    def _render(sql: str, variables: dict | None = None) -> str:
        result = run_dbt(["compile", "--inline", sql], db=db, variables=variables, quiet=True)
        return result.result.results[0].node.compiled_code

    return _render


@pytest.fixture(scope="session")
def run_sql():
    def _run(sql: str, **tables):
        con = duckdb.connect()
        for name, frame in tables.items():
            con.register(name, frame)
        return con.execute(sql).df()

    return _run


__all__ = ["DbtError"]
