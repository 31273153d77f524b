"""Warm calls in one process: ``python _interactive.py EXPORT REPEAT``.

budgetcurves' drop-in ``scores_by_limit_df`` against inspect_viz's on the same frame,
each called once first (a process's first call imports, and budgetcurves compiles
once per project and vars), then interleaved ``REPEAT`` times. Prints JSON (the last
line): the median seconds of each, and where the drop-in's time goes.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")

import pandas as pd  # noqa: E402
from inspect_viz.view import scores_by_limit_df as reference  # noqa: E402

from budgetcurves import scores_by_limit_df  # noqa: E402
from budgetcurves._compiled import MEMORY_DATABASE, compiled_plan, memory_database  # noqa: E402
from budgetcurves.frames import read_scores  # noqa: E402
from budgetcurves.frames._samples import DUCKDB_ROW_GROUP, _as_export  # noqa: E402
from budgetcurves.ingest import load_frame  # noqa: E402

SCORE, LIMIT = "score_match", "total_tokens"


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def breakdown(frame: pd.DataFrame) -> dict[str, float]:
    """The drop-in's steps, timed one by one (what ``scores_by_limit_df`` does)."""
    parts: dict[str, float] = {}
    t = time.perf_counter()
    table = _as_export(frame, SCORE, "match")
    parts["frame to Arrow"] = time.perf_counter() - t
    t = time.perf_counter()
    plan = compiled_plan(
        {"scorer": "match", "scale": "auto", "steps": 100, "limits": [LIMIT]}, MEMORY_DATABASE
    )
    parts["read the cached plan"] = time.perf_counter() - t
    with memory_database(1 if len(frame) < DUCKDB_ROW_GROUP else None) as con:
        t = time.perf_counter()
        load_frame(con, table)
        parts["load (export reader, checks)"] = time.perf_counter() - t
        steps: dict[str, float] = {}
        plan.execute(con, "scores_by_limit", "model_info", timings=steps)
        parts["data tests"] = steps.pop("data tests")
        for name, seconds in steps.items():
            parts[f"build {name}"] = seconds
        t = time.perf_counter()
        read_scores(con, limit=LIMIT)
        parts["read the mart"] = time.perf_counter() - t
    return parts


def main() -> None:
    path, repeat = sys.argv[1], int(sys.argv[2])
    frame = pd.read_parquet(path)
    if "status" in frame.columns:  # the drop-in's vars then name the statuses
        frame = frame.drop(columns="status")
    reference(frame.copy(), score=SCORE, limit=LIMIT)
    scores_by_limit_df(frame, SCORE, LIMIT)
    ours, theirs = [], []
    for _ in range(repeat):
        copy = frame.copy()  # the reference may add columns to its frame
        theirs.append(timed(lambda copy=copy: reference(copy, score=SCORE, limit=LIMIT)))
        ours.append(timed(lambda: scores_by_limit_df(frame, SCORE, LIMIT)))
    parts = [breakdown(frame) for _ in range(repeat)]
    median_parts = {key: statistics.median(p[key] for p in parts) for key in parts[0]}
    print(
        json.dumps(
            {
                "reference": statistics.median(theirs),
                "project": statistics.median(ours),
                "parts": median_parts,
            }
        )
    )


if __name__ == "__main__":
    main()
