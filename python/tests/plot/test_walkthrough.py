"""The notebook analysis/walkthrough.py runs headless, as a script, from logs to pictures."""

from __future__ import annotations

import runpy

from budgetcurves._project import PROJECT_DIR

NOTEBOOK = PROJECT_DIR / "analysis" / "walkthrough.py"


def test_walkthrough_runs(tmp_path, monkeypatch):
    # the notebook reads examples/logs relative to where it runs and writes beside it
    (tmp_path / "examples").symlink_to(PROJECT_DIR / "examples")
    monkeypatch.chdir(tmp_path)
    namespace = runpy.run_path(str(NOTEBOOK), run_name="__main__")
    assert (tmp_path / "walkthrough.png").stat().st_size > 10_000
    assert (tmp_path / "walkthrough.svg").read_text().lstrip().startswith("<?xml")
    assert set(namespace["by_task"].facet_value) == {"arithmetic", "geography"}
    assert set(namespace["time_scores"].limit_name) == {"total_time"}
