"""The marts' statistics against statsmodels, scipy and inspect_ai, curve by curve.

One build of the example logs with every non-default option (clustered standard
errors, Wilson bands, two facets), on the compiled plan (test_compiled holds its
marts equal to dbt build's); each statistic is recomputed in Python from the
samples that entered the marts (int_samples__scored) and compared at 1e-9.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from budgetcurves._project import run_dbt
from budgetcurves.ingest import ingest

from ..conftest import EXAMPLE_LOGS, build_on_plan

sm = pytest.importorskip("statsmodels.api")
from statsmodels.stats.proportion import proportion_confint  # noqa: E402

TOLERANCE = 1e-9
LEVEL = 0.95
VARS = {
    "se_method": "clustered",
    "ci_method": "wilson",
    "facet": ["task_name", "metadata.operands"],
    "ci_level": LEVEL,
    "extra_limits": ["output_tokens"],
    "paired_differences": True,
}
CURVE = ["model", "limit_name", "facet_name", "facet_value"]


def build(db, variables) -> None:
    with duckdb.connect(str(db)) as con:
        assert not ingest([str(EXAMPLE_LOGS)], con).errors
    build_on_plan(db, variables)


def table(db, name: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select * from main.{name}").df()


@pytest.fixture(scope="module")
def stats_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("statistics") / "statistics.duckdb"
    build(db, VARS)
    return db


@pytest.fixture(scope="module")
def samples(stats_db) -> pd.DataFrame:
    """One row per sample x limit x facet, as the curves see them."""
    return table(stats_db, "int_samples__limits_long")


def clustered_se(x: np.ndarray, groups: np.ndarray) -> float:
    """statsmodels' cluster-robust SE of a mean (OLS on a constant): with one
    parameter its small-sample factor (n - 1)/(n - k) x C/(C - 1) is C/(C - 1)."""
    fit = sm.OLS(x, np.ones_like(x)).fit(cov_type="cluster", cov_kwds={"groups": groups})
    return float(fit.bse[0])


def design_effect(scores: np.ndarray, groups: np.ndarray) -> float:
    """A curve's design effect, at its end (every sample within the limit): the
    clustered variance over the binomial one, kept within [1, sum n_q^2 / n]; the
    cautious end where the rate is 0 or 1."""
    n, p = len(scores), scores.mean()
    most = float((np.bincount(groups) ** 2).sum()) / n
    if p * (1 - p) == 0 or groups.max() == 0:
        return most
    return min(max(clustered_se(scores, groups) ** 2 * n / (p * (1 - p)), 1.0), most)


def check_curve(rows: pd.DataFrame, curve: pd.DataFrame) -> int:
    """Compare a curve's mart rows with statistics recomputed from its samples."""
    groups = pd.factorize(curve.question_task + "\x00" + curve.sample_id)[0]
    sizes = np.bincount(groups)
    n = len(curve)
    z = norm.ppf((1 + LEVEL) / 2)
    m = n / design_effect(curve.score.to_numpy(), groups)
    checked = 0
    for row in rows.itertuples():
        x = np.where(curve.limit_value.to_numpy() <= row.limit_value, curve.score.to_numpy(), 0.0)
        p = x.mean()
        assert row.success_rate == pytest.approx(p, abs=TOLERANCE)
        assert row.sample_count == n and row.cluster_count == len(sizes)
        if len(sizes) < 2:
            assert np.isnan(row.standard_error)
            continue
        se = clustered_se(x, groups)
        assert row.standard_error == pytest.approx(se, abs=TOLERANCE)
        lower, upper = proportion_confint(p * m, m, alpha=1 - LEVEL, method="wilson")
        assert row.ci_lower == pytest.approx(lower, abs=TOLERANCE)
        assert row.ci_upper == pytest.approx(upper, abs=TOLERANCE)
        # and the Wilson interval's own definition, with scipy's z
        centre = (p + z * z / (2 * m)) / (1 + z * z / m)
        assert (row.ci_lower + row.ci_upper) / 2 == pytest.approx(centre, abs=TOLERANCE)
        checked += 1
    return checked


