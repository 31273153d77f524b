"""scripts/censoring.py: its true curve is the simulation's, and it runs end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from . import load_script

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def censoring():
    return load_script("censoring")


def test_true_curve_is_the_simulated_one(censoring, monkeypatch):
    """With budgets no sample reaches, every sample is observed: the share that
    succeeded within t is the true curve, up to Monte Carlo error."""
    monkeypatch.setattr(censoring, "BUDGETS", (10**9, 10**9))
    samples = censoring.simulate(replicates=1, samples=40_000, seed=3)
    tokens = np.array([json.loads(u)[censoring.MODEL]["total_tokens"] for u in samples.model_usage])
    success = (samples.score_match == "C").to_numpy()
    assert samples["limit"].isna().all()
    thresholds = np.array([500.0, 2000.0, 3000.5, 9000.0])
    empirical = [np.mean(success & (tokens <= t)) for t in thresholds]
    # 80,000 samples: the binomial Monte Carlo error is below 0.002 (1 sd)
    np.testing.assert_allclose(empirical, censoring.true_curve(thresholds), atol=0.006)


def test_small_budget_stops_samples_as_failures(censoring):
    samples = censoring.simulate(replicates=1, samples=2_000, seed=4)
    tokens = np.array([json.loads(u)[censoring.MODEL]["total_tokens"] for u in samples.model_usage])
    stopped = (samples["limit"] == "token").to_numpy()
    small, large = censoring.BUDGETS
    budget = samples.token_limit.to_numpy()
    assert stopped.any() and (samples.score_match[stopped] == "I").all()
    assert (tokens[stopped] > budget[stopped]).all()
    assert (tokens[stopped] <= budget[stopped] + censoring.OVERSHOOT).all()
    assert (tokens[~stopped] <= budget[~stopped]).all()
    assert stopped[budget == small].mean() > stopped[budget == large].mean()


def test_runs_end_to_end(censoring, tmp_path, capsys):
    assert censoring.main(["--replicates", "3", "--samples", "40", "--steps", "6",
                           "--out", str(tmp_path)]) == 0  # fmt: skip
    table = pd.read_csv(tmp_path / "censoring.csv")
    assert set(table.estimator) == {"naive", "cumulative_incidence"}
    assert len(table) >= 4 and (tmp_path / "censoring.png").stat().st_size > 0
    assert "| cumulative_incidence |" in capsys.readouterr().out
