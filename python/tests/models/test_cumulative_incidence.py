"""scores_by_limit_cumulative_incidence (var `estimator: cumulative_incidence`) against
lifelines' AalenJohansenFitter, against the Aalen-Johansen estimator computed here
from its definition (fractional scores, ties), and against the naive curve where no
sample is censored; on the dbt path and the compiled path alike.

lifelines 0.30.3 pins pandas < 3, which the project's constraints rule out, so its
numbers are a fixture: fixtures/aalen_johansen/lifelines.csv, written by
scripts/lifelines_reference.py (in a venv of its own) from samples.csv beside it. The
slow lane installs lifelines into a venv of its own and writes the fixture again, so
the comparison is with lifelines itself, not a file that could drift from it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from budgetcurves._compiled import compiled_plan, database_name
from budgetcurves._project import run_dbt
from budgetcurves.ingest import ingest

from ..conftest import EXAMPLE_LOGS

FIXTURE = Path(__file__).parent / "fixtures" / "aalen_johansen"
#: the lifelines the fixture was written with (scripts/lifelines_reference.py)
LIFELINES = "lifelines==0.30.3"
REFERENCE_SCRIPT = Path(__file__).parents[3] / "scripts" / "lifelines_reference.py"
MART = "scores_by_limit_cumulative_incidence"
TOLERANCE = 1e-9
VARIABLES = {"estimator": "cumulative_incidence", "limits": ["total_tokens"], "steps": 200}
SELECT = ["build", "--select", "+scores_by_limit", f"+{MART}", "--exclude", "test_type:unit"]


def export(samples: pd.DataFrame, path) -> None:
    """The fixture's samples as a samples_df-style export (scripts/censoring.py's)."""
    pd.DataFrame(
        {
            "eval_id": samples.eval_id,
            "id": samples.id,
            "epoch": 1,
            "model": samples.model,
            "model_usage": [
                json.dumps({m: {"total_tokens": int(t)}})
                for m, t in zip(samples.model, samples.total_tokens, strict=True)
            ],
            "score_match": samples.score.astype(float),
            "task_id": samples.eval_id,
            "task_name": "censoring",
            "status": "success",
            "log": samples.eval_id + ".eval",
            "token_limit": samples.token_limit,
            "limit": samples["limit"].where(samples["limit"].notna(), None),
        }
    ).to_parquet(path)


def build(db, samples: pd.DataFrame, variables=VARIABLES) -> None:
    path = db.with_suffix(".parquet")
    export(samples, path)
    with duckdb.connect(str(db)) as con:
        assert not ingest([str(path)], con).errors
    run_dbt(SELECT, db=db, variables=variables, quiet=True)


def table(db, name: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            f"select * from main.{name} where facet_name = 'all' order by model, step_index"
        ).df()


def aalen_johansen(
    value: np.ndarray,
    score: np.ndarray,
    censored: np.ndarray,
    budget: np.ndarray,
    thresholds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """F(t) and its delta-method variance from the definitions, one distinct time at a
    time: a sample is a success of weight score at its value, and the rest of its
    weight a terminal failure there, or censored at min(budget, value) if stopped."""
    times = np.concatenate([value, np.where(censored, np.minimum(budget, value), value)])
    success = np.concatenate([score, np.zeros_like(score)])
    failure = np.concatenate([np.zeros_like(score), np.where(censored, 0.0, 1 - score)])
    lost = np.concatenate([np.zeros_like(score), np.where(censored, 1 - score, 0.0)])
    weight = success + failure + lost
    steps = []
    survival, incidence = 1.0, 0.0
    for t in np.unique(times[weight > 0]):
        at = times == t
        n = weight[times >= t].sum()
        d1, d = success[at].sum(), success[at].sum() + failure[at].sum()
        left = weight[times > t].sum() + lost[at].sum()
        incidence += survival * d1 / n
        steps.append((t, incidence, survival, n, d, d1, left))
        survival *= left / n
    rates, variances = [], []
    for threshold in thresholds:
        seen = [s for s in steps if s[0] <= threshold]
        rate = seen[-1][1] if seen else 0.0
        variance = 0.0
        for _, f_i, s_before, n, d, d1, left in seen:
            if left > 0:
                variance += (rate - f_i) ** 2 * d / (n * left)
            variance += s_before**2 * d1 * (n - d1) / n**3
            variance -= 2 * (rate - f_i) * s_before * d1 / n**2
        rates.append(rate)
        variances.append(variance)
    return np.array(rates), np.array(variances)


@pytest.fixture(scope="module")
def samples() -> pd.DataFrame:
    return pd.read_csv(FIXTURE / "samples.csv")


@pytest.fixture(scope="module")
def censored_db(tmp_path_factory, samples):
    db = tmp_path_factory.mktemp("aalen_johansen") / "censored.duckdb"
    build(db, samples)
    return db


def test_binary_scores_equal_lifelines(censored_db):
    """Point and standard error at every threshold to 1e-9; lifelines' variance is
    NaN where its risk set empties (0 x inf): those thresholds compare the point."""
    reference = pd.read_csv(FIXTURE / "lifelines.csv")
    ours = table(censored_db, MART)
    assert set(ours.model) == set(reference.model)
    compared = 0
    for model, rows in ours.groupby("model"):
        fit = reference[reference.model == model].sort_values("time")
        at = np.searchsorted(fit.time.to_numpy(), rows.limit_value.to_numpy(), side="right") - 1
        np.testing.assert_allclose(
            rows.success_rate, fit.cumulative_incidence.to_numpy()[at], rtol=0, atol=TOLERANCE
        )
        variance = fit.variance.to_numpy()[at]
        finite = np.isfinite(variance)
        np.testing.assert_allclose(
            rows.standard_error[finite], np.sqrt(variance[finite]), rtol=0, atol=TOLERANCE
        )
        compared += int(finite.sum())
        assert rows.censored_count.iloc[0] > 50  # the comparison is about censoring
    assert compared > 300


def test_lifelines_is_the_estimator_defined_here(samples):
    """The reference below (fractional scores, ties) is lifelines' on the fixture."""
    reference = pd.read_csv(FIXTURE / "lifelines.csv")
    for model, curve in samples.groupby("model"):
        fit = reference[reference.model == model]
        rates, variances = aalen_johansen(
            curve.total_tokens.to_numpy(float),
            curve.score.to_numpy(float),
            (curve["limit"] == "token").to_numpy() & (curve.score < 1).to_numpy(),
            curve.token_limit.to_numpy(float),
            fit.time.to_numpy(),
        )
        np.testing.assert_allclose(rates, fit.cumulative_incidence, rtol=0, atol=TOLERANCE)
        finite = np.isfinite(fit.variance.to_numpy())
        np.testing.assert_allclose(variances[finite], fit.variance[finite], rtol=0, atol=TOLERANCE)


