"""lifelines' Aalen-Johansen curves of a fixture's samples, for the tests to compare with.

Reads ``samples.csv`` in the folder given (one row per sample: model, total_tokens,
score 0 or 1, token_limit, limit ``token`` where the eval's limit stopped it), and
writes ``lifelines.csv`` beside it: per model and event time, lifelines'
cumulative incidence of success and its variance (AalenJohansenFitter's delta
method). A sample stopped without success is censored at its eval's budget, a
success is the event of interest, any other sample a competing event (a terminal
failure). The fixture has no tied event times of different kinds, so lifelines does
not jitter (checked: a jitter would make the comparison meaningless).

lifelines 0.30.3 pins pandas < 3, which the project's constraints (pandas 3.1) rule
out, so it runs in a venv of its own:

    python3 -m venv /tmp/lifelines && /tmp/lifelines/bin/pip install lifelines==0.30.3
    /tmp/lifelines/bin/python scripts/lifelines_reference.py \
        python/tests/models/fixtures/aalen_johansen
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from lifelines import AalenJohansenFitter


def kinds(samples: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's time and kind: 1 success, 2 terminal failure, 0 censored."""
    censored = (samples["limit"] == "token") & (samples.score < 1)
    times = np.where(
        censored, np.minimum(samples.token_limit, samples.total_tokens), samples.total_tokens
    ).astype(float)
    kind = np.where(censored, 0, np.where(samples.score == 1, 1, 2))
    return times, kind


def main(folder: Path) -> int:
    samples = pd.read_csv(folder / "samples.csv")
    frames = []
    for model, curve in samples.groupby("model", sort=True):
        times, kind = kinds(curve)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the tie warning: a jitter is a failure here
            fit = AalenJohansenFitter(calculate_variance=True).fit(times, kind, event_of_interest=1)
        frames.append(
            pd.DataFrame(
                {
                    "model": model,
                    "time": fit.cumulative_density_.index.to_numpy(float),
                    "cumulative_incidence": fit.cumulative_density_.iloc[:, 0].to_numpy(float),
                    "variance": fit.variance_.to_numpy(float),
                }
            )
        )
    pd.concat(frames).to_csv(folder / "lifelines.csv", index=False, float_format="%.17g")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
