"""The grammar: each layer alone, and composed into scores_by_limit's picture."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread
from plotnine import ggplot, scale_color_manual, theme, theme_minimal

from budgetcurves.plot import (
    geom_ci_band,
    geom_other_termination,
    geom_success_curve,
    model_colors,
    scale_color_model,
    scale_limit_x,
    scores_by_limit,
    theme_budgetcurves,
)
from budgetcurves.plot._labels import short_number
from budgetcurves.plot._layers import nested_widths, stat_steps, use_log_scale

from .conftest import save_png

SIZE = theme(figure_size=(7, 7 / 1.618), dpi=100)


def _pixels(plot, path):
    return imread(save_png(plot, path))


def test_the_grammar_draws_scores_by_limit(tokens, tmp_path):
    """ggplot + geom_ci_band + geom_success_curve, in scores_by_limit's theme: the same pixels."""
    composed = (
        ggplot(tokens)
        + geom_ci_band()
        + geom_success_curve()
        + theme_budgetcurves()
        + theme(legend_position="none")
        + SIZE
    )
    ours = scores_by_limit(tokens, legend=None, caption=None)
    np.testing.assert_array_equal(
        _pixels(composed, tmp_path / "a.png"), _pixels(ours, tmp_path / "b.png")
    )


def test_geoms_bring_their_scales(tokens):
    plot = ggplot(tokens) + geom_success_curve()
    assert type(plot.scales.get_scales("x")).__name__ == "scale_x_log10"
    assert plot.scales.get_scales("x").name == "Tokens (log scale)"
    assert plot.scales.get_scales("y").name == "Success rate"
    colors = plot.scales.get_scales("color")
    assert set(colors.aesthetics) == {"color", "fill"}


def test_our_scales_replace_the_defaults_silently(tokens):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot = (
            ggplot(tokens)
            + geom_ci_band()
            + geom_success_curve()
            + scale_limit_x(scale="linear", limit_label="Budget")
            + scale_color_model(model="model")
        )
    assert [type(s).__name__ for s in plot.scales].count("scale_x_continuous") == 1
    assert plot.scales.get_scales("x").name == "Budget"
    assert plot.scales.get_scales("x").__class__.__name__ == "scale_x_continuous"


def test_a_users_scale_added_first_is_kept(tokens):
    mine = scale_color_manual(values=["red", "green", "blue"], aesthetics=["color", "fill"])
    plot = ggplot(tokens) + mine + geom_ci_band() + geom_success_curve()
    assert plot.scales.get_scales("color") is not None
    assert not any(
        getattr(s, "_budgetcurves_default", False) for s in plot.scales if "color" in s.aesthetics
    )
    plot.draw()


def test_colours_are_keyed_by_the_inspect_name(tokens):
    """The legend shows display names; the colours are those of the models' own names."""
    scale = scale_color_model().build(tokens)
    expected = model_colors(tokens["model"])
    shown = dict(zip(tokens["model_display_name"], tokens["model"], strict=True))
    assert scale.palette(3) == {name: expected[model] for name, model in shown.items()}


def test_layers_take_their_own_data(tokens, time_rows):
    plot = ggplot() + geom_success_curve(data=time_rows)
    # the rows given, with each line's width beside them
    pd.testing.assert_frame_equal(plot.layers[0]._data[time_rows.columns], time_rows)
    assert plot.scales.get_scales("x").name == "Total time"
    plot.draw()


def test_layers_without_data():
    with pytest.raises(ValueError, match="no data"):
        ggplot() + geom_success_curve()


@pytest.mark.parametrize(
    ("layer", "column"),
    [
        (geom_success_curve(success="rate"), "rate"),
        (geom_ci_band(ci_upper="upper"), "upper"),
        (geom_other_termination(other_termination_rate="ot"), "ot"),
        (geom_success_curve(model="who"), "who"),
        (geom_ci_band(limit="budget"), "budget"),
        (scale_limit_x(limit="budget"), "budget"),
        (scale_color_model(model="who"), "who"),
    ],
)
def test_layers_name_a_missing_column(tokens, layer, column):
    with pytest.raises(ValueError, match=f"Required column '{column}' not found in data"):
        ggplot(tokens) + layer


