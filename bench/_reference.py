"""Run inspect_viz's scores_by_limit_df on an export: ``python _reference.py FILE LIMIT``.

What a user of the reference does: read the samples_df export with pandas, then
prepare one limit's frame. Prints the seconds each took and the row count.
"""

from __future__ import annotations

import sys
import time
import warnings

warnings.filterwarnings("ignore")

started = time.perf_counter()
import pandas as pd  # noqa: E402
from inspect_viz.view import scores_by_limit_df  # noqa: E402

path, limit = sys.argv[1], sys.argv[2]
frame = pd.read_parquet(path)
read = time.perf_counter()
result = scores_by_limit_df(frame, score="score_match", limit=limit)
done = time.perf_counter()
if len(sys.argv) > 3:
    result.to_parquet(sys.argv[3])
print(f"read {read - started:.2f}s compute {done - read:.2f}s rows {len(result)}")