@pytest.mark.parametrize("mart", ["scores_by_limit", "scores_by_limit_exact"])
def test_clustered_se_and_wilson_band_match_statsmodels(stats_db, samples, mart):
    ours = table(stats_db, mart)
    assert set(ours.se_method) == {"clustered"} and set(ours.ci_method) == {"wilson"}
    checked = 0
    for key, rows in ours.groupby(CURVE):
        curve = samples[(samples[CURVE] == pd.Series(key, index=CURVE)).all(axis=1)]
        checked += check_curve(rows, curve)
    assert checked > 1000


def test_clustered_se_equals_inspect_ai_stderr_cluster(samples):
    from inspect_ai.scorer._metrics.std import _clustered_stderr

    curve = samples[(samples.facet_name == "all") & (samples.limit_name == "total_tokens")]
    for model, rows in curve.groupby("model"):
        groups = pd.factorize(rows.question_task + "\x00" + rows.sample_id)[0]
        partition = [rows.score.to_numpy()[groups == g].tolist() for g in range(groups.max() + 1)]
        assert clustered_se(rows.score.to_numpy(), groups) == pytest.approx(
            _clustered_stderr(partition), abs=1e-12
        ), model


def test_limits_include_messages_cost_and_extra_limits(stats_db):
    mart = table(stats_db, "scores_by_limit")
    assert {"total_tokens", "message_count", "cost", "output_tokens"} <= set(mart.limit_name)
    costed = table(stats_db, "int_samples__kept")
    assert set(costed.cost_source) == {"priced"}  # the example logs record no cost


def test_facets_split_each_model_on_the_same_grid(stats_db):
    mart = table(stats_db, "scores_by_limit")
    grid = mart[mart.facet_name == "all"][["limit_name", "step_index", "limit_value"]]
    faceted = mart[mart.facet_name != "all"]
    assert set(faceted.facet_name) == {"task_name", "metadata.operands"}
    assert set(mart[mart.facet_name == "task_name"].facet_value) == {"arithmetic", "geography"}
    # geography samples have no `operands`
    assert "(missing)" in set(mart[mart.facet_name == "metadata.operands"].facet_value)
    merged = faceted.merge(grid.drop_duplicates(), on=["limit_name", "step_index"])
    assert (merged.limit_value_x == merged.limit_value_y).all() and len(merged) == len(faceted)
    # each faceting partitions a model's samples
    counts = mart[mart.step_index == 0].groupby(["model", "limit_name", "facet_name"])
    totals = counts.sample_count.sum().unstack("facet_name")
    for facet in ("task_name", "metadata.operands"):
        assert (totals[facet] == totals["all"]).all()


def test_sample_se_and_wilson_band_match_statsmodels(tmp_path):
    """se_method sample with Wilson: the textbook interval over n."""
    db = tmp_path / "w.duckdb"
    build(db, {"ci_method": "wilson", "where": "task_name = 'arithmetic'"})
    ours = table(db, "scores_by_limit_exact")
    samples = table(db, "int_samples__limits_long")
    assert set(ours.se_method) == {"sample"}
    assert set(table(db, "int_samples__scored").task_name) == {"arithmetic"}
    for key, rows in ours[ours.limit_name == "total_tokens"].groupby(CURVE):
        curve = samples[(samples[CURVE] == pd.Series(key, index=CURVE)).all(axis=1)]
        for row in rows.itertuples():
            x = np.where(curve.limit_value <= row.limit_value, curve.score, 0.0)
            lower, upper = proportion_confint(x.sum(), len(x), alpha=0.05, method="wilson")
            assert (row.ci_lower, row.ci_upper) == pytest.approx((lower, upper), abs=TOLERANCE)
            assert row.standard_error == pytest.approx(np.std(x, ddof=1) / np.sqrt(len(x)))


