"""The mart in the shape inspect_viz's interactive ``scores_by_limit`` view takes."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..frames._shape import as_frame, require

#: The columns of ``inspect_viz.view.scores_by_limit_df``'s frame, from the mart's.
COLUMNS = {
    "limit_value": None,  # named for the limit
    "model": "model",
    "success_rate": "success_rate",
    "standard_error": "standard_error",
    "other_termination_rate": "other_termination_rate",
    "sample_count": "count",
}
OPTIONAL = ("log", "model_display_name")


def to_inspect_viz(data: Any, limit: str | None = None, facet: str | None = None) -> pd.DataFrame:
    """Reshape the mart's rows into the frame ``inspect_viz.view.scores_by_limit`` draws.

    The threshold column is named for the limit (``total_tokens``...), as the
    reference's ``scores_by_limit_df`` names it, so the view finds it; a faceted
    read gets its values in a column named for the faceting (``task_name``), to
    pass as the view's ``facet``. Needs ``pip install budgetcurves[viz]`` to draw::

        from inspect_viz import Data
        from inspect_viz.view import scores_by_limit
        scores_by_limit(Data.from_dataframe(to_inspect_viz(read_scores(db))))

    Args:
       data: Rows of the mart (a pandas frame, pyarrow table or DuckDB relation).
       limit: Which limit's rows (default: the data's only one).
       facet: Which faceting's rows (default: the data's only one, else ``all``).

    Raises:
       ValueError: naming a missing column, or the limits when the data holds
          several and ``limit`` does not pick one.
    """
    frame = as_frame(data)
    require(frame, "limit_name", "facet_name", "facet_value", *COLUMNS)
    limit = _pick(frame, "limit_name", limit, "limits", default=None)
    facet = _pick(frame, "facet_name", facet, "facets", default="all")

    rows = frame[(frame["limit_name"] == limit) & (frame["facet_name"] == facet)]
    names = {**COLUMNS, "limit_value": limit}
    names.update({c: c for c in OPTIONAL if c in rows.columns})
    if facet != "all":
        names["facet_value"] = facet
    shaped = rows[list(names)].rename(columns=names)
    order = [limit, "model", *([facet] if facet != "all" else [])]
    return shaped.sort_values(order, kind="stable").reset_index(drop=True)


def _pick(
    frame: pd.DataFrame, column: str, value: str | None, what: str, default: str | None
) -> str:
    """``value``, checked; else the data's only value, else ``default`` when it is there."""
    values = sorted(str(v) for v in frame[column].dropna().unique())
    argument = column.removesuffix("_name")
    if value is None:
        if len(values) == 1:
            return values[0]
        if default in values:
            return default
        raise ValueError(f"data holds several {what} ({', '.join(values)}); pass {argument}=...")
    if value not in values:
        raise ValueError(f"{argument} '{value}' is not in the data; {what}: {', '.join(values)}")
    return value
