"""budgetcurves: success rate as a function of a resource budget, from Inspect logs.

The plotting names are imported lazily, so that dbt (which imports the loader
plugin from this package) does not pay for plotnine.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("budgetcurves")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

# The entry points a notebook starts from: the frames (budgetcurves.frames) and the
# figure (budgetcurves.plot); the grammar (geom_*, scale_*, theme_*)
# is imported from budgetcurves.plot, as plotnine's own pieces are.
_LAZY = {
    "read_scores": "budgetcurves.frames",
    "scores_by_limit": "budgetcurves.plot",
    "scores_by_limit_df": "budgetcurves.frames",
    "to_inspect_viz": "budgetcurves.plot",
    "model_colors": "budgetcurves.plot",
    "ingest": "budgetcurves.ingest",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'budgetcurves' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The API, for ``dir()`` and tab completion (not this module's own imports)."""
    return sorted(__all__)
