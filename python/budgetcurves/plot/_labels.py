"""The words and numbers on a figure: axis titles and ticks in the limit's unit, the
caption that says what the band is, n per model, and facet strips.

Everything here reads the mart's own columns (``ci_level``, ``ci_method``,
``se_method``, ``sample_count``, ``limit_scale``...) and returns text; nothing
changes the data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import pandas as pd
from mizani.breaks import breaks_extended, breaks_log

from ._frame import NOT_GIVEN, NotGivenType, limit_name, single_value

Labeller = Callable[[Sequence[float]], list[str]]


def short_number(values: Sequence[float]) -> list[str]:
    """Tick labels: ``500``, ``1k``, ``2.5M``, ``0.1`` (three significant digits)."""
    labels = []
    for value in values:
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k"), (1, "")):
            if abs(value) >= size or size == 1:
                labels.append(f"{value / size:.3g}{suffix}")
                break
    return labels


def dollars(values: Sequence[float]) -> list[str]:
    """``$0.0001``, ``$0.0123``, ``$1.5``, ``$1.5k``: three significant digits, never an
    exponent."""
    labels = []
    for value in values:
        if abs(value) >= 1000:
            labels.append(f"${short_number([value])[0]}")
            continue
        decimals = 0 if value == 0 else max(0, 2 - math.floor(math.log10(abs(value))))
        text = f"{value:.{decimals}f}"
        labels.append("$" + (text.rstrip("0").rstrip(".") if "." in text else text))
    return labels


def integers(values: Sequence[float]) -> list[str]:
    """``1``, ``2``, ``1,000``: counts."""
    return [f"{value:,.0f}" for value in values]


def integer_breaks(limits: Sequence[float]) -> list[float]:
    """Breaks at whole numbers only (a count has no 2.5)."""
    low, high = limits
    breaks = [b for b in breaks_extended(n=5)((low, high)) if float(b).is_integer()]
    if len(breaks) < 2:  # a narrow range: every whole number in it
        breaks = list(range(math.ceil(low), math.floor(high) + 1))
    return [float(b) for b in breaks]


#: Seconds in each unit of time a tick can be written in, smallest first.
TIME_UNITS = (("s", 1.0), ("min", 60.0), ("h", 3600.0))


def time_unit(high: float) -> tuple[str, float]:
    """The unit for an axis reaching ``high`` seconds: s up to 3 min, min up to 3 h."""
    unit = TIME_UNITS[0]
    for candidate in TIME_UNITS:
        if high >= 3 * candidate[1]:
            unit = candidate
    return unit


def time_breaks(log: bool) -> Callable[[Sequence[float]], list[float]]:
    """Breaks at round numbers of the axis's unit (s, min or h), not of seconds."""

    def breaks(limits: Sequence[float]) -> list[float]:
        _, size = time_unit(max(limits))
        low, high = (limit / size for limit in limits)
        found = breaks_log()((low, high)) if log else breaks_extended()((low, high))
        return [float(b) * size for b in found]

    return breaks


def time_labels(values: Sequence[float]) -> list[str]:
    """``30 s``, ``2 min``, ``1.5 h``, all in the unit of the largest value."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    name, size = time_unit(max(finite, default=0.0))
    return [f"{value / size:.3g} {name}" for value in values]


@dataclass(frozen=True)
class Unit:
    """How an axis of one kind of limit is titled and ticked."""

    title: str
    labels: Labeller
    breaks: Callable[[bool], Callable[[Sequence[float]], list[float]] | None] = lambda log: None
    #: The limit only takes whole values: the curve changes at integers (a step).
    integer: bool = False
    #: The same ticks on the interactive page (plotly's axis settings); hovered values
    #: get six significant digits (a threshold is not rounded to a tick).
    web_ticks: tuple[tuple[str, str], ...] = (("tickformat", "~s"), ("hoverformat", ",.6~g"))


def _count_breaks(log: bool) -> Callable[[Sequence[float]], list[float]] | None:
    return None if log else integer_breaks


_SECONDS = (("tickformat", "~g"), ("ticksuffix", " s"), ("hoverformat", ",.6~g"))
UNITS = {
    "total_tokens": Unit("Tokens", short_number, integer=True),
    "input_tokens": Unit("Input tokens", short_number, integer=True),
    "output_tokens": Unit("Output tokens", short_number, integer=True),
    "reasoning_tokens": Unit("Reasoning tokens", short_number, integer=True),
    "message_count": Unit(
        "Messages",
        integers,
        _count_breaks,
        integer=True,
        web_ticks=(("tickformat", ",d"), ("hoverformat", ",.6~g")),
    ),
    "cost": Unit("Cost", dollars, web_ticks=(("tickformat", "$~g"), ("hoverformat", "$,.6~g"))),
    "total_time": Unit("Total time", time_labels, time_breaks, web_ticks=_SECONDS),
    "working_time": Unit("Working time", time_labels, time_breaks, web_ticks=_SECONDS),
}


def unit_of(name: str) -> Unit:
    """The unit of a limit by name; another column's name in sentence case, short ticks."""
    if name in UNITS:
        return UNITS[name]
    if name.endswith("_tokens"):
        return Unit(name.replace("_", " ").capitalize(), short_number, integer=True)
    return Unit(name.replace("_", " ").capitalize(), short_number)


