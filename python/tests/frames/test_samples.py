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


#: a notebook session on one frame: every value option changed in turn, and back
SESSION = [
    ("total_tokens", {}),
    ("total_tokens", {"steps": 17}),
    ("total_tokens", {"steps": 17, "scale": "linear"}),
    ("total_time", {}),
    ("working_time", {"scale": "log", "steps": 9}),
    ("total_tokens", {}),
    ("total_tokens", {}),
]


def test_a_session_on_one_frame_equals_the_reference_at_every_call(samples):  # noqa: F811
    """The frame's database is kept from call to call and only what an option reaches
    is built again: every call still has the reference's numbers for its options."""
    for limit, options in SESSION:
        ours = scores_by_limit_df(samples, score="score_first", limit=limit, **options)
        ref = reference(samples, limit, **options)
        assert compare(ours, ref, sample_values(samples, limit), limit) > 0.5 * len(ours)
        assert set(ours.limit_name) == {limit}
        assert ours.groupby("model").size().eq(options.get("steps", 100)).all()


def test_a_frame_changed_in_place_is_read_again(samples):  # noqa: F811
    frame = samples.copy()
    before = scores_by_limit_df(frame, score="score_first", limit="total_tokens")
    model_a = frame["model"].str.endswith("model-a")
    frame.loc[model_a, "score_first"] = "I"  # every sample of model A now fails
    after = scores_by_limit_df(frame, score="score_first", limit="total_tokens")
    ref = reference(frame, "total_tokens")
    assert compare(after, ref, sample_values(frame, "total_tokens"), "total_tokens") > 0
    a_before = before.loc[before["model"].str.endswith("model-a"), "success_rate"]
    a_after = after.loc[after["model"].str.endswith("model-a"), "success_rate"]
    assert a_before.max() > 0 and a_after.max() == 0


def test_what_a_frame_leaves_out_is_said_at_every_call(samples):  # noqa: F811
    frame = samples.copy()
    frame.loc[frame.index[:3], "eval_id"] = None
    for steps in (100, 100, 17):
        with pytest.warns(UserWarning, match=r"3 row\(s\) without an eval_id"):
            scores_by_limit_df(frame, score="score_first", limit="total_tokens", steps=steps)


def test_a_failing_data_test_fails_every_call(samples, monkeypatch):  # noqa: F811
    """A failure is not kept as a result: the same frame fails again (and a good one
    after it gets its numbers)."""
    from budgetcurves import _compiled

    real = _compiled.Plan._test

    def one_test_fails(con, tests):
        results = real(con, tests)
        return [
            _compiled.TestResult(r.name, 2, "error") if "assert_rates_within" in r.name else r
            for r in results
        ]

    monkeypatch.setattr(_compiled.Plan, "_test", staticmethod(one_test_fails))
    for _ in range(2):
        with pytest.raises(ValueError, match=r"assert_rates_within_unit_interval \(2 failing"):
            scores_by_limit_df(samples, score="score_first", limit="total_tokens")
    monkeypatch.setattr(_compiled.Plan, "_test", staticmethod(real))
    ours = scores_by_limit_df(samples, score="score_first", limit="total_tokens")
    ref = reference(samples, "total_tokens")
    assert compare(ours, ref, sample_values(samples, "total_tokens"), "total_tokens") > 0


def test_a_categorical_column_is_read_by_its_values_not_its_codes(samples):  # noqa: F811
    frame = samples.assign(score_first=samples["score_first"].astype("category"))
    before = scores_by_limit_df(frame, score="score_first", limit="total_tokens")
    categories = list(frame["score_first"].cat.categories)
    assert "C" in categories and "I" in categories
    swapped = {"C": "I", "I": "C"}
    # the same codes, other values: every correct sample is now incorrect, and back
    frame["score_first"] = frame["score_first"].cat.rename_categories(
        [swapped.get(c, c) for c in categories]
    )
    after = scores_by_limit_df(frame, score="score_first", limit="total_tokens")
    ref = reference(frame.assign(score_first=frame["score_first"].astype(str)), "total_tokens")
    assert compare(after, ref, sample_values(frame, "total_tokens"), "total_tokens") > 0
    assert not before["success_rate"].equals(after["success_rate"])
