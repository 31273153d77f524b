"""Loading Inspect logs into the landing tables that dbt reads as the source ``inspect``."""

from ._ingest import IngestSummary, discover, ingest, read_any
from ._read import LogReadError, ParsedFile
from ._write import ensure_landing

__all__ = [
    "IngestSummary",
    "LogReadError",
    "ParsedFile",
    "discover",
    "ensure_landing",
    "ingest",
    "read_any",
]
