"""The frames a user gets: the mart's rows, from a built database or from a samples frame.

``read_scores`` reads a database ``budgetcurves build`` wrote; ``scores_by_limit_df``
builds the same mart from an Inspect ``samples_df`` frame in memory (the reference's
signature). Either frame goes to :mod:`budgetcurves.plot`, which draws it and reads
nothing else; ``export_scores`` writes the whole mart to a file.
"""

from ._mart import export_scores, limit_frames, mart_limits, read_scores
from ._samples import scores_by_limit_df
from ._shape import MODELS_WITHOUT_SAMPLES

__all__ = [
    "MODELS_WITHOUT_SAMPLES",
    "export_scores",
    "limit_frames",
    "mart_limits",
    "read_scores",
    "scores_by_limit_df",
]
