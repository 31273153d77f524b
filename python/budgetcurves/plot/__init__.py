"""The plotnine layer: read the mart, draw it."""

from ._data import read_scores
from ._plot import LIMIT_LABELS, model_colors, scores_by_limit

__all__ = ["LIMIT_LABELS", "model_colors", "read_scores", "scores_by_limit"]
