"""The mart ``scores_by_limit`` of a built database as frames, and as a file."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from .._headroom import headroom_lines
from ._shape import HEADROOM, MODELS_WITHOUT_SAMPLES

MART = "main.scores_by_limit"
#: The censoring-aware curve (var ``estimator: cumulative_incidence``), read instead of
#: MART when the build filled it (it is built empty otherwise).
CUMULATIVE_MART = "main.scores_by_limit_cumulative_incidence"
MODEL_INFO = "main.model_info"
#: The faceting whose values are task names: what ``tasks=`` filters.
TASK_FACET = "task_name"
DEFAULT_LIMIT = "total_tokens"


def _connect(
    db: str | os.PathLike[str] | duckdb.DuckDBPyConnection,
) -> tuple[duckdb.DuckDBPyConnection, bool]:
    if isinstance(db, duckdb.DuckDBPyConnection):
        return db, False
    path = Path(db)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such database (run `budgetcurves build` first)")
    try:
        return duckdb.connect(str(path), read_only=True), True
    except duckdb.Error as exc:  # not a database, or another process is writing it
        first = str(exc).strip().splitlines()[0]
        raise ValueError(f"{path}: cannot open the database: {first}") from None


def _distinct(con: duckdb.DuckDBPyConnection, column: str, mart: str = MART) -> list[str]:
    query = f"select distinct {column} from {mart} where {column} is not null order by 1"
    return [row[0] for row in con.execute(query).fetchall()]


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables and views of the connection's database, as ``schema.name`` (one
    catalog query, where a query per name costs a millisecond each)."""
    query = (
        "select schema_name || '.' || table_name from duckdb_tables() "
        "where database_name = current_database() "
        "union all "
        "select schema_name || '.' || view_name from duckdb_views() "
        "where database_name = current_database() and not internal"
    )
    return {row[0] for row in con.execute(query).fetchall()}


def _curves(con: duckdb.DuckDBPyConnection, tables: set[str]) -> str:
    """The mart the curves are read from: the cumulative incidence where the build
    filled it (var ``estimator: cumulative_incidence``), else scores_by_limit."""
    if CUMULATIVE_MART in tables:
        query = f"select count(*) from (select 1 from {CUMULATIVE_MART} limit 1) as one_row"
        row = con.execute(query).fetchone()
        if row is not None and row[0]:
            return CUMULATIVE_MART
    return MART


def _curves_of(con: duckdb.DuckDBPyConnection) -> tuple[str, set[str]]:
    """The mart the curves are read from (see _curves) and the database's tables;
    a ValueError when the database has no mart."""
    tables = _tables(con)
    if MART not in tables:
        raise ValueError("the database has no scores_by_limit mart (run `budgetcurves build`)")
    return _curves(con, tables), tables


