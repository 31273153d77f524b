"""The grammar: small plotnine components that know the mart's column names.

Each ``geom_*`` here is added to a ggplot like any plotnine geom; when added it
looks at the plot's data (or its own ``data=``) to resolve its default columns
(``model_display_name`` or ``model``; ``limit_value`` or the reference's
``total_tokens``/...), checks them, and adds a plotnine layer. A geom also
brings the scales its picture needs unless the plot already has them: the
stable colour per model (:func:`scale_color_model`), the limit axis
(:func:`scale_limit_x`) and the rate axis. So::

    ggplot(frame) + geom_ci_band() + geom_success_curve()

draws what ``scores_by_limit(frame)`` draws, less its theme and size. Adding
:func:`scale_limit_x` or :func:`scale_color_model` afterwards replaces the
default a geom brought, silently; any other plotnine scale replaces it as
plotnine always does (with its "scale already present" note).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from plotnine import (
    aes,
    element_blank,
    element_text,
    expand_limits,
    geom_line,
    geom_ribbon,
    geom_vline,
    ggplot,
    guide_legend,
    scale_color_manual,
    scale_size_identity,
    scale_x_continuous,
    scale_x_log10,
    scale_y_continuous,
    theme,
    theme_minimal,
)
from plotnine.stats.stat import stat

from ..frames._shape import as_frame, require
from ._colors import model_colors
from ._frame import (
    DEFAULT_MODEL,
    NOT_GIVEN,
    NotGivenType,
    limit_column,
    limit_name,
    model_column,
)
from ._labels import limit_label, sample_counts, unit_of

Scale = Literal["auto", "log", "linear"]
#: Marks the scales a geom brought by default, which our own scale components replace.
_DEFAULT = "_budgetcurves_default"
#: The font of every picture: ships with matplotlib, so a figure is the same on any machine.
BASE_FAMILY = "DejaVu Sans"


class _Component:
    """Something added to a ggplot that resolves its columns against the plot's data."""

    def __init__(self, data: Any = None) -> None:
        self.data = data

    def _frame(self, plot: ggplot) -> pd.DataFrame:
        return as_frame(self.data if self.data is not None else plot.data)

    def __radd__(self, plot: ggplot) -> ggplot:
        self.add_to(plot, self._frame(plot))
        return plot

    def add_to(self, plot: ggplot, frame: pd.DataFrame) -> None:
        raise NotImplementedError


def _has_scale(plot: ggplot, aesthetic: str) -> bool:
    return any(plot.scales.find(aesthetic))


def _add_default(plot: ggplot, scale: Any, aesthetic: str) -> None:
    """Add ``scale`` unless the plot has a scale for ``aesthetic`` already."""
    if not _has_scale(plot, aesthetic):
        setattr(scale, _DEFAULT, True)
        plot.scales.append(scale)


def _replace_default(plot: ggplot, scale: Any) -> None:
    """Add ``scale`` in place of one of ours (a geom's default, or an earlier piece of
    this module) for the same aesthetics; it can itself be replaced the same way."""
    for existing in [s for s in plot.scales if getattr(s, _DEFAULT, False)]:
        if set(existing.aesthetics) & set(scale.aesthetics):
            plot.scales.remove(existing)
    setattr(scale, _DEFAULT, True)
    plot.scales.append(scale)


# ----------------------------------------------------------------------------- scales


def use_log_scale(frame: pd.DataFrame, limit: str, scale: Scale = "auto") -> bool:
    """Whether the limit axis is logarithmic.

    ``log``/``linear`` as asked; ``auto`` follows the mart's ``limit_scale`` (the grid's
    own choice), and for frames without it the grid's rule: log when max / min >= 100
    (a zero minimum, an infinite ratio, counts as log; a log axis needs a positive max).
    """
    if scale not in ("auto", "log", "linear"):
        raise ValueError(f"scale must be 'auto', 'log' or 'linear', not '{scale}'")
    if scale != "auto":
        return scale == "log"
    if "limit_scale" in frame.columns and frame["limit_scale"].notna().any():
        return bool((frame["limit_scale"].dropna() == "log").all())
    values = frame[limit].dropna()
    if values.empty or values.max() <= 0 or values.min() < 0:
        return False
    return bool(values.min() == 0 or values.max() / values.min() >= 100)


