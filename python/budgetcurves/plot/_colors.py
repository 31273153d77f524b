"""A colour per model, keyed by its name: the same in every plot, distinct within one.

Two wishes pull apart. A colour that depends on the model's name alone is the
same in every plot and subset, but with ten colours and five models two curves
share a colour about seven times in ten (the birthday problem), and such a plot
cannot be read. Colours handed out in order are distinct, but a model's colour
then changes with every subset.

The choice here keeps both where they can be kept: each model has a *home*
colour from a hash of its name (SHA-1, so the same on every machine and in every
run, unlike Python's ``hash``). In a plot, models take their home colour in
order of name; a model whose home colour is already taken moves to the next free
colour of the palette (linear probing). So:

- the same set of models always gets the same colours;
- up to ``len(PALETTE)`` models in a plot never share a colour (beyond that,
  the extra models reuse their home colour);
- a model keeps its home colour in every plot unless a model earlier by name,
  present in the same plot, claimed it first; only then does it differ between
  subsets. Pass a fixed ``scale_color_manual(values=model_colors(all_models))``
  computed over every model you will ever show to freeze colours across subsets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

#: Okabe-Ito's colour-blind-safe qualitative palette without its yellow (too pale
#: for a line on white), then three of Tableau 10's that stay apart from them.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#8C564B",  # brown
    "#9467BD",  # purple
    "#8C8C00",  # olive
)


def home_slot(model: str, slots: int = len(PALETTE)) -> int:
    """The palette index a model's name hashes to."""
    digest = hashlib.sha1(model.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % slots


def model_colors(models: Iterable[str], palette: Sequence[str] = PALETTE) -> dict[str, str]:
    """A colour for each model, by name: home colour first, next free one on a collision.

    The result depends on the set of names only (not their order or count of
    rows); see the module's docstring for what stays stable across subsets.
    """
    slots = len(palette)
    taken: set[int] = set()
    colors: dict[str, str] = {}
    for model in sorted({str(m) for m in models}):
        slot = home_slot(model, slots)
        if len(taken) < slots:
            while slot in taken:
                slot = (slot + 1) % slots
        taken.add(slot)
        colors[model] = palette[slot]
    return colors
