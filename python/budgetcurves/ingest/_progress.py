"""A progress bar for ``ingest`` on a terminal: files, samples, rate, bad files so far.

tqdm draws it: one small module without dependencies of its own, and it only
redraws a few times a second however fast files go by.
"""

from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._ingest import IngestSummary


class ProgressBar:
    """An ``on_progress`` callback for :func:`ingest`; :meth:`close` clears the bar."""

    def __init__(self, stream: IO[str] | None = None, mininterval: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.mininterval = mininterval  # seconds between redraws
        self._bar: Any = None

    def __call__(self, done: int, total: int, summary: IngestSummary) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                desc="ingest",
                unit="file",
                file=self.stream,
                leave=False,
                dynamic_ncols=True,
                mininterval=self.mininterval,
                # drawn from the first frame: a fast ingest may never redraw
                postfix={"samples": summary.samples_added, "bad": summary.files_bad},
            )
        self._bar.set_postfix(samples=summary.samples_added, bad=summary.files_bad, refresh=False)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
