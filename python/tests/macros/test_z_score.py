"""z_score(level) renders AS241 as SQL; it must agree with scipy to 1e-12."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from budgetcurves._project import DbtError

LEVELS = np.unique(
    np.concatenate(
        [
            np.linspace(0.5, 0.999999, 2001),
            1 - np.logspace(-6, np.log10(0.5), 500),
            [0.5, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 0.9999, 0.99999, 0.999999],
        ]
    )
)


def test_over_a_column_matches_scipy(render, run_sql):
    levels = pd.DataFrame({"level": LEVELS[(LEVELS >= 0.5) & (LEVELS <= 0.999999)]})
    sql = render("select level, {{ z_score('level') }} as z from levels")
    got = run_sql(sql, levels=levels)
    expected = norm.ppf((1 + got["level"].to_numpy()) / 2)
    np.testing.assert_allclose(got["z"].to_numpy(), expected, rtol=0, atol=1e-12)
    assert len(got) > 2000


@pytest.mark.parametrize("level", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999999])
def test_literal_level_matches_scipy(render, run_sql, level):
    sql = render(f"select {{{{ z_score({level}) }}}} as z")
    assert abs(run_sql(sql)["z"][0] - norm.ppf((1 + level) / 2)) <= 1e-12


def test_central_and_tail_branches_are_both_exercised(render, run_sql):
    # (1 + level) / 2 - 0.5 <= 0.425 iff level <= 0.85: both sides of the switch
    sql = render("select {{ z_score(0.84) }} as a, {{ z_score(0.86) }} as b")
    got = run_sql(sql)
    assert got["a"][0] == pytest.approx(norm.ppf(0.92), abs=1e-12)
    assert got["b"][0] == pytest.approx(norm.ppf(0.93), abs=1e-12)


@pytest.mark.parametrize("bad", ["0", "1", "1.5", "-0.2", "none", "true"])
def test_bad_level_fails_compilation_naming_it(render, bad):
    with pytest.raises(DbtError):
        render(f"select {{{{ z_score({bad}) }}}}")


T_DFS = np.concatenate([np.arange(1, 301), [500, 1000, 10_000, 100_000, 10**6]])


@pytest.mark.parametrize("level", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
def test_t_scores_match_scipy(render, run_sql, level):
    """Hill's start, refined up to df 100 on the exact t CDF, Hill's alone beyond."""
    from scipy.stats import t as student_t

    sql = render(f"{{{{ t_scores({level}, 'dfs', 'df') }}}}")
    got = run_sql(sql, dfs=pd.DataFrame({"df": np.concatenate([[0], T_DFS])}))
    got = got.sort_values("df").reset_index(drop=True)
    assert np.isnan(got.t_score[0]) and list(got.df[1:]) == list(T_DFS)
    expected = student_t.ppf((1 + level) / 2, T_DFS)
    np.testing.assert_allclose(got.t_score[1:], expected, rtol=1e-12, atol=0)


def test_t_scores_are_one_row_a_df(render, run_sql):
    sql = render("{{ t_scores(0.95, 'dfs', 'q - 1') }}")
    got = run_sql(sql, dfs=pd.DataFrame({"q": [3, 3, 11, 3]}))
    assert sorted(got.df) == [2, 10]
