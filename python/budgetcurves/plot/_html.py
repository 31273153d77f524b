"""``budgetcurves plot --out report.html``: the mart as one page that works offline.

Every limit of the mart (and facet value, for a faceting) is a figure, picked
with a selector; hovering a curve shows its value, band and n; a click on a
legend entry highlights that model (another click, or one on the highlighted
model, shows all again). The page is plotly.js, inlined from the ``plotly``
package (which ships it), the figures as JSON and a few lines of our own script:
nothing is fetched, no request leaves the machine.

Like the PNG, the page draws the mart's numbers as they are: no statistic is
computed here.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..frames._mart import DEFAULT_LIMIT
from ..frames._shape import HEADROOM, MODELS_WITHOUT_SAMPLES
from ._colors import model_colors
from ._frame import NOT_GIVEN, is_faceted
from ._labels import band_caption, grid_caption, limit_label, unit_of
from ._layers import is_step_limit, use_log_scale


def _figure(frame: pd.DataFrame, name: str) -> dict[str, Any]:
    """One limit (one facet value) as a plotly figure: a band and a line per model."""
    model = "model_display_name" if "model_display_name" in frame.columns else "model"
    colors = model_colors(frame["model"].astype(str))
    log = use_log_scale(frame, "limit_value")
    unit = unit_of(name)
    level = frame["ci_level"].dropna()
    band = f"{float(level.iloc[0]) * 100:g}% band" if len(level) else "band"
    shape = "hv" if is_step_limit(frame, "limit_value") else "linear"
    suffix = dict(unit.web_ticks).get("ticksuffix", "")
    traces: list[dict[str, Any]] = []
    for (key, shown), rows in frame.groupby(["model", model], sort=True):
        rows = rows.sort_values("limit_value")
        color, label = colors[str(key)], html.escape(str(shown))
        x = _values(rows, "limit_value")
        traces.append(
            {
                "type": "scatter",
                "x": x + x[::-1],
                "y": _values(rows, "ci_upper") + _values(rows, "ci_lower")[::-1],
                "fill": "toself",
                "fillcolor": _rgba(color, 0.12),
                "line": {"color": _rgba(color, 0.5), "width": 0.6, "shape": shape},
                "hoverinfo": "skip",
                "legendgroup": label,
                "showlegend": False,
                "name": label,
            }
        )
        n = rows["sample_count"].dropna()
        entry = f"{label} (n={int(n.max())})" if len(n) else label
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": x,
                "y": _values(rows, "success_rate"),
                "customdata": _values(rows, "ci_lower", "ci_upper", "sample_count"),
                "line": {"color": color, "width": 2, "shape": shape},
                "legendgroup": label,
                "name": entry,
                "hovertemplate": (
                    f"<b>{label}</b><br>{html.escape(unit.title)}: %{{x}}{suffix}<br>"
                    "success rate: %{y:.3f}<br>"
                    f"{band}: %{{customdata[0]:.3f}} to %{{customdata[1]:.3f}}<br>"
                    "n: %{customdata[2]}<extra></extra>"
                ),
            }
        )
    title = limit_label(frame, "limit_value", NOT_GIVEN, log) or ""
    return {
        "data": traces,
        "layout": {
            "xaxis": {
                "title": {"text": html.escape(title)},
                "type": "log" if log else "linear",
                **dict(unit.web_ticks),
            },
            "yaxis": {"title": {"text": "Success rate"}, "range": [-0.02, 1.02]},
            "template": "plotly_white",
            "hovermode": "closest",
            "legend": {"orientation": "h", "y": -0.2},
            "margin": {"t": 30},
        },
    }


def _values(rows: pd.DataFrame, *columns: str) -> list[Any]:
    """Columns as JSON-ready lists (rows of them for several): a missing value is null."""
    values = rows[list(columns)].astype(object).where(rows[list(columns)].notna(), None)
    return values[columns[0]].tolist() if len(columns) == 1 else values.values.tolist()


def _rgba(color: str, alpha: float) -> str:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _notes(frame: pd.DataFrame, name: str) -> list[str]:
    lines = [band_caption(frame)]
    log = use_log_scale(frame, "limit_value")
    grid = grid_caption(frame, "limit_value", log, unit_of(name))
    if grid:
        lines.append(grid)
    absent = frame.attrs.get(MODELS_WITHOUT_SAMPLES)
    if absent:
        lines.append(f"No samples for this limit: {', '.join(map(str, absent))}")
    lines.extend(frame.attrs.get(HEADROOM) or ())
    return lines


def report_figures(frames: Mapping[str, pd.DataFrame]) -> dict[str, dict[str, Any]]:
    """The page's figures from the mart's frames by limit (``limit_frames``), by the
    selector's label: a limit, or ``limit · value`` for a faceting; each a plotly
    figure (``data``, ``layout``) and its ``notes``."""
    figures: dict[str, dict[str, Any]] = {}
    for name, frame in frames.items():
        if frame.empty:
            continue
        if is_faceted(frame):
            for value, rows in frame.groupby("facet_value", sort=True):
                rows = rows.copy()
                rows.attrs = frame.attrs
                figures[f"{name} · {value}"] = {**_figure(rows, name), "notes": _notes(rows, name)}
        else:
            figures[name] = {**_figure(frame, name), "notes": _notes(frame, name)}
    return figures


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: "DejaVu Sans", sans-serif; margin: 1.5em; color: #222; }}
#notes {{ color: #444; font-size: 0.85em; }}
label {{ margin-right: 0.5em; }}
</style>
<script>{plotly}</script>
</head>
<body>
<h1>{title}</h1>
<p><label for="limit">Limit</label><select id="limit">{options}</select></p>
<div id="plot" style="width: 100%; height: 560px;"></div>
<div id="notes"></div>
<script>
const figures = {figures};
const plot = document.getElementById("plot");
const select = document.getElementById("limit");
let highlighted = null;
function show(name) {{
  const figure = figures[name];
  highlighted = null;
  Plotly.react(plot, figure.data, figure.layout, {{displaylogo: false, responsive: true}});
  const notes = document.getElementById("notes");
  notes.replaceChildren(...figure.notes.map((line) => {{
    const p = document.createElement("p");
    p.textContent = line;
    return p;
  }}));
}}
// a click on a legend entry highlights that model's line and band; again: all
function highlight(group) {{
  highlighted = highlighted === group ? null : group;
  const opacity = plot.data.map(
    (trace) => (highlighted === null || trace.legendgroup === highlighted ? 1 : 0.15));
  Plotly.restyle(plot, {{opacity: opacity}});
}}
select.addEventListener("change", () => show(select.value));
show(select.value);
plot.on("plotly_legendclick", (event) => {{
  highlight(event.data[event.curveNumber].legendgroup);
  return false;
}});
plot.on("plotly_legenddoubleclick", () => false);
</script>
</body>
</html>
"""


def write_report(
    frames: Mapping[str, pd.DataFrame],
    out: str | os.PathLike[str],
    *,
    title: str | None = None,
) -> int:
    """Write the page for the mart's frames by limit (``limit_frames``) to ``out``;
    returns the number of figures (selector entries)."""
    from plotly.offline import get_plotlyjs

    figures = report_figures(frames)
    if not figures:
        raise ValueError("the scores_by_limit mart has no rows to draw")
    first = DEFAULT_LIMIT if DEFAULT_LIMIT in figures else next(iter(figures))
    options = "".join(
        f'<option value="{html.escape(name)}"{" selected" if name == first else ""}>'
        f"{html.escape(name)}</option>"
        for name in figures
    )
    # JSON inside <script>: "</" would end the element early
    data = json.dumps(figures, allow_nan=False).replace("</", "<\\/")
    page = PAGE.format(
        title=html.escape(title or "Success rate by resource limit"),
        plotly=get_plotlyjs(),
        options=options,
        figures=data,
    )
    Path(out).write_text(page, encoding="utf-8")
    return len(figures)
