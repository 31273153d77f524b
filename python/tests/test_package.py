"""The package's namespace: what ``dir()`` and tab completion offer."""

from __future__ import annotations

import rlcompleter

import budgetcurves


def _completions(prefix: str) -> list[str]:
    completer = rlcompleter.Completer({"budgetcurves": budgetcurves})
    found, state = [], 0
    while (match := completer.complete(prefix, state)) is not None:
        found.append(match.removeprefix("budgetcurves.").rstrip("("))
        state += 1
    return found


def test_dir_lists_the_api_not_the_modules_imports():
    names = dir(budgetcurves)
    for name in ("scores_by_limit", "read_scores", "scores_by_limit_df", "ingest", "__version__"):
        assert name in names
    for name in ("Any", "import_module", "version", "PackageNotFoundError"):
        assert name not in names


def test_every_listed_name_resolves():
    for name in dir(budgetcurves):
        assert getattr(budgetcurves, name) is not None


def test_tab_completion_offers_the_lazy_names():
    offered = _completions("budgetcurves.")
    assert "scores_by_limit" in offered
    assert "read_scores" in offered
    assert "import_module" not in offered
