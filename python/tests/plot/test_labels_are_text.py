"""Labels are data, drawn as text (issue 12): a model, task or title with `$...$` or
markup matplotlib's mathtext cannot parse draws, and shows its dollars."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from budgetcurves.plot import scores_by_limit

from .conftest import save_png

NAMES = ["$\\notacommand{$", "cost $5 to $10", "$x^2$"]


@pytest.mark.parametrize("name", NAMES)
def test_a_model_name_with_dollars_is_drawn_as_text(tokens, tmp_path, name):
    first = sorted(tokens.model.unique())[0]
    frame = tokens.assign(model=tokens.model.where(tokens.model != first, name))
    plot = scores_by_limit(frame, title=name)
    assert save_png(plot, tmp_path / "dollars.png").stat().st_size > 0
    figure = plot.draw()
    try:
        texts = [
            t for t in figure.findobj(lambda a: hasattr(a, "get_text")) if name in str(t.get_text())
        ]
        assert texts, f"{name!r} is not among the figure's texts"
        # drawn as it is written: mathtext would have turned `$x^2$` into x²
        assert all(not t._preprocess_math(t.get_text())[1] for t in texts)
    finally:
        plt.close(figure)
