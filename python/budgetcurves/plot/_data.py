"""Reading the mart: the one place the Python layer runs SQL."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

MART = "main.scores_by_limit"


def _connect(db: str | os.PathLike[str] | duckdb.DuckDBPyConnection):
    if isinstance(db, duckdb.DuckDBPyConnection):
        return db, False
    path = Path(db)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such database (run `budgetcurves build` first)")
    return duckdb.connect(str(path), read_only=True), True


def read_scores(
    db: str | os.PathLike[str] | duckdb.DuckDBPyConnection,
    limit: str | None = None,
    *,
    facet: str | None = None,
    models: Sequence[str] | None = None,
    tasks: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The mart's rows for one limit (default: the first built) as a pandas frame.

    ``facet`` picks a faceting (``facet_name``; default the unfaceted ``all``
    rows), ``models`` and ``tasks`` filter; the filtering happens in the query.
    Raises ``ValueError`` naming the limits (or facets) there are when the one
    asked for is not in the mart.
    """
    con, owned = _connect(db)
    try:
        try:
            limits = [
                r[0]
                for r in con.execute(
                    f"select distinct limit_name from {MART} order by limit_name"
                ).fetchall()
            ]
        except duckdb.CatalogException:
            raise ValueError(
                "the database has no scores_by_limit mart (run `budgetcurves build`)"
            ) from None
        if not limits:
            raise ValueError("the scores_by_limit mart is empty: no samples were scored")
        if limit is None:
            limit = "total_tokens" if "total_tokens" in limits else limits[0]
        if limit not in limits:
            raise ValueError(f"limit '{limit}' is not in the mart; limits: {', '.join(limits)}")
        facet_name = facet or "all"
        facets = [
            r[0]
            for r in con.execute(f"select distinct facet_name from {MART} order by 1").fetchall()
        ]
        if facet_name not in facets:
            raise ValueError(
                f"facet '{facet_name}' is not in the mart; facets: {', '.join(facets)}"
            )
        where = ["limit_name = $limit", "facet_name = $facet"]
        params: dict[str, object] = {"limit": limit, "facet": facet_name}
        if models:
            where.append("list_contains($models, model)")
            params["models"] = list(models)
        if tasks:
            where.append("list_contains($tasks, facet_value)")
            params["tasks"] = list(tasks)
        query = (
            f"select * from {MART} where {' and '.join(where)} "
            "order by model, facet_value, step_index"
        )
        return con.execute(query, params).df()
    finally:
        if owned:
            con.close()
