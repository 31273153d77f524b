"""Loading Inspect logs into the landing tables that dbt reads as the source ``inspect``."""

from ._files import FileStamp
from ._ingest import IngestSummary, discover, ingest, read_any
from ._progress import ProgressBar
from ._read import KNOWN_FORMAT_VERSIONS, LogReadError, ParsedFile
from ._write import ensure_landing

__all__ = [
    "KNOWN_FORMAT_VERSIONS",
    "FileStamp",
    "IngestSummary",
    "LogReadError",
    "ParsedFile",
    "ProgressBar",
    "discover",
    "ensure_landing",
    "ingest",
    "read_any",
]
