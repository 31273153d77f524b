"""Properties of the clustered Wilson band, on the compiled scores_by_limit_exact.

The mart's SQL is compiled once (se_method clustered, ci_method wilson) and run in
DuckDB over breakpoints built here from generated samples, as int_samples__limits_long
and int_curves__breakpoints build them, with the curve totals of int_curves' own
compiled SQL over the same breakpoints.
"""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgetcurves._project import run_dbt

VARS = {"se_method": "clustered", "ci_method": "wilson", "ci_level": 0.95}


@pytest.fixture(scope="module")
def exact_sql(tmp_path_factory) -> str:
    db = tmp_path_factory.mktemp("bands") / "bands.duckdb"
    result = run_dbt(
        ["compile", "--select", "int_curves", "scores_by_limit_exact"],
        db=db,
        variables=VARS,
        quiet=True,
    )
    compiled = {r.node.name: r.node.compiled_code for r in result.result.results}

    def relation(name: str) -> str:
        return r'[\w"]+\.[\w"]+\."' + name + '"'

    curves, found = re.subn(
        relation("int_curves__breakpoints"), "breakpoints", compiled["int_curves"]
    )
    assert found == 1
    sql, found = re.subn(
        relation("int_curves__breakpoints"), "breakpoints", compiled["scores_by_limit_exact"]
    )
    assert found == 1
    sql, found = re.subn(relation("int_curves"), lambda _: f"({curves}) as curves_subquery", sql)
    assert found == 1
    return sql


def breakpoints(samples: pd.DataFrame) -> pd.DataFrame:
    """int_curves__breakpoints of one curve from (question, value, score) rows."""
    s = samples.sort_values(["question", "value"], kind="stable").reset_index(drop=True)
    by_question = s.groupby("question")
    s["cluster_size"] = by_question["score"].transform("size")
    s["is_start"] = by_question.cumcount() == 0
    before = by_question["score"].cumsum() - s["score"]
    s["square_increment"] = s["score"] * (2 * before + s["score"])
    s["size_score"] = s["cluster_size"] * s["score"]
    rows = s.groupby("value").agg(
        sample_count=("score", "size"),
        score_sum=("score", "sum"),
        score_square_sum=("score", "sum"),  # 0/1 scores
        cluster_count=("is_start", "sum"),
        cluster_size_sum=("cluster_size", "sum"),
        cluster_size_score_sum=("size_score", "sum"),
        cluster_square_sum=("square_increment", "sum"),
        score_min=("score", "min"),
        score_max=("score", "max"),
    )
    return (
        rows.reset_index()
        .rename(columns={"value": "limit_value"})
        .assign(
            limit_name="total_tokens",
            facet_name="all",
            facet_value="all",
            model="m",
            other_termination_weight_sum=0.0,
            eval_budget=np.nan,
            eval_budget_stop_count=0,
            log="m.eval",
        )
    )


def bands(exact_sql: str, samples: pd.DataFrame) -> pd.DataFrame:
    with duckdb.connect() as con:
        con.register("breakpoints", breakpoints(samples))
        return con.execute(exact_sql + " order by limit_value").df()


# questions x epochs, each sample a token count and a 0/1 score
curves = st.integers(2, 12).flatmap(
    lambda questions: st.integers(1, 4).flatmap(
        lambda epochs: st.lists(
            st.tuples(st.integers(1, 20), st.integers(0, 1)),
            min_size=questions * epochs,
            max_size=questions * epochs,
        ).map(
            lambda draws: pd.DataFrame(
                {
                    "question": np.repeat(np.arange(questions), epochs),
                    "value": [v for v, _ in draws],
                    "score": [float(x) for _, x in draws],
                }
            )
        )
    )
)


@settings(max_examples=100, deadline=None)
@given(samples=curves)
def test_a_success_never_lowers_either_end(exact_sql, samples):
    """Along a curve each breakpoint only adds successes: neither end may fall."""
    got = bands(exact_sql, samples)
    assert set(got.ci_method) == {"wilson"}
    assert (np.diff(got.ci_lower) >= -1e-12).all(), got[["limit_value", "success_rate", "ci_lower"]]
    assert (np.diff(got.ci_upper) >= -1e-12).all(), got[["limit_value", "success_rate", "ci_upper"]]


def test_the_first_success_widens_nothing(exact_sql):
    """126 samples (42 questions x 3 epochs), the first success at value 2. With deff
    estimated point by point (the cautious 3 at rate 0, about 1 at 1/126) the upper
    end fell there, from 0.084 to 0.044."""
    samples = pd.DataFrame(
        {
            "question": np.repeat(np.arange(42), 3),
            "value": [2] + [1] * 125,
            "score": [1.0] + [0.0] * 125,
        }
    )
    got = bands(exact_sql, samples)
    assert list(got.success_rate) == [0, 1 / 126]
    assert got.ci_upper[1] >= got.ci_upper[0] and got.ci_lower[1] >= got.ci_lower[0]
