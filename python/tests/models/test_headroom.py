"""budget_headroom against the same statistics computed here, sample by sample, from
the samples that enter the curves (int_samples__limits), with numpy and scipy:
the final rate, the gain over the last doubling with its standard error (sample and
clustered) and band, and the bounds beyond the eval's budget."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from budgetcurves.ingest import ingest

from ..conftest import EXAMPLE_LOGS, REAL_LOGS, build_on_plan

CURVE = ["model", "limit_name", "facet_name", "facet_value"]


def _sample_se(x: np.ndarray) -> float:
    return x.std(ddof=1) / np.sqrt(len(x)) if len(x) > 1 else np.nan


def _clustered_se(x: np.ndarray, clusters: np.ndarray) -> float:
    """Miller (2024) appendix A with C / (C - 1), as inspect_ai's stderr(cluster=...)."""
    sums = pd.DataFrame({"q": clusters, "x": x}).groupby("q").x.agg(["sum", "size"])
    count = len(sums)
    if count < 2:
        return np.nan
    residual = sums["sum"] - sums["size"] * x.mean()
    return float(np.sqrt(count / (count - 1) * (residual**2).sum()) / len(x))


def _expected(samples: pd.DataFrame, se_method: str, level: float) -> pd.DataFrame:
    rows = []
    z = stats.norm.ppf((1 + level) / 2)
    for key, curve in samples.groupby(CURVE):
        v = curve.limit_value.to_numpy(float)
        s = curve.score.to_numpy(float)
        n, top = len(s), v.max()
        gain = np.where(v > top / 2, s, 0.0)
        censored = curve.is_stopped_by_eval_budget.to_numpy(bool) & (s < 1)
        optimistic = np.where(censored, 1.0, s)
        unit = bool(s.min() >= 0 and s.max() <= 1)
        if se_method == "sample":
            gain_se, critical = _sample_se(gain), z
        else:
            clusters = (
                curve.question_task.astype(str) + "\x00" + curve.sample_id.astype(str)
            ).to_numpy()
            count = len(set(clusters))
            gain_se = _clustered_se(gain, clusters)
            critical = stats.t.ppf((1 + level) / 2, count - 1) if count > 1 else np.nan
        lower, upper = gain.mean() - critical * gain_se, gain.mean() + critical * gain_se
        if unit:
            lower, upper = np.clip(lower, -1, 1), np.clip(upper, -1, 1)
        rows.append(
            {
                **dict(zip(CURVE, key, strict=True)),
                "sample_count": n,
                "final_limit_value": top,
                "final_success_rate": s.mean(),
                "gain_last_doubling": gain.mean(),
                "gain_standard_error": gain_se,
                "gain_ci_lower": lower,
                "gain_ci_upper": upper,
                "is_still_rising": bool(lower > 0),
                "censored_count": int(censored.sum()),
                "rate_if_censored_succeed": optimistic.mean() if unit else np.nan,
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def logs_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("headroom") / "h.duckdb"
    with duckdb.connect(str(db)) as con:
        paths = [str(EXAMPLE_LOGS)] + ([str(REAL_LOGS)] if REAL_LOGS.exists() else [])
        summary = ingest(paths, con)
    assert not summary.errors, summary.errors
    return db


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"facet": "task_name", "ci_level": 0.9},
        {"se_method": "clustered", "ci_level": 0.9, "facet": "task_name"},
    ],
    ids=["sample", "sample-faceted", "clustered"],
)
def test_headroom_equals_the_statistics_computed_sample_by_sample(logs_db, variables):
    # built on the compiled plan, as dbt build --select +budget_headroom (test_compiled
    # holds the plan's marts equal to dbt's)
    build_on_plan(logs_db, variables, "budget_headroom")
    with duckdb.connect(str(logs_db), read_only=True) as con:
        ours = con.sql("select * from main.budget_headroom").df()
        samples = con.sql("select * from main.int_samples__limits").df()
    expected = _expected(
        samples, variables.get("se_method", "sample"), variables.get("ci_level", 0.95)
    )
    assert len(ours) == len(expected) > 10
    merged = ours.merge(expected, on=CURVE, suffixes=("", "_expected"), validate="1:1")
    for column in expected.columns.difference(CURVE):
        got, want = merged[column], merged[f"{column}_expected"]
        if column in ("is_still_rising", "censored_count", "sample_count"):
            assert got.tolist() == want.tolist(), column
        else:
            np.testing.assert_allclose(
                got.to_numpy(float), want.to_numpy(float), rtol=1e-12, atol=1e-12, err_msg=column
            )
    # the final rate is the curve's end in scores_by_limit_exact's terms too
    assert (ours.rate_if_censored_fail == ours.final_success_rate).all()