def limit_label(
    frame: pd.DataFrame, limit: str, label: str | None | NotGivenType, log: bool
) -> str | None:
    """The axis title: the limit's, ``(log scale)`` when it is, unless one was given
    (``None``: none)."""
    if label is not NOT_GIVEN:
        return label
    title = unit_of(limit_name(frame, limit)).title
    return f"{title} (log scale)" if log else title


# ----------------------------------------------------------------------------- caption


def _values(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame.columns:
        return []
    return sorted(str(v) for v in frame[column].dropna().unique())


def band_caption(frame: pd.DataFrame) -> str:
    """What the band is: its level, its method and how the standard error was taken.

    ``95% band: normal (rate ± 1.96 SE), SE over independent samples`` or
    ``90% band: Wilson score interval, SE clustered by question``. A Wilson build
    falls back to normal for a model with scores outside [0, 1]; the caption says so.
    The censoring-aware curve (an ``estimator`` column of ``cumulative_incidence``)
    is named on a line of its own before the band's.
    """
    level = single_value(frame, "ci_level", "band levels", "one build's rows")
    percent = f"{float(level) * 100:g}% band" if level is not None else "Band"
    methods = _values(frame, "ci_method")
    if methods == ["wilson"]:
        method = "Wilson score interval"
    elif methods == ["normal"] or not methods:
        method = "normal, rate ± z·SE" if level is None else f"normal, rate ± {_z(level):.3g}·SE"
    else:
        method = "Wilson score interval (normal for scores outside [0, 1])"
    se = _values(frame, "se_method")
    if se == ["clustered"]:
        clusters = " clustered by question"
    elif se == ["sample"]:
        clusters = " over independent samples"
    elif se == ["delta"]:
        clusters = " by the delta method"
    else:
        clusters = ""
    band = f"{percent}: {method}; SE{clusters}" if clusters else f"{percent}: {method}"
    if _values(frame, "estimator") == ["cumulative_incidence"]:
        return f"{CUMULATIVE_INCIDENCE}\n{band}"
    return band


#: What the censoring-aware curve is, in the caption (var estimator cumulative_incidence).
CUMULATIVE_INCIDENCE = (
    "Aalen-Johansen cumulative incidence: stopped samples censored at their eval's budget"
)


def _z(level: float | str) -> float:
    """The band's z for a two-sided ``level``: the standard normal's quantile.

    The standard library's (Wichura's AS241, ~1e-16 relative) rather than scipy's, whose
    import alone is ~0.45 s of a ``budgetcurves run``; the caption shows three digits.
    """
    return NormalDist().inv_cdf(0.5 + float(level) / 2)


def grid_caption(frame: pd.DataFrame, limit: str, log: bool, unit: Unit) -> str | None:
    """Where the thresholds start and end: ``50 thresholds from 53 to 19.9k (log grid)``."""
    values = frame[limit].dropna()
    if values.empty:
        return None
    steps = values.nunique()
    low, high = unit.labels([float(values.min()), float(values.max())])
    spacing = "log" if log else "linear"
    return f"{steps} thresholds from {low} to {high} ({spacing} grid)"


def sample_counts(frame: pd.DataFrame, model: str, count: str = "sample_count") -> dict[str, str]:
    """``n=31`` per model (``n=10–21`` when panels differ): the samples behind a curve."""
    if count not in frame.columns:
        return {}
    counts: dict[str, str] = {}
    for name, rows in frame.groupby(model, sort=True):
        values = rows[count].dropna()
        if values.empty:
            continue
        low, high = int(values.min()), int(values.max())
        counts[str(name)] = f"n={low}" if low == high else f"n={low}–{high}"
    return counts


def facet_labeller(frame: pd.DataFrame) -> Callable[[str], str]:
    """Strips that say what the panel is: ``task: arithmetic``, ``epoch: 1``."""
    name = single_value(frame, "facet_name", "facetings", "read_scores(db, facet=...)")
    if name is None or name == "all":
        return str
    short = name.removeprefix("metadata.").removesuffix("_name")
    return lambda value: f"{short}: {value}"