class scale_limit_x(_Component):
    """The limit axis: log or linear by the grid's rule, titled by the limit and its
    scale (``Tokens (log scale)``), ticked in its unit (1k tokens, $0.01, 2 min, whole
    messages).

    Args:
       scale: ``auto`` (the mart's ``limit_scale``; else log when max / min >= 100),
          ``log`` or ``linear``.
       limit: The x column (default ``limit_value``, else the reference's columns).
       limit_label: The axis title (default from the limit; ``None`` for none).
       data: Data to resolve against instead of the plot's.
       **kwargs: Passed to plotnine's ``scale_x_log10``/``scale_x_continuous``.
    """

    def __init__(
        self,
        scale: Scale = "auto",
        limit: str | None = None,
        limit_label: str | None | NotGivenType = NOT_GIVEN,
        *,
        data: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data)
        self.scale, self.limit, self.limit_label, self.kwargs = scale, limit, limit_label, kwargs

    def build(self, frame: pd.DataFrame) -> Any:
        limit = limit_column(frame, self.limit)
        log = use_log_scale(frame, limit, self.scale)
        unit = unit_of(limit_name(frame, limit))
        kwargs: dict[str, Any] = {
            "name": limit_label(frame, limit, self.limit_label, log),
            "labels": unit.labels,
        }
        breaks = unit.breaks(log)
        if breaks is not None:
            kwargs["breaks"] = breaks
        kwargs.update(self.kwargs)
        return scale_x_log10(**kwargs) if log else scale_x_continuous(**kwargs)

    def add_to(self, plot: ggplot, frame: pd.DataFrame) -> None:
        _replace_default(plot, self.build(frame))


