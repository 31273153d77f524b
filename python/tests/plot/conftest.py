"""Frames to draw (committed, see make_fixtures.py) and a comparison with baseline images.

Figures are drawn at a fixed size and DPI in DejaVu Sans (the theme's font, which
ships with matplotlib) under matplotlib's default rcParams, and compared with the
PNGs in ``baseline/`` by matplotlib's ``compare_images`` (RMS of the pixel
difference, tolerance 2 as plotnine's own tests). Set BUDGETCURVES_UPDATE_BASELINES=1
to rewrite the baselines after a deliberate change, then look at them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib as mpl
import pandas as pd
import pytest
from matplotlib.testing.compare import compare_images

from .make_fixtures import load

BASELINE = Path(__file__).parent / "baseline"
TOLERANCE = 2


@pytest.fixture()
def tokens() -> pd.DataFrame:
    """The unfaceted total_tokens rows of the example logs (log grid, 3 models)."""
    return load("total_tokens.csv")


@pytest.fixture()
def time_rows() -> pd.DataFrame:
    """The unfaceted total_time rows of the example logs (linear grid)."""
    return load("total_time.csv")


@pytest.fixture()
def by_task() -> pd.DataFrame:
    """The total_tokens rows of the task_name faceting (arithmetic, geography)."""
    return load("total_tokens_by_task.csv")


@pytest.fixture(autouse=True)
def default_rcparams():
    with mpl.rc_context():
        mpl.rcdefaults()
        yield


def save_png(plot, path: Path) -> Path:
    plot.save(path, verbose=False)
    return path


def assert_matches_baseline(plot, name: str, tmp_path: Path) -> None:
    """The plot rendered to PNG equals ``baseline/<name>.png`` within the tolerance."""
    actual = save_png(plot, tmp_path / f"{name}.png")
    expected = BASELINE / f"{name}.png"
    if os.environ.get("BUDGETCURVES_UPDATE_BASELINES") or not expected.exists():
        BASELINE.mkdir(exist_ok=True)
        shutil.copyfile(actual, expected)
        if not os.environ.get("BUDGETCURVES_UPDATE_BASELINES"):
            pytest.fail(f"no baseline {expected.name}: wrote it; look at it and commit it")
    error = compare_images(str(expected), str(actual), tol=TOLERANCE)
    assert error is None, error
