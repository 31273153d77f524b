"""``scores_by_limit``: the layers composed into the reference's picture, as a ggplot.

Data in, a ggplot out: no SQL, no reshaping (the mart holds every number drawn).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from plotnine import facet_wrap, ggplot, guides, labs, theme

from .._figure import GOLDEN, check_size
from ..frames._shape import HEADROOM, MODELS_WITHOUT_SAMPLES, as_frame, require
from ._frame import (
    DEFAULT_MODEL,
    NOT_GIVEN,
    NotGivenType,
    is_faceted,
    limit_column,
    limit_name,
    model_column,
    single_value,
)
from ._labels import band_caption, facet_labeller, grid_caption, unit_of
from ._layers import (
    Scale,
    geom_ci_band,
    geom_eval_budget,
    geom_other_termination,
    geom_success_curve,
    legend_guide,
    legend_labels,
    scale_color_model,
    scale_limit_x,
    theme_budgetcurves,
    use_log_scale,
)

LegendPosition = Literal["bottom", "right", "top", "left"]


def scores_by_limit(
    data: Any,
    model: str = DEFAULT_MODEL,
    success: str = "success_rate",
    stderr: str | None = "standard_error",
    facet: str | None | NotGivenType = NOT_GIVEN,
    other_termination_rate: str | bool = False,
    limit: str | None = None,
    limit_label: str | None | NotGivenType = NOT_GIVEN,
    scale: Scale = "auto",
    title: str | None = None,
    marks: Iterable[Any] | None = None,
    height: float | None = None,
    width: float = 700,
    legend: LegendPosition | None | NotGivenType = NOT_GIVEN,
    ci: float | None = None,
    *,
    ci_lower: str = "ci_lower",
    ci_upper: str = "ci_upper",
    dpi: float = 100,
    caption: str | None | NotGivenType = NOT_GIVEN,
) -> ggplot:
    """Success rate as a function of a resource limit: a line per model and its band.

    The arguments mirror ``inspect_viz.view.scores_by_limit``; the returned ggplot
    displays itself in a notebook, saves as PNG/SVG/PDF, and takes more layers.

    Args:
       data: The mart's rows for one limit (``read_scores``, ``scores_by_limit_df``)
          as a pandas frame, pyarrow table or DuckDB relation.
       model: The model column (default ``model_display_name`` when present, else
          ``model``).
       success: The success-rate column.
       stderr: The standard-error column; ``None`` draws no band. The band itself
          is the mart's ``ci_lower``/``ci_upper`` (SQL computes, Python draws).
       facet: The column to facet by. Default: ``facet_value`` when the rows are
          one of the mart's facetings (``read_scores(db, facet="task_name")``);
          ``None``: no facets.
       other_termination_rate: ``True`` (or a column name) adds a dashed line per
          model: the rate of samples that failed below the limit.
       limit: The x column (default ``limit_value``, else the first of
          ``total_tokens``, ``total_time``, ``working_time``).
       limit_label: The x axis title (default from the limit, as the reference's;
          ``None`` for none).
       scale: ``auto`` (the grid's own: log when max / min >= 100), ``log`` or
          ``linear``.
       title: The plot's title.
       marks: More plotnine components to add (or add them to the result with ``+``).
       height: Pixels at ``dpi`` (default ``width / 1.618``).
       width: Pixels at ``dpi`` (default 700). SVG and PDF get the same inches.
       legend: Where the legend goes (default ``bottom``); ``None`` for none.
       ci: The band's confidence level, checked against the data's ``ci_level``:
          a band at another level needs a build with ``--ci`` (default: the data's).
       ci_lower: The band's lower edge.
       ci_upper: The band's upper edge.
       dpi: Dots per inch of raster output (default 100).
       caption: The text under the plot. Default: what the band is (level, method,
          "clustered by question"), the grid's thresholds, what the dashed and
          dotted lines mean, and the models the data names (``frame.attrs``, as
          ``read_scores`` sets) that have no samples for this limit; ``None``: none.
          The legend gives each model's n when the data has ``sample_count``.

    Raises:
       ValueError: naming a column that is not in the data, the limits when the
          data holds several, or a ``ci`` the band was not built at.
    """
    frame = as_frame(data)
    model = model_column(frame, model)
    limit = limit_column(frame, limit)
    require(frame, success, stderr)
    if other_termination_rate is True:
        other_termination_rate = "other_termination_rate"
    if facet is NOT_GIVEN:
        facet = "facet_value" if is_faceted(frame) else None
    require(frame, facet)
    if stderr is not None and ci is not None:
        _check_ci(frame, ci)
    height = width / GOLDEN if height is None else height
    check_size(width, height, dpi)

    counts = "sample_count" if "sample_count" in frame.columns else None
    plot = (
        ggplot(frame)
        + scale_color_model(model, counts=counts)
        + scale_limit_x(scale, limit, limit_label)
    )
    if stderr is not None:
        plot += geom_ci_band(model, ci_lower, ci_upper, limit)
    if other_termination_rate:
        plot += geom_other_termination(model, other_termination_rate, limit)
    plot += geom_success_curve(model, success, limit)
    has_budget = "eval_budget" in frame.columns and bool(frame["eval_budget"].notna().any())
    if has_budget:
        plot += geom_eval_budget(model)
    if facet:
        # plotnine documents a callable labeller; its annotation lists only the names
        plot += facet_wrap(facet, labeller=facet_labeller(frame))  # type: ignore[arg-type]
    plot += theme_budgetcurves() + theme(figure_size=(width / dpi, height / dpi), dpi=dpi)
    if legend is None:
        plot += theme(legend_position="none")
    else:
        position = "bottom" if legend is NOT_GIVEN else legend
        plot += theme(legend_position=position)
        if position in ("bottom", "top"):
            names = sorted(frame[model].dropna().astype(str).unique())
            labels = legend_labels(frame, model, names, counts)
            plot += guides(
                color=legend_guide(labels, width, dpi), fill=legend_guide(labels, width, dpi)
            )
    if title is not None:
        plot += labs(title=title)
    if caption is NOT_GIVEN:
        caption = _caption(frame, limit, scale, stderr, other_termination_rate, has_budget)
    if caption:
        plot += labs(caption=caption)
    for mark in marks or ():
        plot += mark
    return plot


def _caption(
    frame: Any, limit: str, scale: Scale, stderr: str | None, other: str | bool, budget: bool
) -> str:
    """What the figure does not show by itself, a line each."""
    lines = []
    if stderr is not None:
        lines.append(band_caption(frame))
    log = use_log_scale(frame, limit, scale)
    grid = grid_caption(frame, limit, log, unit_of(limit_name(frame, limit)))
    if grid:
        lines.append(grid)
    if other:
        lines.append("Dashed: rate of samples that failed below the limit")
    if budget:
        budgets = _budgets(frame, limit)
        lines.append(f"Dotted: the eval's own budget ({budgets}); beyond it the curve is censored")
    absent = frame.attrs.get(MODELS_WITHOUT_SAMPLES)
    if absent:
        lines.append(f"No samples for this limit: {', '.join(map(str, absent))}")
    # a model's answer on two lines: the gain, then what the eval's budget leaves open
    for line in frame.attrs.get(HEADROOM) or ():
        lines.extend(part if i == 0 else f"  {part}" for i, part in enumerate(line.split("; ")))
    # matplotlib reads text between two $ as math: a caption's dollars are dollars
    return "\n".join(lines).replace("$", r"\$")


def _budgets(frame: Any, limit: str) -> str:
    """``Model B: 3k`` per model with a budget, in the limit's unit."""
    model = model_column(frame, DEFAULT_MODEL)
    rows = frame.loc[frame["eval_budget"].notna(), [model, "eval_budget"]].drop_duplicates()
    rows = rows.groupby(model, sort=True)["eval_budget"].min()
    labels = unit_of(limit_name(frame, limit)).labels(rows.tolist())
    return ", ".join(f"{name}: {label}" for name, label in zip(rows.index, labels, strict=True))


def _check_ci(frame: Any, ci: float) -> None:
    level = single_value(frame, "ci_level", "band levels", "one build's rows")
    if level is not None and abs(float(level) - ci) > 1e-9:
        raise ValueError(
            f"the band in the data is at ci_level {float(level):g}, not {ci:g}; "
            f"rebuild with `budgetcurves build --ci {ci:g}` (dbt var ci_level)"
        )


def warm_up() -> None:
    """Draw a small figure off screen and discard it.

    What matplotlib and plotnine load on a process's first figure (fonts, the Agg
    canvas, modules imported lazily: ~0.2 s) is then loaded before the real figure is
    drawn; ``budgetcurves run``'s drawing process calls this while ``run`` ingests
    and builds.
    Nothing is written or shown.
    """
    import matplotlib.pyplot as plt
    import pandas as pd
    from plotnine import aes, geom_line, geom_ribbon

    frame = pd.DataFrame(
        {"x": [1.0, 2.0, 1.0, 2.0], "y": [0.2, 0.4, 0.3, 0.5], "model": ["a", "a", "b", "b"]}
    )
    figure = (
        ggplot(frame, aes("x", "y", color="model"))
        + geom_line()
        + geom_ribbon(aes(ymin="y", ymax="y", fill="model"), alpha=0.2)
        + facet_wrap("model")
        + labs(title="warm", caption="up")
        + theme_budgetcurves()
    ).draw()
    figure.canvas.draw()
    plt.close(figure)
