"""to_inspect_viz: the mart reshaped for inspect_viz's interactive scores_by_limit view."""

from __future__ import annotations

import pandas as pd
import pytest

from budgetcurves.plot import to_inspect_viz

viz = pytest.importorskip("inspect_viz")
from inspect_viz.view import scores_by_limit  # noqa: E402

REFERENCE_COLUMNS = [
    "total_tokens",
    "model",
    "success_rate",
    "standard_error",
    "other_termination_rate",
    "count",
]


def test_the_reference_frame_draws(tokens):
    frame = to_inspect_viz(tokens)
    assert list(frame.columns) == [*REFERENCE_COLUMNS, "model_display_name"]
    assert len(frame) == len(tokens)
    # ordered as the reference's: by threshold, then model
    assert frame[["total_tokens", "model"]].equals(
        frame[["total_tokens", "model"]].sort_values(["total_tokens", "model"])
    )
    assert (frame["count"] == 31).all()
    component = scores_by_limit(viz.Data.from_dataframe(frame))
    assert type(component).__name__ == "Component"


def test_a_faceted_read_keeps_its_facet_column(by_task):
    frame = to_inspect_viz(by_task)
    assert "task_name" in frame.columns
    assert sorted(frame["task_name"].unique()) == ["arithmetic", "geography"]
    scores_by_limit(viz.Data.from_dataframe(frame), facet="task_name")


def test_the_whole_mart_needs_a_limit(tokens, time_rows, by_task):
    mart = pd.concat([tokens, time_rows, by_task])
    with pytest.raises(ValueError, match=r"several limits \(total_time, total_tokens\)"):
        to_inspect_viz(mart)
    frame = to_inspect_viz(mart, limit="total_time")
    assert frame.columns[0] == "total_time"
    assert len(frame) == len(time_rows)  # the `all` rows by default
    assert len(to_inspect_viz(mart, limit="total_tokens", facet="task_name")) == len(by_task)
    with pytest.raises(ValueError, match="limit 'cost' is not in the data"):
        to_inspect_viz(mart, limit="cost")


def test_a_missing_column_is_named(tokens):
    with pytest.raises(ValueError, match="Required column 'standard_error' not found in data"):
        to_inspect_viz(tokens.drop(columns="standard_error"))
