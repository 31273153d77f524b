"""scores_by_limit_df: the reference's signature, the reference's numbers, via the mart.

The comparison is test_parity's (rows matched by grid index, float-ambiguous
thresholds left out), on samples_df of the example logs.
"""

from __future__ import annotations

import pandas as pd
import pytest

from budgetcurves.frames import scores_by_limit_df
from budgetcurves.plot import scores_by_limit

from ..models.test_parity import compare, reference, sample_values, samples  # noqa: F401


@pytest.mark.parametrize(
    ("limit", "score", "options"),
    [
        ("total_tokens", "score_first", {}),
        # a score column not named score_<scorer>: its name is the scorer
        ("total_time", "first", {}),
        ("working_time", "score_first", {"steps": 17, "scale": "linear"}),
    ],
)
def test_equals_the_reference(samples, limit, score, options):  # noqa: F811
    frame = samples.assign(first=samples["score_first"]) if score == "first" else samples
    before = frame.copy()
    ours = scores_by_limit_df(frame, score=score, limit=limit, **options)
    pd.testing.assert_frame_equal(frame, before)  # the caller's frame is left alone
    ref = reference(samples, limit, **options)
    assert sorted(ours.model.unique()) == sorted(ref.model.unique())
    assert compare(ours, ref, sample_values(samples, limit), limit) > 0.5 * len(ours)
    assert set(ours.limit_name) == {limit}
    if options:
        assert (ours.limit_scale == options["scale"]).all()
        assert ours.groupby("model").size().eq(options["steps"]).all()
    # display names from the seed, and ready to draw
    assert set(ours.model_display_name) == {"Model A", "Model B", "Model C"}
    scores_by_limit(ours).draw()


@pytest.mark.parametrize(
    ("drop", "limit", "message"),
    [
        ("task_id", "total_tokens", "Required column 'task_id' not found in data."),
        ("score_match", "total_tokens", "Required column 'score_match' not found in data."),
        ("model_usage", "total_tokens", "Column 'model_usage' is required"),
        ("total_time", "total_time", "Required column 'total_time' not found in data."),
    ],
)
def test_missing_columns_are_named_before_any_build(samples, drop, limit, message):  # noqa: F811
    with pytest.raises(ValueError, match=message):
        scores_by_limit_df(samples.drop(columns=drop), score="score_match", limit=limit)
