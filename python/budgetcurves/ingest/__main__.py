"""``python -m budgetcurves.ingest ARGS...``: ``budgetcurves ingest ARGS...``, kept for
the schedules that call it (``--target duckdb|postgres|spark``, docs/warehouses.md)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from ..cli import main as cli_main

    return cli_main(["ingest", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
