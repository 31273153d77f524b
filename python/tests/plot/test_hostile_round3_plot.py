"""Third hostile round (issue 29): the notebook call says what it leaves out, as the
CLI does, and the figure refuses a size it cannot be drawn at."""

from __future__ import annotations

import math
import warnings

import pytest

from budgetcurves.plot import scores_by_limit, scores_by_limit_df

from ..models.test_parity import samples  # noqa: F401


def test_rows_left_out_of_a_frame_are_a_user_warning(samples):  # noqa: F811
    frame = samples.copy()
    model_c = frame.index[frame["model"].str.endswith("model-c")][:5]
    frame.loc[model_c, "eval_id"] = None
    with pytest.warns(UserWarning, match=r"5 row\(s\) without an eval_id"):
        ours = scores_by_limit_df(frame, score="score_first", limit="total_tokens")
    whole = samples["model"].str.endswith("model-c").sum()
    counts = ours.loc[ours["model"].str.endswith("model-c"), "sample_count"]
    assert counts.max() <= whole - 5


def test_a_clean_frame_gives_no_warning(samples):  # noqa: F811
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        scores_by_limit_df(samples, score="score_first", limit="total_tokens")


@pytest.mark.parametrize(
    "size",
    [{"width": 1}, {"width": math.nan}, {"width": 100_000}, {"height": 99}, {"dpi": math.inf}],
)
def test_a_size_that_cannot_be_drawn_is_a_value_error(example_mart, size):
    tokens = example_mart[example_mart["limit_name"] == "total_tokens"]
    with pytest.raises(ValueError, match="cannot be drawn"):
        scores_by_limit(tokens, **size)
