"""The mart equals inspect_viz's scores_by_limit_df (0.4.2) wherever it is well defined.

The reference runs on samples_df of the example logs (generated with inspect_ai);
rows are matched by grid index; a threshold within 1e-9 (relative) of a sample
value is float-ambiguous and left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ..conftest import EXAMPLE_LOGS, LIMITS, read_mart

inspect_analysis = pytest.importorskip("inspect_ai.analysis")
inspect_viz_view = pytest.importorskip("inspect_viz.view")
from inspect_ai.log import list_eval_logs, read_eval_log  # noqa: E402

TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def samples() -> pd.DataFrame:
    """samples_df, plus the column `score_first`: each log's first scorer's value."""
    frame = inspect_analysis.samples_df(
        str(EXAMPLE_LOGS),
        columns=inspect_analysis.SampleSummary
        + inspect_analysis.EvalInfo
        + inspect_analysis.EvalModel,
        quiet=True,
    )
    first = {}
    for info in list_eval_logs(str(EXAMPLE_LOGS)):
        header = read_eval_log(info, header_only=True)
        first[header.eval.eval_id] = header.eval.scorers[0].name
    frame["score_first"] = [row[f"score_{first[row['eval_id']]}"] for _, row in frame.iterrows()]
    return frame


def reference(samples: pd.DataFrame, limit: str, score: str = "score_first", **kwargs):
    return inspect_viz_view.scores_by_limit_df(samples.copy(), score=score, limit=limit, **kwargs)


def sample_values(samples: pd.DataFrame, limit: str) -> np.ndarray:
    if limit == "total_tokens":
        import json

        return np.array(
            [
                json.loads(u)[m]["total_tokens"]
                for u, m in zip(samples.model_usage, samples.model, strict=True)
            ],
            dtype=float,
        )
    return samples[limit].to_numpy(dtype=float)


def compare(ours: pd.DataFrame, ref: pd.DataFrame, values: np.ndarray, limit: str) -> int:
    """Assert equality row by row; returns the number of rows compared."""
    ref = ref.copy()
    ref["step_index"] = ref.groupby("model").cumcount()
    merged = ours.merge(
        ref, on=["model", "step_index"], how="outer", suffixes=("", "_ref"), indicator=True
    )
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    # the thresholds themselves agree
    np.testing.assert_allclose(merged["limit_value"], merged[limit], rtol=TOLERANCE)
    # leave out thresholds within 1e-9 (relative) of a sample value
    t = merged["limit_value"].to_numpy()[:, None]
    ambiguous = (np.abs(t - values[None, :]) <= TOLERANCE * np.abs(t)).any(axis=1)
    kept = merged[~ambiguous]
    assert len(kept) > 0.5 * len(merged)
    for ours_col, ref_col in (
        ("success_rate", "success_rate_ref"),
        ("standard_error", "standard_error_ref"),
        ("other_termination_rate", "other_termination_rate_ref"),
    ):
        a = kept[ours_col].to_numpy(dtype=float)
        b = kept[ref_col].to_numpy(dtype=float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), ours_col
        np.testing.assert_allclose(
            a[~np.isnan(a)], b[~np.isnan(b)], rtol=0, atol=TOLERANCE, err_msg=f"{limit}: {ours_col}"
        )
    np.testing.assert_array_equal(kept["sample_count"], kept["count"])
    return len(kept)


@pytest.mark.parametrize("limit", LIMITS)
def test_mart_equals_reference(example_mart, samples, limit):
    ours = example_mart[example_mart.limit_name == limit]
    ref = reference(samples, limit)
    assert sorted(ours.model.unique()) == sorted(ref.model.unique())
    assert compare(ours, ref, sample_values(samples, limit), limit) > 100


def built_mart(built, tmp_path, variables: dict) -> pd.DataFrame:
    """The mart of the example logs built with ``variables`` (the run's shared build)."""
    return read_mart(built([EXAMPLE_LOGS], variables, tmp_path / "examples.duckdb"))


# the grids of test_options' SEQUENCE (the band's level changes none of the columns
# compared), so one dbt build serves both
@pytest.mark.parametrize(
    ("steps", "scale", "others"),
    [(17, "linear", {}), (40, "log", {"ci_level": 0.8})],
    ids=["17-linear", "40-log"],
)
def test_vars_change_the_grid_as_the_reference(built, tmp_path, samples, steps, scale, others):
    mart = built_mart(built, tmp_path, {"steps": steps, "scale": scale, **others})
    ours = mart[mart.limit_name == "total_tokens"]
    assert (ours.limit_scale == scale).all()
    assert ours.groupby("model").size().eq(steps).all()
    ref = reference(samples, "total_tokens", scale=scale, steps=steps)
    compare(ours, ref, sample_values(samples, "total_tokens"), "total_tokens")


def test_second_scorer_var(built, tmp_path, samples):
    second = [c for c in samples.columns if c.startswith("score_") and c != "score_first"]
    counts = {c: samples[c].notna().sum() for c in second}
    # a scorer that only some logs have: the curve covers those logs' samples only
    # (partial_match, as in test_options' SEQUENCE)
    scorer = min(counts, key=counts.get)
    mart = built_mart(built, tmp_path, {"scorer": scorer[len("score_") :]})
    ours = mart[mart.limit_name == "total_tokens"]
    subset = samples[samples[scorer].notna()].reset_index(drop=True)
    ref = reference(subset, "total_tokens", score=scorer)
    compare(ours, ref, sample_values(subset, "total_tokens"), "total_tokens")
