"""The plotnine layer: draw the mart's frames, one composable piece at a time.

The frames come from :mod:`budgetcurves.frames` (``read_scores``, ``scores_by_limit_df``,
also importable from here, where notebooks have long found them); nothing in this
package reads a database or builds a number.
"""

from ..frames import read_scores, scores_by_limit_df
from ._colors import PALETTE, model_colors
from ._layers import (
    geom_ci_band,
    geom_eval_budget,
    geom_other_termination,
    geom_success_curve,
    scale_color_model,
    scale_limit_x,
    theme_budgetcurves,
)
from ._plot import scores_by_limit
from ._viz import to_inspect_viz

__all__ = [
    "PALETTE",
    "geom_ci_band",
    "geom_eval_budget",
    "geom_other_termination",
    "geom_success_curve",
    "model_colors",
    "read_scores",
    "scale_color_model",
    "scale_limit_x",
    "scores_by_limit",
    "scores_by_limit_df",
    "theme_budgetcurves",
    "to_inspect_viz",
]
