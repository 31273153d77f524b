"""A notebook session in a fresh process: ``python _session.py SIDE EXPORT``.

SIDE is ``budgetcurves`` or ``inspect_viz``. The process imports the package, reads
the export, then calls ``scores_by_limit_df`` six times, as a user trying options
does: total_tokens, total_time, working_time, total_tokens with steps=50, with
scale="linear", and total_tokens again. Prints JSON (the last line): the import,
the read, and each call's seconds. Run it with an empty cache folder
(``BUDGETCURVES_CACHE_DIR``) to measure a first session after an install.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")

CALLS = [
    {"limit": "total_tokens"},
    {"limit": "total_time"},
    {"limit": "working_time"},
    {"limit": "total_tokens", "steps": 50},
    {"limit": "total_tokens", "scale": "linear"},
    {"limit": "total_tokens"},
]

started = time.perf_counter()
side, path = sys.argv[1], sys.argv[2]
import pandas as pd  # noqa: E402

if side == "budgetcurves":
    from budgetcurves import scores_by_limit_df
else:
    from inspect_viz.view import scores_by_limit_df
imported = time.perf_counter()
frame = pd.read_parquet(path)
read = time.perf_counter()
calls = []
for options in CALLS:
    t = time.perf_counter()
    scores_by_limit_df(frame, score="score_match", **options)
    calls.append(time.perf_counter() - t)
result = {
    "import": imported - started,
    "read": read - imported,
    "calls": calls,
    "dbt imported": "dbt" in sys.modules,
}
print(json.dumps(result))
