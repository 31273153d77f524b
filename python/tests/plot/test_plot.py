"""scores_by_limit: the pictures (against baselines), sizes, and the mistakes it names."""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from plotnine import geom_hline, geom_vline, ggplot

from budgetcurves.plot import geom_eval_budget, scores_by_limit

from .conftest import assert_matches_baseline, save_png

# ----------------------------------------------------------------------------- pictures


def test_tokens_on_a_log_axis(tokens, tmp_path):
    plot = scores_by_limit(tokens, title="Success rate by token budget")
    assert_matches_baseline(plot, "tokens_log", tmp_path)


def test_time_with_other_termination_on_a_linear_axis(time_rows, tmp_path):
    plot = scores_by_limit(time_rows, other_termination_rate=True)
    assert_matches_baseline(plot, "time_other_termination", tmp_path)


def test_faceted_by_task(by_task, tmp_path):
    plot = scores_by_limit(by_task, title="By task")
    assert_matches_baseline(plot, "tokens_by_task", tmp_path)


def _with_budget(frame, model="mockllm/model-b", budget=3000.0):
    """model-b's eval as if run with token_limit=3000: the mart's eval budget columns."""
    frame = frame.copy()
    frame["eval_budget"] = np.where(frame.model == model, budget, np.nan)
    frame["is_beyond_eval_budget"] = frame.limit_value > frame.eval_budget
    return frame


def test_the_eval_budget_is_marked_where_a_curve_is_censored(tokens, tmp_path):
    plot = scores_by_limit(_with_budget(tokens))
    (line,) = [layer for layer in plot.layers if isinstance(layer.geom, geom_vline)]
    assert line._data[["model", "eval_budget"]].values.tolist() == [["mockllm/model-b", 3000.0]]
    assert "censored" in plot.labels.caption
    assert_matches_baseline(plot, "tokens_eval_budget", tmp_path)


def test_no_budget_no_mark(tokens):
    for frame in (tokens, _with_budget(tokens, budget=np.nan)):
        plot = scores_by_limit(frame)
        assert not [layer for layer in plot.layers if isinstance(layer.geom, geom_vline)]
        assert "censored" not in plot.labels.get("caption", "")


def test_a_budget_per_facet_lands_in_its_panel(by_task):
    frame = by_task.copy()
    frame["eval_budget"] = np.where(frame.facet_value == "geography", 2000.0, np.nan)
    budgets = geom_eval_budget().budgets(frame)
    assert set(budgets.facet_value) == {"geography"}
    assert len(budgets) == frame.loc[frame.facet_value == "geography", "model"].nunique()


def test_inspect_names_legend_does_not_squeeze_the_panel(tokens, tmp_path):
    """Long names take more legend rows, not one column down the page."""
    long = tokens.assign(
        model_display_name=tokens.model.map(
            {
                "mockllm/model-a": "azureai/Meta-Llama-3-1-405B-Instruct-jqf",
                "mockllm/model-b": "openai/gpt-4o-mini",
                "mockllm/model-c": "anthropic/claude-3-5-sonnet-20241022",
            }
        )
    )
    assert_matches_baseline(scores_by_limit(long), "long_names", tmp_path)


# ----------------------------------------------------------------------------- sizes


def test_default_size_is_700_px_at_golden_ratio(tokens, tmp_path):
    from PIL import Image

    with Image.open(save_png(scores_by_limit(tokens), tmp_path / "p.png")) as image:
        assert image.size[0] == 700
        assert abs(image.size[1] - 700 / 1.618) < 1


def test_pixels_are_at_dpi(tokens, tmp_path):
    from PIL import Image

    plot = scores_by_limit(tokens, width=500, height=300, dpi=200)
    with Image.open(save_png(plot, tmp_path / "p.png")) as image:
        assert image.size == (500, 300)


def test_svg_and_pdf_get_the_same_inches(tokens, tmp_path):
    plot = scores_by_limit(tokens, width=700, height=350, dpi=100)
    plot.save(tmp_path / "p.svg", verbose=False)
    svg = (tmp_path / "p.svg").read_text()
    assert re.search(r'<svg[^>]* width="504pt" height="252pt"', svg)  # 7 x 3.5 in
    plot.save(tmp_path / "p.pdf", verbose=False)
    pdf = (tmp_path / "p.pdf").read_bytes()
    assert re.search(rb"/MediaBox \[ *0 0 504 252 *\]", pdf)