def test_fractional_scores_and_ties_equal_the_definition(tmp_path, samples):
    """Scores in [0, 1] as fractional events, values rounded to hundreds (many ties
    of every kind), a stopped sample with a partial score censored for its rest."""
    rng = np.random.default_rng(5)
    fractional = samples.assign(
        total_tokens=(samples.total_tokens // 100 * 100).clip(lower=100),
        score=np.where(
            rng.random(len(samples)) < 0.3, rng.random(len(samples)).round(3), samples.score
        ),
    )
    db = tmp_path / "fractional.duckdb"
    build(db, fractional)
    ours = table(db, MART)
    for model, rows in ours.groupby("model"):
        curve = fractional[fractional.model == model]
        rates, variances = aalen_johansen(
            curve.total_tokens.to_numpy(float),
            curve.score.to_numpy(float),
            (curve["limit"] == "token").to_numpy() & (curve.score < 1).to_numpy(),
            curve.token_limit.to_numpy(float),
            rows.limit_value.to_numpy(),
        )
        np.testing.assert_allclose(rows.success_rate, rates, rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(rows.standard_error, np.sqrt(variances), rtol=0, atol=TOLERANCE)
        assert 0 < rows.success_rate.iloc[-1] < 1


def test_without_censoring_it_is_the_naive_curve(tmp_path):
    """The example logs stop no sample: F(t) is scores_by_limit's rate to 1e-12, and
    its variance F (1 - F) / n, the naive one without the n / (n - 1)."""
    db = tmp_path / "examples.duckdb"
    with duckdb.connect(str(db)) as con:
        assert not ingest([str(EXAMPLE_LOGS)], con).errors
    run_dbt(SELECT, db=db, variables={"estimator": "cumulative_incidence"}, quiet=True)
    ours, naive = table(db, MART), table(db, "scores_by_limit")
    key = ["model", "limit_name", "facet_name", "facet_value", "step_index"]
    merged = ours.merge(naive, on=key, suffixes=("", "_naive"), validate="one_to_one")
    assert len(merged) == len(naive) > 1000 and (merged.censored_count == 0).all()
    np.testing.assert_allclose(merged.success_rate, merged.success_rate_naive, rtol=0, atol=1e-12)
    p, n = merged.success_rate_naive, merged.sample_count
    np.testing.assert_allclose(merged.standard_error, np.sqrt(p * (1 - p) / n), rtol=0, atol=1e-12)


def test_compiled_path_builds_the_same_mart(tmp_path, censored_db):
    compiled = tmp_path / "compiled.duckdb"
    shutil.copyfile(censored_db, compiled)
    with duckdb.connect(str(compiled)) as con:
        con.execute(f"drop table main.{MART}")
        compiled_plan(VARIABLES, database_name(compiled)).execute(con)
    got, expected = table(compiled, MART), table(censored_db, MART)
    assert len(expected) == 400
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=0, atol=1e-12)


def test_naive_estimator_builds_it_empty(tmp_path, censored_db):
    """With var estimator naive (the default) the mart is built empty: the reference's
    curve is scores_by_limit's, and a default build pays nothing for this one."""
    db = tmp_path / "naive.duckdb"
    shutil.copyfile(censored_db, db)
    run_dbt(["run", "--select", MART], db=db, quiet=True)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(f"select count(*) from main.{MART}").fetchone() == (0,)


@pytest.mark.slow
def test_fixture_is_what_lifelines_computes(tmp_path):
    """lifelines, live: installed into a venv of its own (it pins pandas < 3), the
    reference script run on the fixture's samples writes the committed lifelines.csv
    again: the same models and event times, and every incidence and variance to 1e-12
    (NaN where the committed one has NaN), so the tests above compare with lifelines."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", LIFELINES],
        check=True,
    )
    folder = tmp_path / "fixture"
    folder.mkdir()
    shutil.copy(FIXTURE / "samples.csv", folder / "samples.csv")
    subprocess.run([python, str(REFERENCE_SCRIPT), str(folder)], check=True)
    fresh = pd.read_csv(folder / "lifelines.csv")
    committed = pd.read_csv(FIXTURE / "lifelines.csv")
    assert fresh[["model", "time"]].equals(committed[["model", "time"]])
    for column in ("cumulative_incidence", "variance"):
        np.testing.assert_allclose(fresh[column], committed[column], rtol=0, atol=1e-12)