class scale_color_model(_Component):
    """Colour and fill by model from :func:`model_colors`: the same in every plot.

    Colours are keyed by the ``model`` column (the Inspect name) when the data has
    one, so a model keeps its colour whether the legend shows its display name or
    not; the legend lists the ``model`` argument's values.

    Args:
       model: The model column (default ``model_display_name``, else ``model``).
       among: Inspect names to share the palette out among (with the data's own),
          e.g. every model of a study: colours then stay fixed across its subsets.
       name: The legend's title.
       counts: A column of sample counts (``sample_count``): each legend entry then
          says its model's n, ``Model A (n=31)``.
       data: Data to resolve against instead of the plot's.
       **kwargs: Passed to plotnine's ``scale_color_manual``.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        among: Iterable[str] = (),
        name: str | None = "Model",
        counts: str | None = None,
        data: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data)
        self.model, self.among, self.name, self.kwargs = model, tuple(among), name, kwargs
        self.counts = counts

    def build(self, frame: pd.DataFrame) -> Any:
        model = model_column(frame, self.model)
        key = "model" if "model" in frame.columns else model
        pairs = sorted(
            {
                (str(s), str(k))
                for s, k in zip(frame[model], frame[key], strict=True)
                if not pd.isna(s)
            }
        )
        colors = model_colors([*self.among, *(keyed for _, keyed in pairs)])
        values: dict[str, str] = {}
        for shown, keyed in pairs:
            values.setdefault(shown, colors[keyed])
        breaks = sorted(values)
        labels = legend_labels(frame, model, breaks, self.counts)
        kwargs: dict[str, Any] = {"labels": labels} if labels != breaks else {}
        return scale_color_manual(
            values=values,
            breaks=breaks,
            aesthetics=["color", "fill"],
            name=self.name,
            **kwargs,
            **self.kwargs,
        )

    def add_to(self, plot: ggplot, frame: pd.DataFrame) -> None:
        _replace_default(plot, self.build(frame))


def legend_labels(
    frame: pd.DataFrame, model: str, names: Sequence[str], counts: str | None
) -> list[str]:
    """Each model's legend entry: its name (shortened past :data:`LEGEND_CHARS`, so one
    long name does not push the others out of the figure), and its n when ``counts``
    names a column."""
    if counts is None:
        return [shorten(name) for name in names]
    require(frame, counts)
    n = sample_counts(frame, model, counts)
    return [f"{shorten(name)} ({n[name]})" if name in n else shorten(name) for name in names]


#: The most characters of a model's name a legend entry shows.
LEGEND_CHARS = 60


def shorten(name: str, most: int = LEGEND_CHARS) -> str:
    """``name`` as its start and end around an ellipsis when longer than ``most``
    characters (the end too: names that differ only there stay told apart)."""
    if len(name) <= most:
        return name
    tail = most // 3
    return f"{name[: most - tail - 1]}\u2026{name[-tail:]}"


def _rate_axis() -> list[Any]:
    return [
        scale_y_continuous(name="Success rate", breaks=[0, 0.25, 0.5, 0.75, 1]),
        expand_limits(y=(0, 1)),
    ]


# ----------------------------------------------------------------------------- geoms


class _Geom(_Component):
    """A plotnine geom of mart columns against the limit, coloured (or filled) by model.

    ``columns`` maps the geom's aesthetics to column names (``{"y": "success_rate"}``);
    ``by`` are the aesthetics the model maps to.
    """

    geom: Any
    by: tuple[str, ...] = ("color",)

    def __init__(
        self,
        model: str,
        columns: dict[str, str],
        limit: str | None,
        data: Any,
        kwargs: dict[str, Any],
    ) -> None:
        super().__init__(data)
        self.model, self.columns, self.limit, self.kwargs = model, columns, limit, kwargs

    def add_to(self, plot: ggplot, frame: pd.DataFrame) -> None:
        model = model_column(frame, self.model)
        limit = limit_column(frame, self.limit)
        require(frame, *self.columns.values())
        mapping = aes(x=limit, **self.columns, **dict.fromkeys(self.by, model))
        plot += self.layer(mapping, frame, model, limit)
        _add_default(plot, scale_limit_x(limit=limit).build(frame), "x")
        if not _has_scale(plot, "color") and not _has_scale(plot, "fill"):
            _add_default(plot, scale_color_model(model).build(frame), "color")
        if not _has_scale(plot, "y"):
            y_scale, limits = _rate_axis()
            _add_default(plot, y_scale, "y")
            plot += limits

    def layer(self, mapping: aes, frame: pd.DataFrame, model: str, limit: str) -> Any:
        kwargs = {"stat": stat_steps, **self.kwargs} if is_step_limit(frame, limit) else self.kwargs
        # the layer's own data (converted) when it was given one; else the plot's
        return self.geom(mapping, data=frame if self.data is not None else None, **kwargs)


#: The widest and narrowest line of a plot's curves (mm, plotnine's ``size``).
LINE_WIDTHS = (1.6, 0.8)
#: The column of a curve layer's data holding each line's width.
WIDTH = "_line_width"


def nested_widths(
    models: Iterable[object], widths: tuple[float, float] = LINE_WIDTHS
) -> dict[str, float]:
    """A width per model, widest first in drawing order (by name): a line drawn on top
    of another is narrower, so where curves coincide each still shows as an edge."""
    names = sorted({str(m) for m in models})
    widest, narrowest = widths
    if len(names) == 1:
        return {names[0]: narrowest}
    step = (widest - narrowest) / (len(names) - 1)
    return {name: widest - i * step for i, name in enumerate(names)}


def is_step_limit(frame: pd.DataFrame, limit: str) -> bool:
    """Whether the curve is drawn as steps: a limit that only takes whole values
    (messages, tokens). Its rate changes only at integers, so from one threshold to
    the next it holds (the value known at the left threshold), then jumps; a slope
    between them would draw values no threshold has."""
    return unit_of(limit_name(frame, limit)).integer


class stat_steps(stat):
    """Each point held until the next one's x, then a jump: steps for any geom (a
    ribbon as well as a line), where plotnine's ``geom_step`` draws lines only."""

    REQUIRED_AES = {"x"}
    DEFAULT_PARAMS = {"geom": "line", "position": "identity", "na_rm": False}

    def compute_group(self, data: pd.DataFrame, scales: Any) -> pd.DataFrame:
        data = data.sort_values("x", kind="stable").reset_index(drop=True)
        held = data.iloc[:-1].assign(x=data["x"].to_numpy()[1:])
        # point i, then point i again at x of i + 1, then point i + 1, ...
        order = np.concatenate([np.arange(len(data)) * 2, np.arange(len(held)) * 2 + 1])
        steps = pd.concat([data, held], ignore_index=True)
        return steps.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


