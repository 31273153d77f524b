"""What every layer needs to know about its data: which columns to draw, checked.

Nothing here changes the data: a frame comes in, column names come out, and a
missing column or a frame holding several limits is a ``ValueError`` that says so.
"""

from __future__ import annotations

import enum
from typing import Final, Literal

import pandas as pd

from ..frames._shape import require

#: The reference's limit columns, in the order it looks for them.
REFERENCE_LIMITS = ("total_tokens", "total_time", "working_time")
#: The mart's column holding the threshold, whatever the limit.
MART_LIMIT = "limit_value"
DEFAULT_MODEL = "model_display_name"


class NotGiven(enum.Enum):
    """Marks an argument left out, where ``None`` means something ("no label").

    A one-member enum, so a type checker narrows ``x is NOT_GIVEN`` as it does ``None``.
    """

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven.NOT_GIVEN
#: The type of an argument that may be left out: ``facet: str | None | NotGivenType``.
NotGivenType = Literal[NotGiven.NOT_GIVEN]


def model_column(frame: pd.DataFrame, model: str) -> str:
    """``model_display_name`` when the frame has it, else ``model`` (the default only)."""
    if model == DEFAULT_MODEL and model not in frame.columns:
        model = "model"
    require(frame, model)
    return model


def limit_column(frame: pd.DataFrame, limit: str | None) -> str:
    """The x column: ``limit`` as given, else the mart's ``limit_value``, else the first of
    the reference's ``total_tokens``, ``total_time``, ``working_time`` there is."""
    if limit is None:
        candidates = (MART_LIMIT, *REFERENCE_LIMITS)
        limit = next((c for c in candidates if c in frame.columns), None)
        if limit is None:
            raise ValueError(
                "No resource column found (expected one of "
                f"{', '.join(candidates)}). Please specify the `limit` parameter."
            )
    require(frame, limit)
    single_value(frame, "limit_name", "limits", "read_scores(db, limit=...)")
    return limit


def limit_name(frame: pd.DataFrame, limit: str) -> str:
    """What the x axis measures: the frame's one ``limit_name``, or the column's name."""
    if limit == MART_LIMIT and "limit_name" in frame.columns:
        names = single_value(frame, "limit_name", "limits", "read_scores(db, limit=...)")
        if names is not None:
            return names
    return limit


def single_value(frame: pd.DataFrame, column: str, what: str, hint: str) -> str | None:
    """The one value of ``column`` (``None`` when absent or empty); a ``ValueError``
    naming the values when there are several: one plot draws one limit, one faceting."""
    if column not in frame.columns:
        return None
    values = sorted(str(v) for v in frame[column].dropna().unique())
    if len(values) > 1:
        raise ValueError(f"data holds several {what} ({', '.join(values)}); pick one, e.g. {hint}")
    return values[0] if values else None


def is_faceted(frame: pd.DataFrame) -> bool:
    """Whether the rows are one of the mart's facetings other than ``all``."""
    name = single_value(frame, "facet_name", "facetings", "read_scores(db, facet=...)")
    return name is not None and name != "all" and "facet_value" in frame.columns
