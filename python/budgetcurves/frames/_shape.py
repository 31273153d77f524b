"""What a frame of this package is, for whoever reads it: a pandas frame, checked.

The data side writes it (``read_scores``, ``scores_by_limit_df``) and the drawing
side reads it (``budgetcurves.plot``); both take a frame the same way and say the
same thing when a column is missing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

#: ``frame.attrs`` key: models the mart has (for other limits) with no rows in this frame.
MODELS_WITHOUT_SAMPLES = "models_without_samples"
#: ``frame.attrs`` key: a line per model saying whether more budget would help
#: (the mart budget_headroom's, as ``budgetcurves run`` prints them), for the caption.
HEADROOM = "headroom"


def as_frame(data: Any) -> pd.DataFrame:
    """A pandas frame from a pandas frame, pyarrow table or DuckDB relation (converted)."""
    if isinstance(data, pd.DataFrame):
        return data
    if data is None:
        raise ValueError("no data: pass the mart's rows, e.g. read_scores(db)")
    for method in ("to_pandas", "df"):  # pyarrow tables and polars frames; DuckDB relations
        if callable(getattr(data, method, None)):
            converted: pd.DataFrame = getattr(data, method)()
            return converted
    raise TypeError(
        "data must be a pandas DataFrame, pyarrow Table or DuckDB relation, "
        f"not {type(data).__name__}"
    )


def require(frame: pd.DataFrame, *columns: str | None) -> None:
    """Raise the reference's ``ValueError`` for the first named column not in ``frame``."""
    for column in columns:
        if column is not None and column not in frame.columns:
            raise ValueError(f"Required column '{column}' not found in data.")
