"""The words and numbers on a figure: ticks in the limit's unit, the caption, n, strips."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy.stats import norm

from budgetcurves.plot._labels import (
    band_caption,
    dollars,
    facet_labeller,
    grid_caption,
    integer_breaks,
    integers,
    sample_counts,
    time_breaks,
    time_labels,
    unit_of,
)


def test_dollars_never_take_an_exponent():
    assert dollars([0.0001, 0.00001, 0.0123456, 1.5, 0, 10, 2500]) == [
        "$0.0001",
        "$0.00001",
        "$0.0123",
        "$1.5",
        "$0",
        "$10",
        "$2.5k",
    ]


def test_counts_have_whole_ticks():
    assert integer_breaks((2.0, 4.0)) == [2.0, 3.0, 4.0]
    assert integer_breaks((1.0, 1.5)) == [1.0]
    assert all(b.is_integer() for b in integer_breaks((0.0, 37.0)))
    assert integers([2.0, 3.0, 1000.0]) == ["2", "3", "1,000"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.2, 0.4, 0.6], ["0.2 s", "0.4 s", "0.6 s"]),
        ([0, 300, 600], ["0 min", "5 min", "10 min"]),
        ([3600, 7200, 14400], ["1 h", "2 h", "4 h"]),
    ],
)
def test_time_in_seconds_minutes_or_hours(values, expected):
    assert time_labels(values) == expected


def test_time_breaks_are_round_in_the_axis_unit():
    breaks = time_breaks(log=False)((0.0, 1500.0))  # 25 min: ticks at whole minutes
    assert breaks and all((b / 60).is_integer() for b in breaks)
    seconds = [b for b in time_breaks(log=False)((0.0, 0.7)) if b <= 0.7]  # plotnine drops the rest
    assert seconds == pytest.approx([0, 0.2, 0.4, 0.6], abs=1e-12)


def test_units_by_limit():
    assert unit_of("message_count").integer and unit_of("total_tokens").integer
    assert unit_of("output_tokens").title == "Output tokens"
    assert not unit_of("total_time").integer
    assert unit_of("cost").labels is dollars
    assert unit_of("my_metric").title == "My metric"


def _band(level=0.95, ci="normal", se="sample") -> pd.DataFrame:
    return pd.DataFrame({"ci_level": [level] * 2, "ci_method": ci, "se_method": se})


def test_the_caption_says_level_method_and_clustering():
    z = norm.ppf(0.975)  # 1.959963...
    assert f"{z:.3g}" == "1.96"
    assert band_caption(_band()) == (
        "95% band: normal, rate ± 1.96·SE; SE over independent samples"
    )
    assert band_caption(_band(0.9, "wilson", "clustered")) == (
        "90% band: Wilson score interval; SE clustered by question"
    )
    z90 = norm.ppf(0.95)
    assert f"± {z90:.3g}·SE" in band_caption(_band(0.9))
    mixed = pd.DataFrame({"ci_level": [0.95, 0.95], "ci_method": ["wilson", "normal"]})
    assert "normal for scores outside [0, 1]" in band_caption(mixed)


def test_the_grid_caption_gives_its_ends_in_the_unit():
    frame = pd.DataFrame({"limit_value": [53.0, 500.0, 19781.0]})
    assert grid_caption(frame, "limit_value", True, unit_of("total_tokens")) == (
        "3 thresholds from 53 to 19.8k (log grid)"
    )


def test_n_per_model_and_per_panel():
    frame = pd.DataFrame({"model": ["a", "a", "b", "b", "b"], "sample_count": [31, 31, 11, 20, 20]})
    assert sample_counts(frame, "model") == {"a": "n=31", "b": "n=11–20"}


def test_strips_name_the_faceting():
    assert facet_labeller(pd.DataFrame({"facet_name": ["epoch"]}))("1") == "epoch: 1"
    task = facet_labeller(pd.DataFrame({"facet_name": ["task_name"]}))
    assert task("geography") == "task: geography"
    meta = facet_labeller(pd.DataFrame({"facet_name": ["metadata.difficulty"]}))
    assert meta("hard") == "difficulty: hard"
