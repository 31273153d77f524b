"""The eval's own budget: read from the log's config, carried to the marts, marked censored."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest

from budgetcurves._project import run_dbt
from budgetcurves.ingest import ingest
from budgetcurves.ingest._landing import LANDED_SAMPLES

from ..conftest import EXAMPLE_EXPORT, EXAMPLE_LOGS

LOG = "2025-01-01T00-00-00_arithmetic_model-c.json"
BUDGET = 4000
UNPRICED = "mockllm/unpriced"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """model-c's arithmetic log, rewritten as if run with token_limit=4000: samples
    above it stopped there (limit type token) and failed."""
    root = tmp_path_factory.mktemp("budget")
    log = json.loads((EXAMPLE_LOGS / LOG).read_text())
    log["eval"]["config"].update(token_limit=BUDGET, message_limit=3, time_limit=60)
    for sample in log["samples"]:
        usage = sample["model_usage"]["mockllm/model-c"]
        if usage["total_tokens"] > BUDGET:
            usage["total_tokens"] = BUDGET
            sample["limit"] = {"type": "token", "limit": BUDGET}
            for score in sample["scores"].values():
                score["value"] = "I"
    logs = root / "logs"
    logs.mkdir()
    (logs / LOG).write_text(json.dumps(log))
    # and the same eval again as a model with no row in seeds/model_prices.csv
    text = json.dumps(log).replace("mockllm/model-c", UNPRICED)
    unpriced = json.loads(text.replace(log["eval"]["eval_id"], "unpriced-eval"))
    (logs / LOG.replace("model-c", "unpriced")).write_text(json.dumps(unpriced))
    db = root / "budget.duckdb"
    with duckdb.connect(str(db)) as con:
        assert not ingest([str(logs)], con).errors
    result = run_dbt(
        [
            "build",
            "--select",
            "+scores_by_limit",
            "+scores_by_limit_exact",
            "+budget_to_reach",
            "+int_samples__kept",
            "assert_every_sample_has_a_cost",
            "--exclude",
            "test_type:unit",
        ],
        db=db,
        quiet=True,
    )
    statuses = {r.node.name: str(r.status) for r in result.result.results}
    return db, statuses


@pytest.fixture(scope="module")
def budget_db(built):
    return built[0]


def query(db, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).df()


def test_the_loader_reads_the_eval_config_limits(budget_db):
    with duckdb.connect(str(budget_db), read_only=True) as con:
        staged = con.execute(
            "select distinct eval_token_limit, eval_token_limit_type, eval_message_limit, "
            "eval_time_limit, eval_working_limit, eval_cost_limit from main.stg_inspect__samples"
        )
        names = [c[0] for c in staged.description]
        records = [dict(zip(names, row, strict=True)) for row in staged.fetchall()]
    assert records[:1] == [
        {
            "eval_token_limit": BUDGET,
            "eval_token_limit_type": None,
            "eval_message_limit": 3,
            "eval_time_limit": 60.0,
            "eval_working_limit": None,
            "eval_cost_limit": None,
        }
    ]


def test_the_marts_carry_the_budget_and_mark_what_lies_beyond(budget_db):
    stopped = query(
        budget_db,
        "select count(*) as n from main.stg_inspect__samples where sample_limit_type = 'token' "
        "and model = 'mockllm/model-c'",
    ).n[0]
    assert stopped > 0
    for mart in ("scores_by_limit", "scores_by_limit_exact"):
        rows = query(
            budget_db,
            f"select * from main.{mart} where facet_name = 'all' and model = 'mockllm/model-c'",
        )
        tokens = rows[rows.limit_name == "total_tokens"]
        assert (tokens.eval_budget == BUDGET).all()
        assert (tokens.is_beyond_eval_budget == (tokens.limit_value > BUDGET)).all()
        assert (tokens.eval_budget_stop_count == stopped).all()
        time = rows[rows.limit_name == "total_time"]
        assert (time.eval_budget == 60).all() and (time.eval_budget_stop_count == 0).all()
        # no working-time limit was set
        assert rows[rows.limit_name == "working_time"].eval_budget.isna().all()
    reach = query(budget_db, "select * from main.budget_to_reach where limit_name = 'total_tokens'")
    assert (reach.eval_budget == BUDGET).all()


def test_an_export_with_eval_config_columns_carries_the_limits(tmp_path):
    frame = pd.read_parquet(EXAMPLE_EXPORT)
    frame["token_limit"] = 5000
    frame["token_limit_type"] = "output"
    export = tmp_path / "export.parquet"
    frame.to_parquet(export)
    with duckdb.connect(str(tmp_path / "e.duckdb")) as con:
        assert not ingest([str(export)], con).errors
        got = con.execute(
            "select distinct eval_token_limit, eval_token_limit_type, eval_message_limit "
            f"from {LANDED_SAMPLES} as bc_landed"
        ).fetchall()
    assert got == [(5000, "output", None)]


def test_a_model_without_a_price_gets_no_cost_curve_and_a_warning(built):
    db, statuses = built
    assert statuses["assert_every_sample_has_a_cost"] == "warn"
    costs = query(db, "select model, cost, cost_source from main.int_samples__kept")
    unpriced = costs[costs.model == UNPRICED]
    assert unpriced.cost.isna().all() and unpriced.cost_source.isna().all()
    assert (costs[costs.model != UNPRICED].cost_source == "priced").all()
    mart = query(db, "select distinct model, limit_name from main.scores_by_limit")
    assert (UNPRICED, "cost") not in set(zip(mart.model, mart.limit_name, strict=True))
    assert (UNPRICED, "total_tokens") in set(zip(mart.model, mart.limit_name, strict=True))


def test_the_plot_marks_the_budget_read_from_the_mart(budget_db):
    from plotnine import geom_vline

    from budgetcurves.frames import read_scores
    from budgetcurves.plot import scores_by_limit

    plot = scores_by_limit(read_scores(budget_db, limit="total_tokens"))
    (line,) = [layer for layer in plot.layers if isinstance(layer.geom, geom_vline)]
    budgets = line._data.set_index("model").eval_budget
    assert budgets.to_dict() == {"mockllm/model-c": BUDGET, UNPRICED: BUDGET}
