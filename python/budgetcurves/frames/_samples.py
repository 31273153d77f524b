"""Data shaping for notebook users, kept apart from drawing (as inspect_viz's ``*_df``).

``scores_by_limit_df`` holds no statistics of its own: it hands the samples to the
project's export reader and runs the project's dbt models, compiled once and kept
in the user's cache (:mod:`budgetcurves._compiled`), on an in-memory DuckDB; the
numbers are the mart's by construction.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from typing import Any, Literal

import pandas as pd
import pyarrow as pa

from ._mart import read_scores
from ._shape import as_frame, require

SCORE_PREFIX = "score_"
#: Rows of a DuckDB row group, the unit its scans split work into.
DUCKDB_ROW_GROUP = 122_880
#: The largest frame whose in-memory database is kept after a call, for the next call
#: on the same rows: DuckDB holds about 1.4 KB a sample (136 MB at 1e5 samples) until
#: a call on other rows, or on more rows than this, drops it.
KEPT_ROWS = 150_000


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
    ``model_display_name``...), ready for ``scores_by_limit``. The frame is handed to
    an in-memory DuckDB through Arrow and built with the project's dbt models,
    compiled by dbt on the first call with these options and cached (the frame is
    not modified). The data tests run too: a failing one is a ``ValueError``. The
    database of the last frame (up to ``KEPT_ROWS`` rows) is kept for the next call
    on the same values: it builds only what its changed options reach.

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
    # the one limit asked for: the others' curves would be built for nothing
    variables: dict[str, Any] = {
        "scorer": scorer,
        "scale": scale,
        "steps": steps,
        "limits": [limit],
    }
    if "status" in frame.columns:
        statuses = sorted(str(s) for s in frame["status"].dropna().unique())
        if statuses:
            variables["statuses"] = statuses

    from .._compiled import (
        MEMORY_DATABASE,
        Built,
        DataTestError,
        compiled_plan,
        kept_database,
    )
    from .._project import DbtError
    from ..ingest import LogReadError, load_frame

    try:
        plan = compiled_plan(variables, MEMORY_DATABASE)
    except DbtError as exc:
        raise ValueError(f"{exc} (dbt's output above says why)") from None
    # a frame smaller than one DuckDB row group is one morsel of work for each scan:
    # more threads only add their scheduling to each of the plan's ~70 statements
    threads = 1 if len(frame) < DUCKDB_ROW_GROUP else None
    table = _as_export(frame, score, scorer)
    # the same rows again (a notebook changing an option): their catalog is kept from
    # the last call, and only what the changed options reach is built again
    rows = _stamp(table) if len(frame) <= KEPT_ROWS else ""
    key = f"{plan.folder}\0{threads}\0{rows}" if rows else ""
    with kept_database(key, threads) as catalog:
        con, built = catalog.con, catalog.built
        if built is None:
            try:
                notes = load_frame(con, table)
            except LogReadError as exc:
                raise ValueError(exc.reason) from None
            built = Built(rows, tuple(notes))
        # what the CLI says on stderr: rows or values of the frame left out (a null
        # eval_id, a repeated sample, a value that is not a number)
        for note in built.notes:
            if "left out" in note:
                warnings.warn(f"scores_by_limit_df: {note}", UserWarning, stacklevel=2)
        try:
            plan.execute(con, "scores_by_limit", "model_info", built=built)
        except DataTestError as exc:
            raise ValueError(str(exc)) from None
        if plan.row_count(con, "scores_by_limit") == 0:
            raise ValueError(
                f"no curve: no sample of the frame has both a usable score in '{score}' "
                f"and a value of '{limit}'"
            )
        scores = read_scores(con, limit=limit)
        catalog.built = built
        return scores


def _stamp(table: pa.Table) -> str:
    """A hash of the Arrow table's schema and values: equal for equal rows (a frame
    changed in place is a new stamp); "" (nothing kept) for a column whose values its
    buffers do not hold all of: a dictionary inside a nested type."""
    digest = hashlib.sha256(str(table.schema).encode())
    for column in table.columns:
        dictionary = pa.types.is_dictionary(column.type)
        if "dictionary<" in str(column.type.value_type if dictionary else column.type):
            return ""
        for chunk in column.chunks:
            _feed(digest, chunk)
            if isinstance(chunk, pa.DictionaryArray):  # its buffers hold codes, not values
                _feed(digest, chunk.dictionary)
    return digest.hexdigest()


def _feed(digest: Any, array: pa.Array[Any]) -> None:
    digest.update(f"|{array.offset},{len(array)}".encode())
    for buffer in array.buffers():
        if buffer is not None:
            digest.update(memoryview(buffer))


def _as_export(frame: pd.DataFrame, score: str, scorer: str) -> pa.Table:
    """The frame as an Arrow table the export reader takes: columns Arrow cannot type
    (mixed objects) as text, and the score as ``score_<scorer>``."""
    columns = {str(name): _column(frame[name]) for name in frame.columns}
    columns.setdefault(SCORE_PREFIX + scorer, columns[score])
    return pa.table(columns)


def _column(series: pd.Series) -> pa.Array[Any]:
    try:
        array: pa.Array[Any] = pa.array(series, from_pandas=True)
        return array
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return pa.array([None if _missing(v) else str(v) for v in series], pa.string())


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