class geom_success_curve(_Geom):
    """The success rate at each limit: one line per model.

    Lines are nested: the first model by name is drawn widest, each next one narrower
    on top of it, so lines that coincide (two models at 0) stay visible. A limit that
    only takes whole values (messages, tokens) is drawn as steps.

    Args:
       model: The model column (default ``model_display_name``, else ``model``).
       success: The success-rate column.
       limit: The x column (default ``limit_value``, else the reference's columns).
       data: Data for this layer instead of the plot's.
       **kwargs: Passed to plotnine's ``geom_line`` or ``geom_step`` (``size`` gives
          every line that one width, ``alpha``, ...).
    """

    geom = geom_line

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        success: str = "success_rate",
        limit: str | None = None,
        *,
        data: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(model, {"y": success}, limit, data, kwargs)

    def layer(self, mapping: aes, frame: pd.DataFrame, model: str, limit: str) -> Any:
        kwargs = {"stat": stat_steps, **self.kwargs} if is_step_limit(frame, limit) else self.kwargs
        if "size" in kwargs:
            return geom_line(mapping, data=frame if self.data is not None else None, **kwargs)
        widths = nested_widths(frame[model].dropna())
        data = frame.assign(**{WIDTH: frame[model].astype(str).map(widths)})
        return geom_line(aes(size=WIDTH, **mapping), data=data, **kwargs)

    def add_to(self, plot: ggplot, frame: pd.DataFrame) -> None:
        super().add_to(plot, frame)
        if "size" not in self.kwargs:
            _add_default(plot, scale_size_identity(), "size")


class geom_ci_band(_Geom):
    """The mart's confidence band (``ci_lower`` to ``ci_upper``, at its ``ci_level``).

    A light fill, so that several bands layer, with each band's edges drawn thin in
    its model's colour, so that which band is whose stays readable. The band is
    computed in SQL; a band at another level comes from a build with
    ``--ci`` (or the var ``ci_level``), not from here.

    Args:
       model: The model column (default ``model_display_name``, else ``model``).
       ci_lower: The band's lower edge.
       ci_upper: The band's upper edge.
       limit: The x column (default ``limit_value``, else the reference's columns).
       data: Data for this layer instead of the plot's.
       **kwargs: Passed to plotnine's ``geom_ribbon`` (default ``alpha=0.08``, edges
          ``size=0.3``).
    """

    geom = geom_ribbon
    by = ("fill", "color")

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        ci_lower: str = "ci_lower",
        ci_upper: str = "ci_upper",
        limit: str | None = None,
        *,
        data: Any = None,
        **kwargs: Any,
    ) -> None:
        band = {"ymin": ci_lower, "ymax": ci_upper}
        edges = {"alpha": 0.08, "size": 0.3, "outline_type": "both", **kwargs}
        super().__init__(model, band, limit, data, edges)


class geom_other_termination(_Geom):
    """The rate of samples that failed below the limit: a dashed line per model.

    Args:
       model: The model column (default ``model_display_name``, else ``model``).
       other_termination_rate: The rate's column.
       limit: The x column (default ``limit_value``, else the reference's columns).
       data: Data for this layer instead of the plot's.
       **kwargs: Passed to plotnine's ``geom_line`` (default dashed, thinner).
    """

    geom = geom_line

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        other_termination_rate: str = "other_termination_rate",
        limit: str | None = None,
        *,
        data: Any = None,
        **kwargs: Any,
    ) -> None:
        dashed = {"linetype": "dashed", "size": 0.6, **kwargs}
        super().__init__(model, {"y": other_termination_rate}, limit, data, dashed)