def test_paired_differences_match_statsmodels(stats_db, samples):
    """Each model's rate over its samples of the shared questions; the standard error
    statsmodels' cluster-robust one of the OLS slope of x on [1, is_a] (clusters:
    questions) without its (n - 1) / (n - k) factor; the band Student's t with Q - 1
    degrees of freedom (scipy)."""
    from scipy.stats import t as student_t

    ours = table(stats_db, "paired_differences_by_limit")
    assert {("mockllm/model-a", "mockllm/model-b"), ("mockllm/model-a", "mockllm/model-c")} <= set(
        zip(ours.model_a, ours.model_b, strict=True)
    )
    keys = ["limit_name", "facet_name", "facet_value"]
    checked = 0
    for (a, b, *key), rows in ours.groupby(["model_a", "model_b", *keys]):
        curve = samples[(samples[keys] == pd.Series(key, index=keys)).all(axis=1)]
        curve = curve.assign(q=curve.question_task + "\x00" + curve.sample_id)
        shared = sorted(set(curve.q[curve.model == a]) & set(curve.q[curve.model == b]))
        assert (rows.question_count == len(shared)).all()
        both = curve[curve.model.isin([a, b]) & curve.q.isin(shared)]
        is_a = (both.model == a).to_numpy().astype(float)
        groups = pd.factorize(both.q)[0]
        n = len(both)
        for row in rows.itertuples():
            x = np.where(both.limit_value <= row.limit_value, both.score, 0.0)
            rate_a, rate_b = x[is_a == 1].mean(), x[is_a == 0].mean()
            assert (row.success_rate_a, row.success_rate_b) == pytest.approx(
                (rate_a, rate_b), abs=TOLERANCE
            )
            assert row.difference == pytest.approx(rate_a - rate_b, abs=TOLERANCE)
            if len(shared) < 2:
                assert np.isnan(row.standard_error)
                continue
            design = np.column_stack([np.ones(n), is_a])
            fit = sm.OLS(x, design).fit(cov_type="cluster", cov_kwds={"groups": groups})
            se = fit.bse[1] / np.sqrt((n - 1) / (n - 2))
            assert row.standard_error == pytest.approx(se, abs=TOLERANCE)
            t = student_t.ppf((1 + LEVEL) / 2, len(shared) - 1)
            if row.ci_lower > -1 and row.ci_upper < 1:
                half = (row.ci_upper - row.ci_lower) / 2
                assert half == pytest.approx(t * se, rel=1e-6, abs=TOLERANCE)
            checked += 1
    assert checked > 500


def held_from(values: np.ndarray, series: np.ndarray, target: float) -> float:
    """The smallest value from which `series` stays >= target to the end (nan if none)."""
    floors = np.minimum.accumulate(series[::-1])[::-1]
    held = values[floors >= target - 1e-9]
    return held[0] if len(held) else np.nan


def test_budget_to_reach_is_where_the_exact_curve_holds_the_target(stats_db, samples):
    ours = table(stats_db, "budget_to_reach")
    exact = table(stats_db, "scores_by_limit_exact").sort_values("limit_value")
    assert set(ours.target_kind) == {"relative", "absolute"}
    for row in ours.itertuples():
        curve = samples[
            (samples.model == row.model)
            & (samples.limit_name == row.limit_name)
            & (samples.facet_name == row.facet_name)
            & (samples.facet_value == row.facet_value)
        ]
        values = np.sort(curve.limit_value.unique())
        rates = np.array([np.where(curve.limit_value <= v, curve.score, 0).mean() for v in values])
        target = row.target_fraction * (rates[-1] if row.target_kind == "relative" else 1)
        assert row.final_success_rate == pytest.approx(rates[-1], abs=TOLERANCE)
        if row.target_kind == "relative" and rates[-1] == 0:
            assert not row.is_reached
            continue
        expected = held_from(values, rates, target)
        assert row.is_reached == (not np.isnan(expected))
        np.testing.assert_equal(row.limit_value, expected)
        key = pd.Series([row.model, row.limit_name, row.facet_name, row.facet_value], index=CURVE)
        bands = exact[(exact[CURVE] == key).all(axis=1)]
        assert (bands.limit_value.to_numpy() == values).all()
        low = held_from(values, bands.ci_upper.to_numpy(), target)
        high = held_from(values, bands.ci_lower.to_numpy(), target)
        np.testing.assert_equal((row.limit_value_low, row.limit_value_high), (low, high))


def test_every_analysis_compiles_and_runs(stats_db):
    result = run_dbt(["compile", "--select", "path:analysis"], db=stats_db, variables=VARS)
    compiled = {r.node.name: r.node.compiled_code for r in result.result.results}
    assert len(compiled) >= 7
    with duckdb.connect(str(stats_db), read_only=True) as con:
        answers = {name: con.execute(sql).df() for name, sql in compiled.items()}
    best = answers["which_model_is_best_at_a_token_budget"]
    assert list(best.model_rank) == sorted(best.model_rank) and len(best) == 3
    # the stats build has the task_name facet: per-task answers
    assert set(answers["which_tasks_need_the_most_budget"].facet_value) >= {"arithmetic"}
