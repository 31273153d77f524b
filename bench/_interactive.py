"""Warm calls in one process: ``python _interactive.py EXPORT REPEAT [WAYS]``.

budgetcurves' drop-in ``scores_by_limit_df`` against inspect_viz's, each called once
first (a process's first call imports, and budgetcurves compiles once per shape),
then interleaved ``REPEAT`` times, three ways: the same call again (the drop-in keeps
the frame's database and builds nothing new); another option each call (``steps``
100 then 50: the drop-in builds what the option reaches); other rows each call (two
frames differing in one score, alternated: the drop-in loads and builds everything).
Prints JSON (the last line): the median seconds of each side for each way (WAYS:
some of same,option,rows; default all), and where the drop-in's time goes on new
rows.
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
from budgetcurves.frames._samples import DUCKDB_ROW_GROUP, _as_export, _stamp  # noqa: E402
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
    _stamp(table)
    parts["hash the rows"] = time.perf_counter() - t
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


def interleaved(calls: list[dict], repeat: int) -> tuple[float, float]:
    """The median seconds of the reference's and the drop-in's calls, each call of
    ``calls`` (frame and options) made by both in turn, ``repeat`` times over."""
    ours, theirs = [], []
    for _ in range(repeat):
        for call in calls:
            frame, options = call["frame"], call["options"]
            copy = frame.copy()  # the reference may add columns to its frame
            theirs.append(
                timed(lambda c=copy, o=options: reference(c, score=SCORE, limit=LIMIT, **o))
            )
            ours.append(timed(lambda f=frame, o=options: scores_by_limit_df(f, SCORE, LIMIT, **o)))
    return statistics.median(theirs), statistics.median(ours)


def main() -> None:
    path, repeat = sys.argv[1], int(sys.argv[2])
    only = sys.argv[3].split(",") if len(sys.argv) > 3 else None  # some of the ways
    frame = pd.read_parquet(path)
    if "status" in frame.columns:  # the drop-in's vars then name the statuses
        frame = frame.drop(columns="status")
    other = frame.copy()  # other rows: one sample's score changed
    other.loc[other.index[0], SCORE] = "I" if other[SCORE].iloc[0] != "I" else "C"
    reference(frame.copy(), score=SCORE, limit=LIMIT)
    scores_by_limit_df(frame, SCORE, LIMIT, steps=50)  # compiled once per shape: cached
    scores_by_limit_df(frame, SCORE, LIMIT)
    ways = {
        "same": [{"frame": frame, "options": {}}],
        "option": [{"frame": frame, "options": {"steps": s}} for s in (100, 50)],
        "rows": [{"frame": f, "options": {}} for f in (frame, other)],
    }
    medians = {
        way: interleaved(calls, repeat)
        for way, calls in ways.items()
        if only is None or way in only
    }
    parts = [breakdown(frame) for _ in range(repeat)]
    median_parts = {key: statistics.median(p[key] for p in parts) for key in parts[0]}
    print(
        json.dumps(
            {
                "reference": medians["same"][0],
                "project": medians["same"][1],
                "ways": {way: {"reference": r, "project": p} for way, (r, p) in medians.items()},
                "parts": median_parts,
            }
        )
    )


if __name__ == "__main__":
    main()