def read_scores(
    db: str | os.PathLike[str] | duckdb.DuckDBPyConnection,
    limit: str | None = None,
    *,
    facet: str | None = None,
    models: Sequence[str] | None = None,
    tasks: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The mart's rows for one limit as a pandas frame, ready for ``scores_by_limit``.

    Args:
       db: A DuckDB file built by ``budgetcurves build`` (opened read-only), or an
          open DuckDB connection (left open).
       limit: ``total_tokens`` (default when built), ``total_time``, ``working_time``...
       facet: A faceting of the mart (its ``facet_name``, e.g. ``task_name``);
          default the unfaceted ``all`` rows (``task_name`` when ``tasks`` is given).
       models: Keep these models (Inspect names or display names).
       tasks: Keep these tasks: rows of the ``task_name`` faceting.

    The filtering happens in the query. The models the mart has for other limits but
    not for this one are listed in ``frame.attrs["models_without_samples"]`` (by display
    name), for the figure to say so; for the unfaceted curves, ``frame.attrs["headroom"]``
    holds a line per model from the mart budget_headroom (would more budget help?).
    Built with var ``estimator: cumulative_incidence``, the rows are the censoring-aware
    curve's (scores_by_limit_cumulative_incidence, its ``estimator`` column says so).
    Each row gets ``model_display_name`` from the seed ``model_info`` (a model it does
    not list, or whose display name another model read here shares, keeps its Inspect
    name).

    Raises:
       FileNotFoundError: no such database file.
       ValueError: no mart, or naming the limits (facets) there are when the one
          asked for is not built.
    """
    con, owned = _connect(db)
    try:
        mart, tables = _curves_of(con)
        pairs = con.execute(f"select distinct limit_name, facet_name from {mart}").fetchall()
        limits = sorted({name for name, _ in pairs if name is not None})
        if not limits:
            raise ValueError("the scores_by_limit mart is empty: no samples were scored")
        if limit is None:
            limit = DEFAULT_LIMIT if DEFAULT_LIMIT in limits else limits[0]
        if limit not in limits:
            raise ValueError(f"limit '{limit}' is not in the mart; limits: {', '.join(limits)}")
        if tasks and facet not in (None, TASK_FACET):
            raise ValueError(
                f"tasks= keeps rows of the '{TASK_FACET}' faceting, not of '{facet}': "
                "a faceting's curves cannot be narrowed to some tasks after the fact"
            )
        facet = facet or (TASK_FACET if tasks else "all")
        facets = sorted({name for _, name in pairs if name is not None})
        if facet not in facets:
            raise ValueError(f"facet '{facet}' is not in the mart; facets: {', '.join(facets)}")
        filters = {
            "facet": facet,
            **({"models": list(models)} if models else {}),
            **({"tasks": list(tasks)} if tasks else {}),
        }
        info = MODEL_INFO in tables
        frame = con.execute(
            _query(mart, info, bool(models), bool(tasks)), {"limit": limit, **filters}
        ).df()
        # the models read for other limits with no row for this one: said on the figure
        # (none when the mart holds this limit only, as the drop-in's does)
        absent: list[str] = []
        if limits != [limit]:
            every = con.execute(
                _query(mart, info, bool(models), bool(tasks), every_limit=True), filters
            ).df()
            drawn = set(frame["model"])
            absent = every.loc[~every["model"].isin(drawn), "model_display_name"].tolist()
        frame.attrs[MODELS_WITHOUT_SAMPLES] = sorted(set(absent))
        if facet == "all":  # budget_headroom's lines of the models drawn
            drawn_models = {f"{name}: " for name in frame["model"]}
            frame.attrs[HEADROOM] = [
                line
                for line in headroom_lines(con, limit)
                if any(line.startswith(prefix) for prefix in drawn_models)
            ]
        return frame
    finally:
        if owned:
            con.close()


def _query(
    mart: str,
    info: bool,
    models: bool,
    tasks: bool,
    every_limit: bool = False,
) -> str:
    """The mart's rows of one limit (``$limit``) and faceting, with display names; with
    ``every_limit``, the models (and display names) of every limit instead; ``info``:
    the database has the seed model_info."""
    display = "info.display_name" if info else "null"
    join = f"left join {MODEL_INFO} as info on mart.model = info.model" if info else ""
    where = (
        ["mart.facet_name = $facet"]
        if every_limit
        else [
            "mart.limit_name = $limit",
            "mart.facet_name = $facet",
        ]
    )
    if models:
        where.append(f"(list_contains($models, mart.model) or list_contains($models, {display}))")
    if tasks:
        where.append("list_contains($tasks, mart.facet_value)")
    return f"""
        with

        named as (
            select
                mart.*,
                coalesce({display}, mart.model) as display_name
            from {mart} as mart
            {join}
            where {" and ".join(where)}
        ),

        shared as (
            select display_name
            from named
            group by display_name
            having count(distinct model) > 1
        ),

        final as (
            select
                named.* exclude (display_name),
                case
                    when shared.display_name is null then named.display_name
                    else named.model
                end as model_display_name
            from named
            left join shared on named.display_name = shared.display_name
        )

        select {"distinct model, model_display_name" if every_limit else "*"} from final
        order by {"model" if every_limit else "model, facet_value, step_index"}
    """


def mart_limits(db: str | os.PathLike[str] | duckdb.DuckDBPyConnection) -> list[str]:
    """The limits the mart holds, by name."""
    con, owned = _connect(db)
    try:
        return _distinct(con, "limit_name", _curves_of(con)[0])
    finally:
        if owned:
            con.close()


def limit_frames(
    db: str | os.PathLike[str] | duckdb.DuckDBPyConnection, facet: str | None = None
) -> dict[str, pd.DataFrame]:
    """``read_scores`` of every limit the mart holds, by limit name, in the mart's order
    (what the report page draws: one figure per limit, or per limit and facet value)."""
    con, owned = _connect(db)
    try:
        return {name: read_scores(con, limit=name, facet=facet) for name in mart_limits(con)}
    finally:
        if owned:
            con.close()


#: Output formats of :func:`export_scores` by file suffix (DuckDB's COPY options).
EXPORT_FORMATS = {".csv": "format csv, header true", ".parquet": "format parquet"}


def export_scores(db: str | os.PathLike[str] | duckdb.DuckDBPyConnection, out: Path) -> int:
    """Write the whole mart to ``out`` (.csv or .parquet) with DuckDB's COPY, in a stable
    row order; returns the number of rows written."""
    out = Path(out)
    options = EXPORT_FORMATS.get(out.suffix.lower())
    if options is None:
        raise ValueError(f"--out {out}: the file must end in .csv or .parquet")
    con, owned = _connect(db)
    try:
        _curves_of(con)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OSError(f"cannot create {out.parent}: {exc.strerror}") from None
        target = "'" + str(out).replace("'", "''") + "'"
        try:
            con.execute(
                f"copy (select * from {MART} "
                "order by limit_name, facet_name, facet_value, model, step_index) "
                f"to {target} ({options})"
            )
        except duckdb.IOException as exc:
            raise OSError(str(exc).splitlines()[0]) from None
        row = con.execute(f"select count(*) from {MART}").fetchone()
        assert row is not None
        return int(row[0])
    finally:
        if owned:
            con.close()