def test_bad_sizes(tokens):
    for size in ({"width": 0}, {"height": -1}, {"dpi": 0}):
        with pytest.raises(ValueError, match="positive"):
            scores_by_limit(tokens, **size)


# ----------------------------------------------------------------------------- data in


def _drawn(plot) -> pd.DataFrame:
    return plot.data.reset_index(drop=True)


def test_takes_arrow_tables_and_duckdb_relations(tokens):
    expected = _drawn(scores_by_limit(tokens))
    table = pa.Table.from_pandas(tokens, preserve_index=False)
    pd.testing.assert_frame_equal(_drawn(scores_by_limit(table)), expected, check_dtype=False)
    con = duckdb.connect()
    relation = con.from_df(tokens)
    pd.testing.assert_frame_equal(_drawn(scores_by_limit(relation)), expected, check_dtype=False)


def test_does_not_change_the_data(tokens):
    before = tokens.copy()
    scores_by_limit(tokens, other_termination_rate=True).draw()
    pd.testing.assert_frame_equal(tokens, before)


def test_rejects_what_is_not_a_frame():
    with pytest.raises(TypeError, match="DataFrame"):
        scores_by_limit([1, 2, 3])


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("model", "model_name"),
        ("success", "success"),
        ("stderr", "stderr"),
        ("limit", "tokens"),
        ("ci_lower", "lower"),
        ("ci_upper", "upper"),
        ("other_termination_rate", "termination"),
        ("facet", "difficulty"),
    ],
)
def test_a_missing_column_is_named(tokens, argument, value):
    with pytest.raises(ValueError, match=f"Required column '{value}' not found in data"):
        scores_by_limit(tokens, **{argument: value})


def test_a_frame_without_a_limit_column(tokens):
    with pytest.raises(ValueError, match="No resource column found"):
        scores_by_limit(tokens.drop(columns="limit_value"))


def test_several_limits_are_named(tokens, time_rows):
    with pytest.raises(ValueError, match=r"several limits \(total_time, total_tokens\)"):
        scores_by_limit(pd.concat([tokens, time_rows]))


def test_several_facetings_are_named(tokens, by_task):
    with pytest.raises(ValueError, match=r"several facetings \(all, task_name\)"):
        scores_by_limit(pd.concat([tokens, by_task]))


def test_ci_is_checked_against_the_band_built(tokens):
    scores_by_limit(tokens, ci=0.95)
    with pytest.raises(ValueError, match=r"ci_level 0.95, not 0.9.*--ci 0.9"):
        scores_by_limit(tokens, ci=0.9)


# ----------------------------------------------------------------------------- arguments


def _layers(plot) -> list[str]:
    """The drawn layers (not the blank one that keeps 0 and 1 on the rate axis)."""
    names = [type(layer.geom).__name__ for layer in plot.layers]
    return [name for name in names if name != "geom_blank"]


def _x_scale(plot) -> str:
    return type(plot.scales.get_scales("x")).__name__


def test_layers_follow_the_arguments(tokens):
    assert _layers(scores_by_limit(tokens)) == ["geom_ribbon", "geom_line"]
    assert _layers(scores_by_limit(tokens, stderr=None)) == ["geom_line"]
    assert _layers(scores_by_limit(tokens, other_termination_rate=True)) == [
        "geom_ribbon",
        "geom_line",
        "geom_line",
    ]
    plot = scores_by_limit(tokens, marks=[geom_hline(yintercept=0.5)])
    assert _layers(plot)[-1] == "geom_hline"


def test_model_defaults_to_the_display_name_else_the_model(tokens):
    plot = scores_by_limit(tokens)
    assert plot.layers[-1].mapping["color"] == "model_display_name"
    plot = scores_by_limit(tokens.drop(columns="model_display_name"))
    assert plot.layers[-1].mapping["color"] == "model"


def test_reference_shaped_frames_find_their_limit(tokens):
    """A frame shaped as inspect_viz's scores_by_limit_df: the limit is its column."""
    frame = tokens.rename(columns={"limit_value": "total_tokens"}).drop(
        columns=["limit_name", "limit_scale"]
    )
    plot = scores_by_limit(frame)
    assert plot.layers[-1].mapping["x"] == "total_tokens"
    assert plot.scales.get_scales("x").name == "Tokens (log scale)"
    assert _x_scale(plot) == "scale_x_log10"


