"""Regenerate the committed frames the plot tests draw: ``python -m tests.plot.make_fixtures``
from ``python/`` (or run the file). The figure tests then compare against
baselines drawn from these frames, so a change to the SQL does not move them.

The frames are ``read_scores`` of the example logs built with ``steps: 50`` and
``facet: task_name``: the unfaceted ``total_tokens`` and ``total_time`` rows, and
the ``task_name`` rows for ``total_tokens``; the columns the plot reads, floats
rounded to 9 decimals.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from budgetcurves._project import PROJECT_DIR, run_dbt
from budgetcurves.frames import read_scores
from budgetcurves.ingest import ingest

FIXTURES = Path(__file__).parent / "fixtures"
COLUMNS = [
    "model",
    "model_display_name",
    "limit_name",
    "limit_value",
    "step_index",
    "facet_name",
    "facet_value",
    "success_rate",
    "standard_error",
    "ci_level",
    "ci_lower",
    "ci_upper",
    "se_method",
    "ci_method",
    "other_termination_rate",
    "sample_count",
    "limit_scale",
]
FRAMES = {
    "total_tokens.csv": {"limit": "total_tokens"},
    "total_time.csv": {"limit": "total_time"},
    "total_tokens_by_task.csv": {"limit": "total_tokens", "facet": "task_name"},
}


def load(name: str) -> pd.DataFrame:
    """A committed frame, with the dtypes ``read_scores`` gives."""
    return pd.read_csv(FIXTURES / name, dtype={"step_index": "int32"})


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "fixtures.duckdb"
        with duckdb.connect(str(db)) as con:
            ingest([str(PROJECT_DIR / "examples" / "logs")], con)
        run_dbt(
            ["build", "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
            db=db,
            variables={"steps": 50, "facet": "task_name"},
            quiet=True,
        )
        for name, where in FRAMES.items():
            frame = read_scores(db, **where)[COLUMNS].round(9)
            frame.to_csv(FIXTURES / name, index=False)
            print(f"wrote {FIXTURES / name}: {len(frame)} rows")


if __name__ == "__main__":
    main()
