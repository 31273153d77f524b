"""Loading Inspect logs into the landing tables that dbt reads as the source ``inspect``."""

from .._errors import LogReadError
from ._duckdb import DuckDBWarehouse, ensure_landing, load_frame
from ._files import FileStamp
from ._ingest import IngestSummary, as_warehouse, discover, forget, ingest, read_any
from ._landing import ParsedFile
from ._postgres import PostgresWarehouse
from ._progress import ProgressBar
from ._read import KNOWN_FORMAT_VERSIONS
from ._spark import SparkWarehouse, spark_session
from ._warehouse import Replaced, Warehouse, WarehouseError

__all__ = [
    "KNOWN_FORMAT_VERSIONS",
    "DuckDBWarehouse",
    "FileStamp",
    "IngestSummary",
    "LogReadError",
    "ParsedFile",
    "PostgresWarehouse",
    "ProgressBar",
    "Replaced",
    "SparkWarehouse",
    "Warehouse",
    "WarehouseError",
    "as_warehouse",
    "discover",
    "ensure_landing",
    "forget",
    "ingest",
    "load_frame",
    "read_any",
    "spark_session",
]
