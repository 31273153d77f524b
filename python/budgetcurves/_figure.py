"""What size a figure can be drawn at, checked before anything is read or drawn.

Apart from the plot package so that ``budgetcurves run`` checks ``--width``, ``--height``
and ``--dpi`` before its ingest without importing plotnine and matplotlib (~0.6 s),
which it imports in a process of its own while it ingests and builds.
"""

from __future__ import annotations

import math

GOLDEN = 1.618

#: The sizes a figure can be drawn at, in pixels (each side) and dots per inch:
#: below 100 px there is no room for the panel; matplotlib draws no side past 2^16
#: pixels, and a side of 20000 already takes a gigabyte.
MIN_PIXELS, MAX_PIXELS = 100, 20_000
MIN_DPI, MAX_DPI = 10, 2_000


def check_size(width: float, height: float, dpi: float) -> None:
    """Raise ``ValueError`` naming the size a figure cannot be drawn at (before
    anything is drawn or written)."""
    for name, value, low, high in (
        ("width", width, MIN_PIXELS, MAX_PIXELS),
        ("height", height, MIN_PIXELS, MAX_PIXELS),
        ("dpi", dpi, MIN_DPI, MAX_DPI),
    ):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and low <= value <= high):
            unit = "" if name == "dpi" else " pixels"
            raise ValueError(
                f"{name} {value!r} cannot be drawn: {name} must be positive, from {low} to "
                f"{high}{unit}"
            )