class geom_eval_budget(_Component):
    """The eval's own budget: a dotted vertical line per model (and facet) at the
    limit its eval set (``token_limit``, ``time_limit``, ...). Beyond it the curve is
    censored, not measured: samples stopped there, and no larger budget was tried.
    Curves without one (``eval_budget`` null) get no line, so adding this to any plot
    is harmless.

    Args:
       model: The model column (default ``model_display_name``, else ``model``).
       eval_budget: The budget's column.
       data: Data for this layer instead of the plot's.
       **kwargs: Passed to plotnine's ``geom_vline`` (default dotted).
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        eval_budget: str = "eval_budget",
        *,
        data: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data)
        self.model, self.eval_budget = model, eval_budget
        self.kwargs = {"linetype": "dotted", "size": 0.7, "show_legend": False, **kwargs}

    def budgets(self, frame: pd.DataFrame) -> pd.DataFrame:
        """One row per curve with a budget: the model, its facet and the budget."""
        model = model_column(frame, self.model)
        require(frame, self.eval_budget)
        candidates = dict.fromkeys([model, "model", "facet_name", "facet_value"])
        keys = [c for c in candidates if c in frame.columns]
        rows = frame.loc[frame[self.eval_budget].notna(), [*keys, self.eval_budget]]
        return rows.drop_duplicates().reset_index(drop=True)

    def add_to(self, plot: ggplot, frame: pd.DataFrame) -> None:
        budgets = self.budgets(frame)
        if budgets.empty:
            return
        model = model_column(frame, self.model)
        mapping = aes(xintercept=self.eval_budget, color=model)
        plot += geom_vline(mapping, data=budgets, **self.kwargs)


# ----------------------------------------------------------------------------- theme


class theme_budgetcurves(theme_minimal):
    """``theme_minimal`` with the legend below the panel, where long model names fit,
    and a small left-aligned caption under it (what the band is, the grid).

    Args:
       base_size: Base font size in points.
       base_family: Font family (default DejaVu Sans, which ships with matplotlib, so
          a figure renders the same on every machine).
    """

    def __init__(self, base_size: float = 11, base_family: str | None = BASE_FAMILY):
        super().__init__(base_size, base_family)  # type: ignore[no-untyped-call]
        self += theme(
            legend_position="bottom",
            legend_title=element_blank(),
            legend_key_width=22,
            panel_grid_minor=element_blank(),
            plot_title=element_text(weight="bold", margin={"b": 8, "unit": "pt"}),
            strip_text=element_text(weight="bold"),
            plot_caption=element_text(
                ha="left", size=0.75 * base_size, color="#444444", linespacing=1.4
            ),
        )
        # labels are data (model and task names, titles): `$...$` in one is text, not
        # math, and markup matplotlib cannot parse cannot stop the drawing
        # (plotnine annotates _rcParams as holding strings; matplotlib's value is a bool)
        self._rcParams["text.parse_math"] = False  # type: ignore[assignment]


def legend_guide(
    labels: Sequence[str], width_px: float, dpi: float = 100, base_size: float = 11
) -> Any:
    """A legend in as many columns as fit across ``width_px``, so that long model names
    take more rows rather than squeezing the panel (entries fill rows, left to right)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    font = FontProperties(family=BASE_FAMILY, size=0.8 * base_size)  # the legend text
    measure = TextToPath()
    widths = [measure.get_text_width_height_descent(t, font, ismath=False)[0] for t in labels]
    # the 22 pt key, the gaps beside the text; points to pixels at dpi
    entries = [(w + 22 + 14) * dpi / 72 for w in widths]
    ncol = 1
    for n in range(len(entries), 1, -1):
        columns = [max(entries[i::n]) for i in range(n)]
        if sum(columns) <= 0.95 * width_px:
            ncol = n
            break
    return guide_legend(ncol=ncol, byrow=True)