@pytest.mark.parametrize(
    ("scale", "transform"),
    [("auto", "scale_x_log10"), ("log", "scale_x_log10"), ("linear", "scale_x_continuous")],
)
def test_scale(tokens, scale, transform):
    assert _x_scale(scores_by_limit(tokens, scale=scale)) == transform


def test_scale_must_be_known(tokens):
    with pytest.raises(ValueError, match="scale must be"):
        scores_by_limit(tokens, scale="sqrt")


@pytest.mark.parametrize(
    ("label", "expected"), [(None, None), ("Budget", "Budget"), (..., "Total time")]
)
def test_limit_label(time_rows, label, expected):
    kwargs = {} if label is ... else {"limit_label": label}
    assert scores_by_limit(time_rows, **kwargs).scales.get_scales("x").name == expected


def test_legend_position_and_none(tokens):
    assert scores_by_limit(tokens).theme.getp("legend_position") == "bottom"
    assert scores_by_limit(tokens, legend="right").theme.getp("legend_position") == "right"
    assert scores_by_limit(tokens, legend=None).theme.getp("legend_position") == "none"


def test_facets_only_when_faceted(tokens, by_task):
    assert type(scores_by_limit(tokens).facet).__name__ == "facet_null"
    assert list(scores_by_limit(by_task).facet.vars) == ["facet_value"]
    assert type(scores_by_limit(by_task, facet=None).facet).__name__ == "facet_null"


def test_returns_a_ggplot_that_takes_more_layers(tokens):
    plot = scores_by_limit(tokens)
    assert isinstance(plot, ggplot)
    assert _layers(plot + geom_hline(yintercept=0.5))[-1] == "geom_hline"


# ----------------------------------------------------------------------------- explaining


def test_the_caption_says_what_the_band_is(tokens):
    caption = scores_by_limit(tokens).labels.caption
    assert "95% band: normal, rate ± 1.96·SE; SE over independent samples" in caption
    assert "50 thresholds from 53 to 19.8k (log grid)" in caption
    clustered = tokens.assign(se_method="clustered", ci_method="wilson")
    assert "clustered by question" in scores_by_limit(clustered).labels.caption
    assert "caption" not in scores_by_limit(tokens, caption=None).labels
    assert scores_by_limit(tokens, caption="Mine").labels.caption == "Mine"


def test_the_caption_names_the_eval_budget(tokens):
    caption = scores_by_limit(_with_budget(tokens)).labels.caption
    assert "the eval's own budget (Model B: 3k)" in caption


def test_the_legend_gives_n_per_model(tokens, by_task):
    def labels(frame):
        scale = scores_by_limit(frame).scales.get_scales("color")
        return list(scale.labels)

    assert labels(tokens) == ["Model A (n=31)", "Model B (n=31)", "Model C (n=31)"]
    counts = by_task.groupby("model_display_name").sample_count.agg(["min", "max"])
    expected = [f"{m} (n={r['min']}–{r['max']})" for m, r in counts.iterrows()]
    assert labels(by_task) == expected


def test_a_model_without_samples_is_noted(tokens):
    frame = tokens[tokens.model != "mockllm/model-c"].copy()
    frame.attrs["models_without_samples"] = ["Model C"]
    assert "No samples for this limit: Model C" in scores_by_limit(frame).labels.caption


def test_dollars_in_the_caption_are_not_math(tokens):
    cost = tokens.assign(limit_name="cost", limit_value=tokens.limit_value / 1e5)
    caption = scores_by_limit(cost).labels.caption
    assert r"from \$0.00053 to \$0.198 (log grid)" in caption


def _messages(tokens):
    """The token rows as if the limit were message_count, on a linear grid from 2 to 4."""
    values = 2 + tokens.step_index * 2 / 49
    return tokens.assign(limit_name="message_count", limit_value=values, limit_scale="linear")


def test_counts_are_steps_with_whole_ticks(tokens, tmp_path):
    plot = scores_by_limit(_messages(tokens))
    drawn = [layer for layer in plot.layers if type(layer.geom).__name__ != "geom_blank"]
    stats = {type(layer.stat).__name__ for layer in drawn}
    assert stats == {"stat_steps"}
    assert plot.scales.get_scales("x").name == "Messages"
    axes = plot.draw().axes[0]
    assert [label.get_text() for label in axes.get_xticklabels()] == ["2", "3", "4"]


def test_time_is_not_a_step(time_rows):
    plot = scores_by_limit(time_rows)
    assert {type(layer.stat).__name__ for layer in plot.layers} <= {"stat_identity"}