def test_other_termination_is_dashed(tokens):
    plot = ggplot(tokens) + geom_other_termination()
    assert plot.layers[0].geom.aes_params["linetype"] == "dashed"
    assert plot.layers[0].mapping["y"] == "other_termination_rate"


def test_theme_is_theme_minimal_plus(tokens):
    ours = theme_budgetcurves()
    assert isinstance(ours, theme_minimal)
    assert ours.getp("legend_position") == "bottom"
    assert theme_budgetcurves(base_family="DejaVu Serif").getp(("text", "family")) == (
        "DejaVu Serif"
    )


@pytest.mark.parametrize(
    ("values", "log"),
    [
        ([1, 50], False),
        ([1, 100], True),
        ([0, 5], True),  # a zero minimum is an infinite ratio, as the grid says
        ([-1, 500], False),
        ([0, 0], False),
    ],
)
def test_auto_scale_rule_without_the_marts_column(values, log):
    assert use_log_scale(pd.DataFrame({"x": values}), "x") is log


def test_auto_scale_follows_the_marts_choice(tokens):
    assert use_log_scale(tokens, "limit_value") is True
    assert use_log_scale(tokens.assign(limit_scale="linear"), "limit_value") is False


def test_short_numbers():
    assert short_number([0.05, 1, 250, 1000, 12500, 3e6, 2e9]) == [
        "0.05",
        "1",
        "250",
        "1k",
        "12.5k",
        "3M",
        "2B",
    ]


def test_colours_shared_out_among_a_whole_study(tokens):
    """`among`: a subset gets the colours its models have among all of the study's."""
    study = [*tokens["model"].unique(), "openai/gpt-4o", "anthropic/claude-opus-4-20250514"]
    subset = tokens[tokens["model"] == "mockllm/model-b"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replaces scores_by_limit's own scale silently
        plot = scores_by_limit(subset) + scale_color_model(among=study)
    assert plot.scales.get_scales("color").palette(1) == {
        "Model B": model_colors(study)["mockllm/model-b"]
    }


def test_steps_hold_each_value_until_the_next_x():
    data = pd.DataFrame({"x": [4.0, 1.0, 2.0], "y": [1.0, 0.0, 0.5], "ymax": [1.0, 0.2, 0.7]})
    steps = stat_steps().compute_group(data, None)
    assert steps.x.tolist() == [1.0, 2.0, 2.0, 4.0, 4.0]
    assert steps.y.tolist() == [0.0, 0.0, 0.5, 0.5, 1.0]
    assert steps.ymax.tolist() == [0.2, 0.2, 0.7, 0.7, 1.0]


def test_lines_are_nested_widest_first():
    assert nested_widths(["b", "a", "c", "a"]) == pytest.approx({"a": 1.6, "b": 1.2, "c": 0.8})
    assert nested_widths(["only"]) == {"only": 0.8}


def test_coinciding_lines_both_show(tokens, tmp_path):
    """Two models at the same rates: the one drawn first still shows beside the other."""
    same = tokens.copy()
    same.loc[same.model == "mockllm/model-b", "success_rate"] = same.loc[
        same.model == "mockllm/model-a", "success_rate"
    ].to_numpy()
    plot = scores_by_limit(same[same.model != "mockllm/model-c"], stderr=None, caption=None)
    image = _pixels(plot, tmp_path / "same.png")
    colors = {tuple(round(c * 255) for c in px[:3]) for px in image.reshape(-1, 4)}
    palette = model_colors(["mockllm/model-a", "mockllm/model-b"])
    for hex_color in palette.values():
        rgb = tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
        assert rgb in colors, hex_color
