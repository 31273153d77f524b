"""The figure and the page say which curve they draw and whether more budget would
help: built with var `estimator: cumulative_incidence`, read_scores reads the
censoring-aware curve and the caption names it; each model's line from
budget_headroom is in the caption and in the page's notes."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from budgetcurves._headroom import headroom_lines
from budgetcurves._project import run_dbt
from budgetcurves.frames._mart import limit_frames
from budgetcurves.plot import read_scores, scores_by_limit
from budgetcurves.plot._html import report_figures
from budgetcurves.plot._labels import CUMULATIVE_INCIDENCE, band_caption

from ..models.test_cumulative_incidence import FIXTURE, MART, build


@pytest.fixture(scope="module")
def censored_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("estimator") / "estimator.duckdb"
    build(db, pd.read_csv(FIXTURE / "samples.csv"))
    run_dbt(["build", "--select", "budget_headroom", "--exclude", "test_type:unit"], db=db,
            variables={"estimator": "cumulative_incidence", "limits": ["total_tokens"]},
            quiet=True)  # fmt: skip
    return db


def _caption(frame: pd.DataFrame) -> str:
    return str(scores_by_limit(frame).labels.get("caption", ""))


def test_the_censoring_aware_curve_is_drawn_and_named(censored_db):
    frame = read_scores(censored_db)
    with duckdb.connect(str(censored_db), read_only=True) as con:
        mart = con.execute(
            f"select model, step_index, success_rate from main.{MART} "
            "where facet_name = 'all' order by model, step_index"
        ).df()
    assert set(frame.estimator) == {"cumulative_incidence"}
    pd.testing.assert_frame_equal(
        frame[["model", "step_index", "success_rate"]].reset_index(drop=True), mart
    )
    caption = _caption(frame)
    assert CUMULATIVE_INCIDENCE in caption and "SE by the delta method" in caption
    assert band_caption(frame).startswith(CUMULATIVE_INCIDENCE)


def test_caption_and_page_say_what_more_budget_would_buy(censored_db):
    with duckdb.connect(str(censored_db), read_only=True) as con:
        lines = headroom_lines(con, "total_tokens")
    assert len(lines) == 2 and all("stopped by the eval's token limit" in x for x in lines)
    frame = read_scores(censored_db)
    assert frame.attrs["headroom"] == lines
    caption = _caption(frame)
    for line in lines:  # the gain, then the censored samples, on a line each
        gain, stopped = line.split("; ")
        assert gain in caption.splitlines() and f"  {stopped}" in caption.splitlines()
    notes = report_figures(limit_frames(censored_db))["total_tokens"]["notes"]
    assert notes[-2:] == lines
    # one model asked for: its line only
    one = read_scores(censored_db, models=["sim/a"])
    assert one.attrs["headroom"] == [x for x in lines if x.startswith("sim/a: ")]


def test_naive_build_draws_scores_by_limit(example_db):
    frame = read_scores(example_db)
    assert "estimator" not in frame.columns
    assert CUMULATIVE_INCIDENCE not in _caption(frame)
