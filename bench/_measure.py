"""Timing helpers: wall time and peak resident memory of a command, medians of runs."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class Run:
    seconds: float
    peak_mb: float


def run(command: Sequence[str], *, env: Mapping[str, str] | None = None, quiet: bool = True) -> Run:
    """Run ``command`` from the repo root; wall seconds and the peak RSS of it and its
    children (``wait4`` reports the largest of the process tree it reaped), measured
    by ``_peak.py`` so that this process's own peak does not leak into it."""
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("_peak.py")), *command],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.PIPE,
    )
    seconds = time.perf_counter() - started
    stderr = process.stderr.decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}:\n{stderr[-3000:]}")
    peak_kb = int(stderr.rsplit("__peak_kb__ ", 1)[1].split()[0])
    if not quiet:
        sys.stderr.write(stderr.rsplit("__peak_kb__ ", 1)[0])
    return Run(seconds, peak_kb / 1024)


def python(script: str, *args: str, env: Mapping[str, str] | None = None) -> Run:
    """Run a Python snippet in a fresh interpreter (imports included in the time)."""
    return run([sys.executable, "-c", script, *args], env=env)


def median(runs: Sequence[Run]) -> Run:
    return Run(
        statistics.median(r.seconds for r in runs), statistics.median(r.peak_mb for r in runs)
    )


def repeat(times: int, measure: Callable[[], Run], before: Callable[[], None] | None = None) -> Run:
    """Median of ``times`` runs; ``before`` resets state before each (not timed)."""
    runs = []
    for _ in range(times):
        if before:
            before()
        runs.append(measure())
    return median(runs)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def median_of(times: int, action: Callable[[], object], before=None) -> float:
    values = []
    for _ in range(times):
        if before:
            before()
        values.append(timed(action))
    return statistics.median(values)
