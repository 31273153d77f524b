"""The drawing process of ``budgetcurves run`` (``main``, given the figure's suffix).

``run`` starts it before its ingest. It imports plotnine and matplotlib and draws one
small figure off screen (~0.8 s in all: what a process's first figure costs) on the
machine's other core while ``run`` ingests and builds. A thread would do the same work
under the build's own GIL, and each of the build's statements would wait for it.

When the mart is built, ``run`` sends its options through stdin and this process draws
them as ``budgetcurves plot`` would: plot's messages, one-line errors and exit codes.
A stdin closed with nothing sent (``run`` failed, or was stopped) ends it, drawing
nothing.
"""

from __future__ import annotations

import pickle
import sys
from contextlib import suppress


def main() -> int:
    if sys.argv[1:] != [".html"]:  # the page draws no matplotlib figure
        with suppress(Exception):  # a failing import fails again, with its message, below
            from ..plot._plot import warm_up

            warm_up()
    options = sys.stdin.buffer.read()
    if not options:
        return 0
    from ._main import _run, cmd_plot

    args = pickle.loads(options)  # noqa: S301  (written by the `run` that started us)
    args.func = cmd_plot
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
