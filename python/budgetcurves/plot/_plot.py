"""Drawing the mart with plotnine: data in, a ggplot out, no SQL, no reshaping."""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
from plotnine import (
    aes,
    element_text,
    facet_wrap,
    geom_line,
    geom_ribbon,
    ggplot,
    labs,
    scale_color_manual,
    scale_fill_manual,
    scale_x_continuous,
    scale_x_log10,
    scale_y_continuous,
    theme,
    theme_minimal,
)

LIMIT_LABELS = {
    "total_tokens": "Tokens",
    "total_time": "Total time (s)",
    "working_time": "Working time (s)",
    "message_count": "Messages",
    "cost": "Cost (USD)",
}
#: A colour-blind-safe qualitative palette (Okabe-Ito, then Tableau 10).
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#4E79A7",
    "#F28E2B",
    "#E15759",
    "#76B7B2",
    "#59A14F",
    "#EDC948",
    "#B07AA1",
    "#FF9DA7",
)
GOLDEN = 1.618


class _NotGiven:
    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()


def model_colors(models: list[str]) -> dict[str, str]:
    """A colour per model keyed by its name, the same in every plot and subset."""
    return {
        m: PALETTE[int(hashlib.sha1(m.encode()).hexdigest(), 16) % len(PALETTE)] for m in models
    }


def _frame(data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    for method in ("to_pandas", "df"):  # pyarrow tables; DuckDB relations
        if hasattr(data, method):
            return getattr(data, method)()
    raise TypeError(
        f"data must be a pandas DataFrame, pyarrow Table or DuckDB relation, "
        f"not {type(data).__name__}"
    )


def _require(frame: pd.DataFrame, *columns: str | None) -> None:
    for column in columns:
        if column is not None and column not in frame.columns:
            raise ValueError(f"Required column '{column}' not found in data.")


def scores_by_limit(
    data: Any,
    model: str = "model_display_name",
    success: str = "success_rate",
    ci_lower: str | None = "ci_lower",
    ci_upper: str | None = "ci_upper",
    facet: str | None = None,
    other_termination_rate: str | bool = False,
    limit: str | None = None,
    limit_label: str | None = NOT_GIVEN,
    scale: str = "auto",
    title: str | None = None,
    width: float = 700,
    height: float | None = None,
    dpi: float = 100,
    legend: bool = True,
) -> ggplot:
    """Success rate against a resource limit: a line per model and its band.

    ``data`` is the mart's rows for one limit (``read_scores``), as a pandas
    frame, pyarrow table or DuckDB relation. Sizes are pixels at ``dpi``.
    """
    frame = _frame(data)
    if model not in frame.columns and model == "model_display_name":
        model = "model"
    if limit is None:
        limit = (
            "limit_value"
            if "limit_value" in frame.columns
            else next((c for c in LIMIT_LABELS if c in frame.columns), None)
        )
        if limit is None:
            raise ValueError("No limit column found; pass `limit`.")
    _require(frame, model, success, limit, ci_lower, ci_upper, facet)
    limit_name = limit
    if limit == "limit_value" and "limit_name" in frame.columns:
        names = sorted(frame["limit_name"].dropna().unique())
        if len(names) > 1:
            raise ValueError(
                f"data holds several limits ({', '.join(names)}); pick one, e.g. "
                "read_scores(db, limit=...)"
            )
        limit_name = names[0] if names else limit
    if limit_label is NOT_GIVEN:
        limit_label = LIMIT_LABELS.get(limit_name, limit_name.replace("_", " ").capitalize())
    if other_termination_rate is True:
        other_termination_rate = "other_termination_rate"
    if other_termination_rate:
        _require(frame, other_termination_rate)

    use_log = _use_log(frame, limit, scale)
    colors = model_colors(sorted(frame[model].astype(str).unique()))
    plot = ggplot(frame, aes(x=limit, y=success, color=model, fill=model))
    if ci_lower and ci_upper:
        plot += geom_ribbon(aes(ymin=ci_lower, ymax=ci_upper), alpha=0.15, color="none")
    plot += geom_line(size=0.9)
    if other_termination_rate:
        plot += geom_line(aes(y=other_termination_rate), linetype="dashed", size=0.6)
    plot += scale_x_log10() if use_log else scale_x_continuous()
    plot += scale_y_continuous(limits=(0, 1))
    plot += scale_color_manual(values=colors)
    plot += scale_fill_manual(values=colors)
    plot += labs(x=limit_label, y="Success rate", color="Model", fill="Model", title=title)
    if facet:
        plot += facet_wrap(facet)
    height = width / GOLDEN if height is None else height
    plot += theme_minimal(base_size=11) + theme(
        figure_size=(width / dpi, height / dpi),
        dpi=dpi,
        legend_position="right" if legend else "none",
        plot_title=element_text(weight="bold"),
    )
    return plot


def _use_log(frame: pd.DataFrame, limit: str, scale: str) -> bool:
    if scale not in ("auto", "log", "linear"):
        raise ValueError(f"scale must be 'auto', 'log' or 'linear', not '{scale}'")
    if scale != "auto":
        return scale == "log"
    if "limit_scale" in frame.columns and frame["limit_scale"].notna().any():
        return bool((frame["limit_scale"] == "log").all())
    values = frame[limit].dropna()
    positive = values[values > 0]
    return not positive.empty and positive.max() / positive.min() >= 100
