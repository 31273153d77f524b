"""scripts/coverage.py: its true curve is the simulation's, and it runs end to end."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from budgetcurves._project import PROJECT_DIR

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def coverage():
    spec = importlib.util.spec_from_file_location(
        "coverage_script", PROJECT_DIR / "scripts" / "coverage.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_true_curve_is_the_simulated_one(coverage):
    samples = coverage.simulate(replicates=1, questions=50_000, epochs=1, seed=7)
    for model in coverage.MODELS:
        mine = samples[samples.model == model]
        tokens = np.array([json.loads(u)[model]["total_tokens"] for u in mine.model_usage])
        success = (mine.score_match == "C").to_numpy()
        thresholds = np.array([300.0, 1000.5, 2500.0, 10_000.0])
        empirical = [np.mean(success & (tokens <= t)) for t in thresholds]
        # 50,000 questions: the Monte Carlo error is below 0.003 (binomial, 1 - 2 sd)
        np.testing.assert_allclose(empirical, coverage.true_curve(model, thresholds), atol=0.007)


def test_runs_end_to_end(coverage, tmp_path, capsys):
    assert coverage.main(["--replicates", "3", "--questions", "20", "--steps", "5",
                          "--methods", "sample/normal", "clustered/wilson",
                          "--out", str(tmp_path)]) == 0  # fmt: skip
    table = capsys.readouterr().out
    for method in ("| sample | normal |", "| clustered | wilson |", "| paired | student t |"):
        assert method in table
    # every method covers points: none is left with an empty (nan) row
    assert "nan" not in table
    assert (tmp_path / "coverage.csv").exists()


def test_every_method_is_measured_on_the_same_points(coverage, tmp_path, capsys):
    """A method's rebuild that left its band empty would count no points."""
    import pandas as pd

    assert coverage.main(["--replicates", "3", "--questions", "20", "--steps", "5",
                          "--methods", "sample/normal", "clustered/normal",
                          "--out", str(tmp_path)]) == 0  # fmt: skip
    table = pd.read_csv(tmp_path / "coverage.csv")
    table = table[table.se_method != "paired"]
    points = table.pivot_table(index="region", columns="se_method", values="points")
    assert points["clustered"].tolist() == points["sample"].tolist()
    assert points["sample"].sum() > 0
