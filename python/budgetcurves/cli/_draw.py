"""The drawing process of ``budgetcurves run`` (``run``, given the figure's suffix and
a pipe's file descriptor).

``run`` starts it before its ingest. It imports plotnine and matplotlib and draws one
small figure off screen (~0.8 s in all: what a process's first figure costs) on the
machine's other core while ``run`` ingests and builds. A thread would do the same work
under the build's own GIL, and each of the build's statements would wait for it.

When the mart is built, ``run`` sends its options through stdin and this process draws
them as ``budgetcurves plot`` would: plot's messages, one-line errors and exit codes.
A stdin closed with nothing sent (``run`` failed, or was stopped) ends it, drawing
nothing. Once it has read the figure's rows and closed the database it says so on
the pipe ``run`` gave it (its second argument): ``run`` then writes its build into the
database file (the checkpoint) while this process draws.
"""

from __future__ import annotations

import os
import pickle
import sys
from contextlib import suppress


def main() -> int:
    suffix, told = sys.argv[1], int(sys.argv[2])
    if suffix != ".html":  # the page draws no matplotlib figure
        with suppress(Exception):  # a failing import fails again, with its message, below
            from ..plot._plot import warm_up

            warm_up()
    options = sys.stdin.buffer.read()
    if not options:
        return 0
    from ._main import _run, cmd_plot

    def done_reading() -> None:
        with suppress(OSError):
            os.write(told, b"r")
            os.close(told)

    args = pickle.loads(options)  # noqa: S301  (written by the `run` that started us)
    args.func = cmd_plot
    args.done_reading = done_reading
    return _run(args)


def run() -> None:
    """``main``, then exit as soon as the figure is written: ``run`` waits for this
    process, and the interpreter's teardown (matplotlib's and pandas' modules) takes
    about 0.25 s more."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code)
