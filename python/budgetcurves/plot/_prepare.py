"""Data shaping for notebook users, kept apart from drawing (as inspect_viz's ``*_df``).

``scores_by_limit_df`` holds no statistics of its own: it hands the samples to
the project's ingest and dbt models on a throwaway DuckDB and reads the mart
back, so the numbers are the mart's by construction.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ._data import read_scores
from ._frame import as_frame, require

SCORE_PREFIX = "score_"


def scores_by_limit_df(
    df: pd.DataFrame,
    score: str,
    limit: Literal["total_tokens", "total_time", "working_time"] = "total_tokens",
    scale: Literal["log", "linear", "auto"] = "auto",
    steps: int = 100,
) -> pd.DataFrame:
    """The mart's rows for one limit, from a ``samples_df`` frame, with no database.

    A drop-in for ``inspect_viz.view.scores_by_limit_df``: the same arguments, the
    same numbers, in the mart's columns (``limit_value``, ``sample_count``, the band,
    ``model_display_name``...), ready for ``scores_by_limit``. The frame is written
    to a temporary parquet file, ingested, and built with the project's dbt models
    on a temporary DuckDB (a few seconds; the frame is not modified).

    Args:
       df: Sample summaries and eval information, as from
          ``samples_df(columns=SampleSummary + EvalInfo + EvalModel)``.
       score: The score column, e.g. ``score_match`` (its scorer becomes the dbt
          var ``scorer``).
       limit: ``total_tokens``, ``total_time`` or ``working_time``.
       scale: The grid's spacing: ``auto`` (log when max / min >= 100), ``log`` or
          ``linear``.
       steps: Thresholds in the grid (>= 2).

    Unlike the reference, a sample missing one limit's value is left out of that
    limit only, and every log status present in the frame is kept.

    Raises:
       ValueError: naming a required column that is missing, or what dbt rejected.
    """
    frame = as_frame(df)
    require(frame, "model", "task_id", score)
    if limit == "total_tokens":
        if "model_usage" not in frame.columns:
            raise ValueError("Column 'model_usage' is required to compute 'total_tokens'.")
    else:
        require(frame, limit)
    scorer = score[len(SCORE_PREFIX) :] if score.startswith(SCORE_PREFIX) else score
    variables: dict[str, Any] = {"scorer": scorer, "scale": scale, "steps": steps}
    if "status" in frame.columns:
        statuses = sorted(str(s) for s in frame["status"].dropna().unique())
        if statuses:
            variables["statuses"] = statuses

    from .._project import DbtError, run_dbt
    from ..ingest import ingest

    with tempfile.TemporaryDirectory(prefix="budgetcurves-") as tmp:
        work = Path(tmp)
        export = work / "samples.parquet"
        pq.write_table(_as_export(frame, score, scorer), export)
        db = work / "scores.duckdb"
        with duckdb.connect(str(db)) as con:
            summary = ingest([str(export)], con)
        if summary.errors:
            raise ValueError(summary.errors[0].reason)
        command = ["build", "--select", "+scores_by_limit", "model_info"]
        # the data tests check these samples; the unit tests check the SQL itself, on
        # fixed rows, which `make test` does once (they would add ~2 s to every call)
        command += ["--exclude-resource-type", "unit_test"]
        # dbt's artefacts go with the database, not into the project: calls stay
        # independent of each other and of builds running in the project
        command += ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
        try:
            run_dbt(command, db=db, variables=variables, quiet=True)
        except DbtError as exc:
            raise ValueError(f"{exc} (dbt's output above says why)") from None
        return read_scores(db, limit=limit)


def _as_export(frame: pd.DataFrame, score: str, scorer: str) -> pa.Table:
    """The frame as an Arrow table the export reader takes: columns Arrow cannot type
    (mixed objects) as text, and the score as ``score_<scorer>``."""
    columns = {str(name): _column(frame[name]) for name in frame.columns}
    columns.setdefault(SCORE_PREFIX + scorer, columns[score])
    return pa.table(columns)


def _column(series: pd.Series) -> pa.Array:
    try:
        return pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return pa.array([None if _missing(v) else str(v) for v in series], pa.string())


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
